package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/importer"
)

// BatchSink is a RecordSink that can also accept many records durably in
// a few Temporal calls (starters/employees.Sink.AcceptBatch).
type BatchSink interface {
	AcceptBatch(ctx context.Context, batchID string, items []contract.HRBatchItem, concurrency int) []error
}

// deliverBatch validates rows and delivers the valid ones: each is either
// delivered to its Employee workflow or, in a batch of more than
// importer.DirectMax on a BatchSink, durably accepted (an HRBatch workflow
// holds it, and the worker fans it out) before this returns. Either way
// the answer means Temporal has it. A replayed delivery has the same
// delivery and batch ids, so it is applied once. A termination never
// waits behind another batch: each batch is its own HRBatch, a small one
// is delivered directly, and within a batch terminations go first.
// Every delivery goes through s.opts.Sink, terminations through the guard first.
func (s *Server) deliverBatch(ctx context.Context, rows []hr.Row, sig string) importer.Result {
	run := s.opts.Guard.NewRun("webhook", "", nil) // starters/employees/guard.go; nil: no guard
	opts := importer.Options{Source: "webhook", Concurrency: s.opts.Concurrency, AllowNoEmail: s.opts.AllowNoEmail,
		// A termination the guard must see is delivered through it one by
		// one, never accepted in bulk past it.
		Direct: run.Guards,
		Submit: func(ctx context.Context, i int, rec domain.HRRecord) (string, error) {
			id, err := run.Deliver(ctx, s.opts.Sink.Deliver, rec, deliveryID("hr", sig, i))
			if err != nil {
				s.opts.Logger.Error().Err(err).Str("employee_id", rec.EmployeeID).Msg("forward HR record")
			}
			return id, err
		}}
	if k, ok := s.opts.Sink.(interface {
		Known(context.Context, string) (bool, error)
	}); ok {
		opts.Known = k.Known
	}
	if bs, ok := s.opts.Sink.(BatchSink); ok {
		opts.Accept = func(ctx context.Context, idx []int, recs []domain.HRRecord) []error {
			items := make([]contract.HRBatchItem, len(recs))
			for j, rec := range recs {
				items[j] = contract.HRBatchItem{Record: rec, DeliveryID: deliveryID("hr", sig, idx[j])}
			}
			sum := sha256.Sum256([]byte("jml-batch:hr:" + sig))
			errs := bs.AcceptBatch(ctx, hex.EncodeToString(sum[:16]), items, s.opts.Concurrency)
			for j, err := range errs {
				if err != nil {
					s.opts.Logger.Error().Err(err).Str("employee_id", recs[j].EmployeeID).Msg("accept HR batch")
				}
			}
			return errs
		}
	}
	res := importer.Import(ctx, rows, opts)
	importer.Record(res.Counts)
	return res
}

package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

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

// directMax is the largest batch delivered record by record before the
// answer; a larger one is accepted as HRBatch workflows, in a few calls,
// and fanned out by the worker.
const directMax = 100

// deliverBatch validates rows and delivers the valid ones: every one of
// them is either delivered to its Employee workflow or, for a batch over
// directMax on a BatchSink, durably accepted (an HRBatch workflow holds
// it) before this returns. Either way the answer means Temporal has it.
// A replayed delivery reuses the same delivery and batch ids, so it is
// applied once. A termination never waits behind another batch: each
// batch is its own HRBatch, and within one, terminations go first.
func (s *Server) deliverBatch(ctx context.Context, rows []hr.Row, sig string) importer.Result {
	opts := importer.Options{Source: "webhook", Concurrency: s.opts.Concurrency,
		Submit: func(ctx context.Context, i int, rec domain.HRRecord) (string, error) {
			id, err := s.opts.Sink.Deliver(ctx, rec, deliveryID("hr", sig, i))
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
	bs, ok := s.opts.Sink.(BatchSink)
	if !ok || len(rows) <= directMax {
		return importer.Import(ctx, rows, opts)
	}
	// Validate with the import's rules, collecting the records to accept.
	var mu sync.Mutex
	var idx []int
	var items []contract.HRBatchItem
	opts.Submit = func(_ context.Context, i int, rec domain.HRRecord) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		idx = append(idx, i)
		items = append(items, contract.HRBatchItem{Record: rec, DeliveryID: deliveryID("hr", sig, i)})
		return contract.EmployeeWorkflowID(rec.EmployeeID), nil
	}
	res := importer.Import(ctx, rows, opts)
	sum := sha256.Sum256([]byte("jml-batch:hr:" + sig))
	errs := bs.AcceptBatch(ctx, hex.EncodeToString(sum[:16]), items, s.opts.Concurrency)
	for j, err := range errs {
		if err == nil {
			continue
		}
		s.opts.Logger.Error().Err(err).Str("employee_id", items[j].Record.EmployeeID).Msg("accept HR batch")
		o := &res.Outcomes[idx[j]]
		o.Error, o.NotDelivered, o.WorkflowID = "not delivered: "+err.Error(), true, ""
		res.Counts.Delivered--
		res.Counts.Quarantined++
		res.Quarantined = append(res.Quarantined, importer.Quarantined{Ref: o.Ref, EmployeeID: o.EmployeeID, Reason: o.Error})
	}
	return res
}

package intake

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/importer"
)

// Signature headers of jml's HR webhook: the sender signs
// "<timestamp>.<raw body>" with HMAC-SHA256 and the shared secret.
const (
	HeaderTimestamp = "X-JML-Timestamp"
	HeaderSignature = "X-JML-Signature"
)

// Sign computes the signature header value for body at ts (for senders and tests).
func Sign(secret string, ts time.Time, body []byte) (timestamp, signature string) {
	timestamp = strconv.FormatInt(ts.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(timestamp))
	m.Write([]byte("."))
	m.Write(body)
	return timestamp, "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Signature errors; all answer 401 with the reason.
var (
	ErrMissingSignature = errors.New("missing " + HeaderTimestamp + " or " + HeaderSignature + " header")
	ErrStaleSignature   = errors.New("signature timestamp outside the allowed window")
	ErrBadSignature     = errors.New("signature does not match")
)

// Verify checks a signed body in constant time.
func Verify(secret string, h http.Header, body []byte, now time.Time, skew time.Duration) error {
	ts, sig := h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	if ts == "" || sig == "" || secret == "" {
		return ErrMissingSignature
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStaleSignature
	}
	d := now.Sub(time.Unix(secs, 0))
	if d > skew || d < -skew {
		return ErrStaleSignature
	}
	_, want := Sign(secret, time.Unix(secs, 0), body)
	if !hmac.Equal([]byte(sig), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}

// Result is the answer per record.
type Result struct {
	EmployeeID string   `json:"employee_id,omitempty"`
	Ref        string   `json:"ref"`
	WorkflowID string   `json:"workflow_id,omitempty"`
	Error      string   `json:"error,omitempty"`
	Warnings   []string `json:"warnings,omitempty"` // applied, but a human should look (unknown manager, manager cycle)
}

// errQueue is the answer for a good record Temporal did not take.
const errQueue = "could not be queued; retry later"

// maxRecords bounds one webhook request.
const maxRecords = 1000

// ParseRecords decodes a webhook body strictly (unknown fields are errors):
// one record, an array, or {"records": [...]}. Each record is validated
// separately by the caller.
func ParseRecords(body []byte) ([]domain.HRRecord, error) {
	recs, err := hr.ParseJSON(body, maxRecords)
	if err != nil {
		return nil, fmt.Errorf("body: %w", err)
	}
	return recs, nil
}

// hrRecords accepts signed HR records and forwards each valid one to its
// Employee workflow. An invalid record is refused with the field and the
// record named; the valid ones of a batch still go through (207).
func (s *Server) hrRecords(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	if err := Verify(s.opts.HRSecret, r.Header, body, s.opts.Now(), s.opts.SignatureSkew); err != nil {
		s.opts.Logger.Warn().Str("source", sourceOf(r)).Str("reason", err.Error()).Msg("HR webhook refused")
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	// This process's memory of signatures only spares Temporal a call; the
	// delivery id below is what makes a replay a no-op across replicas.
	if err := s.replays.Check(r.Header.Get(HeaderSignature), s.opts.Now()); err != nil {
		writeError(w, http.StatusUnauthorized, err.Error())
		return
	}
	recs, err := ParseRecords(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sig := r.Header.Get(HeaderSignature)
	// The batch goes through the import's rules (per record and across the
	// batch: one row per employee) and is delivered concurrently, so even
	// 1,000 records answer in seconds.
	rows := make([]hr.Row, len(recs))
	for i, rec := range recs {
		rows[i] = hr.Row{Ref: fmt.Sprintf("records[%d]", i), Record: rec}
	}
	run := s.opts.Guard.NewRun("webhook", "", nil) // starters/employees/guard.go
	opts := importer.Options{Source: "webhook", Concurrency: s.opts.Concurrency, AllowNoEmail: s.opts.AllowNoEmail,
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
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.BatchDeadline)
	defer cancel()
	res := importer.Import(ctx, rows, opts)
	results := make([]Result, len(recs))
	retry := 0
	for i, o := range res.Outcomes {
		results[i] = Result{EmployeeID: o.EmployeeID, Ref: o.Ref, WorkflowID: o.WorkflowID, Error: o.Error, Warnings: o.Warnings}
		if o.NotDelivered {
			results[i].Error = errQueue // Temporal's words stay in the log
			retry++
		}
	}
	failed := res.Counts.Quarantined
	status := http.StatusAccepted
	switch {
	case failed == len(recs) && failed > 0 && retry == 0:
		status = http.StatusUnprocessableEntity
	case failed == len(recs):
		status = http.StatusServiceUnavailable
	case failed > 0:
		status = http.StatusMultiStatus
	}
	writeJSON(w, status, map[string]any{"counts": res.Counts, "results": results})
}

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
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
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

// parseWebhook reads a webhook body: in jml's own fields, or, with
// ?source=NAME, in that webhook source's profile (its field names, value
// words and date formats), where a record that cannot be mapped is that
// record's problem, never the batch's.
func (s *Server) parseWebhook(source string, body []byte) ([]domain.HRRecord, []hr.Row, error) {
	if source == "" {
		recs, err := ParseRecords(body)
		if err != nil {
			return nil, nil, err
		}
		rows := make([]hr.Row, len(recs))
		for i, rec := range recs {
			rows[i] = hr.Row{Ref: fmt.Sprintf("records[%d]", i), Record: rec}
		}
		return recs, rows, nil
	}
	p, ok := s.opts.Sources[strings.ToLower(source)]
	if !ok {
		return nil, nil, fmt.Errorf("source %q is not a webhook source in hr.sources", source)
	}
	rows, _, err := hr.ParseJSONProfile(body, p)
	if err != nil {
		return nil, nil, fmt.Errorf("body (source %s): %w", source, err)
	}
	if len(rows) > maxRecords {
		return nil, nil, fmt.Errorf("body: %d records, at most %d in one request", len(rows), maxRecords)
	}
	recs := make([]domain.HRRecord, len(rows))
	for i := range rows {
		rows[i].Ref = fmt.Sprintf("records[%d]", i)
		recs[i] = rows[i].Record
	}
	return recs, rows, nil
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
	recs, rows, err := s.parseWebhook(r.URL.Query().Get("source"), body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	sig := r.Header.Get(HeaderSignature)
	if r.URL.Query().Get("plan") == "1" {
		// After the replay check: the mode is not signed, so a plan's
		// signature must not be reusable to apply the same body.
		s.planRecords(w, r, recs)
		return
	}
	// The batch goes through the import's rules (per record and across the
	// batch: one row per employee). A small one is delivered at once,
	// concurrently; a large one is accepted durably (see deliverBatch).
	ctx, cancel := context.WithTimeout(r.Context(), s.opts.BatchDeadline)
	defer cancel()
	res := s.deliverBatch(ctx, rows, sig)
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

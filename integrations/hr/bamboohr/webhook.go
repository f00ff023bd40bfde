package bamboohr

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/integrations/hr"
)

// Webhook limits.
const (
	MaxWebhookBody = 1 << 20         // far above any real event payload
	WebhookWindow  = 5 * time.Minute // accepted clock difference, both ways
	HeaderTS       = "X-BambooHR-Timestamp"
	HeaderSig      = "X-BambooHR-Signature"
)

// Errors of VerifyWebhook; test with errors.Is.
var (
	ErrNoKey        = errors.New("bamboohr webhook: no signing key configured")
	ErrTooLarge     = fmt.Errorf("bamboohr webhook: body larger than %d bytes", MaxWebhookBody)
	ErrUnsigned     = errors.New("bamboohr webhook: missing " + HeaderSig + " header")
	ErrNoTimestamp  = errors.New("bamboohr webhook: missing " + HeaderTS + " header")
	ErrBadTimestamp = errors.New("bamboohr webhook: " + HeaderTS + " is not a Unix time")
	ErrStale        = errors.New("bamboohr webhook: timestamp older than 5 minutes (replayed or delayed)")
	ErrFuture       = errors.New("bamboohr webhook: timestamp more than 5 minutes in the future")
	ErrBadSignature = errors.New("bamboohr webhook: signature does not match body and timestamp")
	ErrReplayed     = hr.ErrReplayed
)

// Sign is hex HMAC-SHA256(key, body ‖ timestamp), BambooHR's signature.
func Sign(key string, body []byte, timestamp string) string {
	return hex.EncodeToString(mac(key, body, timestamp))
}

func mac(key string, body []byte, timestamp string) []byte {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	m.Write([]byte(timestamp))
	return m.Sum(nil)
}

// VerifyWebhook checks a delivery's signature and freshness. It never puts
// the key or the expected signature in an error.
func VerifyWebhook(h http.Header, body []byte, key string, now time.Time) error {
	if key == "" {
		return ErrNoKey
	}
	if len(body) > MaxWebhookBody {
		return ErrTooLarge
	}
	sig := strings.TrimSpace(h.Get(HeaderSig))
	if sig == "" {
		return ErrUnsigned
	}
	ts := strings.TrimSpace(h.Get(HeaderTS))
	if ts == "" {
		return ErrNoTimestamp
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrBadTimestamp
	}
	at := time.Unix(secs, 0)
	if now.Sub(at) > WebhookWindow {
		return fmt.Errorf("%w: sent %s, now %s", ErrStale, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	if at.Sub(now) > WebhookWindow {
		return fmt.Errorf("%w: sent %s, now %s", ErrFuture, at.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	got, err := hex.DecodeString(strings.ToLower(strings.TrimPrefix(sig, "sha256=")))
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w (not a hex SHA-256 value)", ErrBadSignature)
	}
	if !hmac.Equal(got, mac(key, body, ts)) {
		return ErrBadSignature
	}
	return nil
}

// ReplayGuard refuses a delivery resent within the webhook window.
type ReplayGuard = hr.ReplayGuard

// Event is one event-based webhook.
type Event struct {
	Type          string    `json:"type"` // employee.created, employee.updated, employee.deleted
	Timestamp     time.Time `json:"timestamp"`
	CompanyID     string    `json:"company_id"`
	EmployeeID    string    `json:"employee_id"` // BambooHR's id: fetch the record with GetEmployee
	ChangedFields []string  `json:"changed_fields,omitempty"`
}

// Event types.
const (
	EventCreated = "employee.created"
	EventUpdated = "employee.updated"
	EventDeleted = "employee.deleted"
)

// ParseError says what is wrong with a payload.
type ParseError struct{ Reason string }

func (e *ParseError) Error() string { return "bamboohr webhook: " + e.Reason }

func perr(format string, a ...any) error { return &ParseError{Reason: fmt.Sprintf(format, a...)} }

type rawEvent struct {
	Type      *string         `json:"type"`
	Timestamp *string         `json:"timestamp"`
	Data      *rawData        `json:"data"`
	Employees json.RawMessage `json:"employees"` // the legacy field-based shape
}

type rawData struct {
	CompanyID     json.RawMessage `json:"companyId"`
	EmployeeID    json.RawMessage `json:"employeeId"`
	ChangedFields []string        `json:"changedFields"`
}

var tsLayouts = []string{"2006-01-02T15:04:05-0700", time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02 15:04:05"}

// ParseWebhook parses an event-based payload. Verify it first.
func ParseWebhook(body []byte) (Event, error) {
	if len(body) > MaxWebhookBody {
		return Event{}, perr("body is %d bytes, more than %d", len(body), MaxWebhookBody)
	}
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Event{}, perr("empty body")
	}
	if body[0] != '{' {
		return Event{}, perr("body is not a JSON object (form-encoded deliveries are not supported; choose JSON)")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var raw rawEvent
	if err := dec.Decode(&raw); err != nil {
		return Event{}, perr("malformed JSON: %v", err)
	}
	if dec.More() {
		return Event{}, perr("trailing data after the JSON object")
	}
	if raw.Type == nil && len(raw.Employees) > 0 {
		return Event{}, perr("field-based (legacy global) payload; configure an event-based webhook")
	}
	var ev Event
	switch {
	case raw.Type == nil || *raw.Type == "":
		return Event{}, perr("missing type")
	case *raw.Type != EventCreated && *raw.Type != EventUpdated && *raw.Type != EventDeleted:
		return Event{}, perr("unknown type %q (want employee.created, employee.updated or employee.deleted)", clip(*raw.Type))
	}
	ev.Type = *raw.Type
	if raw.Timestamp == nil || *raw.Timestamp == "" {
		return Event{}, perr("missing timestamp")
	}
	for _, l := range tsLayouts {
		if t, err := time.Parse(l, *raw.Timestamp); err == nil {
			ev.Timestamp = t
			break
		}
	}
	if ev.Timestamp.IsZero() {
		return Event{}, perr("timestamp %q is not ISO 8601", clip(*raw.Timestamp))
	}
	if raw.Data == nil {
		return Event{}, perr("missing data")
	}
	id, err := idString(raw.Data.EmployeeID)
	if err != nil {
		return Event{}, perr("data.employeeId: %v", err)
	}
	ev.EmployeeID = id
	if len(raw.Data.CompanyID) > 0 && string(raw.Data.CompanyID) != "null" {
		if ev.CompanyID, err = idString(raw.Data.CompanyID); err != nil {
			return Event{}, perr("data.companyId: %v", err)
		}
	}
	for _, f := range raw.Data.ChangedFields {
		if f == "" || len(f) > 128 {
			return Event{}, perr("data.changedFields has an empty or overlong name")
		}
	}
	ev.ChangedFields = raw.Data.ChangedFields
	return ev, nil
}

// idString accepts "123" or 123: a positive decimal id.
func idString(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", errors.New("missing")
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		var n json.Number
		if err := json.Unmarshal(raw, &n); err != nil {
			return "", errors.New("not a string or number")
		}
		s = n.String()
	}
	if s == "" || len(s) > 20 {
		return "", fmt.Errorf("%q is not an id", clip(s))
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", fmt.Errorf("%q is not a numeric id", clip(s))
		}
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

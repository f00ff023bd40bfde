package scim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jml-dev/jml/integrations/directory"
)

// scimError is the RFC 7644 §3.12 error body. Status is a string in the
// RFC; some vendors send a number, so it is decoded either way.
type scimError struct {
	Status   json.RawMessage `json:"status"`
	ScimType string          `json:"scimType"`
	Detail   string          `json:"detail"`
	Message  string          `json:"message"` // a few vendors use this instead of detail
}

// defaultThrottleWait is the delay assumed for a 429 without Retry-After.
const defaultThrottleWait = time.Second

// classify turns a non-2xx answer into the one *directory.Error, or nil for
// success. It is the only place that maps SCIM statuses to kinds. secret is
// stripped from the message (a misbehaving server may echo the header back).
func classify(system, op string, status int, h http.Header, body []byte, now time.Time, secret string) *directory.Error {
	if status >= 200 && status < 300 {
		return nil
	}
	var se scimError
	_ = json.Unmarshal(body, &se) // a non-SCIM body still classifies by HTTP status
	if status == 0 {
		// no HTTP status (should not happen): fall back to the body's
		status = bodyStatus(se.Status)
	}
	msg := se.Detail
	if msg == "" {
		msg = se.Message
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	msg = redact(msg, secret)
	if len(msg) > 300 {
		n := 300
		for !utf8.RuneStart(msg[n]) { // cut before a character, not inside one
			n--
		}
		msg = msg[:n] + "…"
	}
	e := &directory.Error{System: system, Op: op, Status: status, Code: se.ScimType, Message: msg}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = directory.KindThrottled
		e.RetryAfter = directory.RetryAfter(h, now)
		if e.RetryAfter <= 0 {
			e.RetryAfter = defaultThrottleWait
		}
	case status >= 500:
		e.Kind = directory.KindTransient
		e.RetryAfter = directory.RetryAfter(h, now)
	case status == http.StatusNotFound:
		e.Kind = directory.KindNotFound
	case status == http.StatusRequestTimeout:
		e.Kind = directory.KindTransient
	default: // 400 invalid*, 401, 403, 409 uniqueness, 412 precondition, ...
		e.Kind = directory.KindPermanent
	}
	return e
}

// bodyStatus reads the error body's status, "409" or 409.
func bodyStatus(raw json.RawMessage) int {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		n, _ := strconv.Atoi(strings.TrimSpace(s))
		return n
	}
	var n int
	_ = json.Unmarshal(raw, &n)
	return n
}

func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "[redacted]")
}

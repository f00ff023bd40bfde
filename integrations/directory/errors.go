package directory

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failure once, in the integration that saw it, so the
// activity layer can map it to retryable or non-retryable Temporal errors.
type Kind string

const (
	KindThrottled   Kind = "Throttled"   // retry after RetryAfter
	KindTransient   Kind = "Transient"   // 5xx, timeouts, resets: retry with backoff
	KindPermanent   Kind = "Permanent"   // bad request, forbidden, conflict: retrying will not help
	KindNotFound    Kind = "NotFound"    // the object does not exist
	KindUnsupported Kind = "Unsupported" // the system (or this tenant or app of it) lacks the capability
)

// Error is the one error type integrations return. Message is the system's
// own message with any credential stripped.
type Error struct {
	System     string
	Op         string
	Kind       Kind
	Status     int
	Code       string // the system's error code (ODataError code, Okta errorCode, Google reason)
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s %s: %s", e.System, e.Op, e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != "" {
			s += " " + e.Code
		}
		s += ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", e.RetryAfter)
	}
	return s
}

// KindOf returns the Kind of err, or KindTransient for an unclassified error
// (a network failure the integration did not wrap).
func KindOf(err error) Kind {
	var de *Error
	if errors.As(err, &de) {
		return de.Kind
	}
	return KindTransient
}

// IsNotFound reports whether err is a not-found answer.
func IsNotFound(err error) bool { return err != nil && KindOf(err) == KindNotFound }

// Unsupported builds the error for a capability the system lacks: what an
// activity answers when asked for it (licenses in Okta), or what a call
// answers when the tenant or app turns out to lack it (a SCIM app with no
// /Groups collection).
func Unsupported(system, capability string) error {
	return &Error{System: system, Op: capability, Kind: KindUnsupported, Message: system + " does not support " + capability}
}

// NotFound builds a not-found error.
func NotFound(system, op, what string) error {
	return &Error{System: system, Op: op, Kind: KindNotFound, Status: 404, Message: what + " not found"}
}

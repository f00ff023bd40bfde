package activities

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// temporalError is the ONE place a directory failure becomes a Temporal
// error: permanent, not-found and unsupported are non-retryable; throttling
// is retried after the server's Retry-After; anything else is retried with
// the policy's backoff.
//
// The error's message is logged as is by the Temporal SDK ("Activity
// error.") and by the workflows, so it carries only the kind, HTTP status
// and the system's error code (safeSummary). The system's free text may
// name the person (an email in a conflict message or a request URL), so it
// goes, emails scrubbed, into the error's details: a payload, encrypted by
// the codec, readable by an operator in the UI, never logged.
func temporalError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return err // already classified
	}
	var de *directory.Error
	if !errors.As(err, &de) {
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("unclassified failure (%T)", err), string(domain.ErrDirectoryTransient),
			temporal.ApplicationErrorOptions{Details: []any{ScrubEmails(err.Error())}})
	}
	opts := temporal.ApplicationErrorOptions{}
	if de.Message != "" {
		opts.Details = []any{ScrubEmails(de.Message)}
	}
	typ := domain.ErrDirectoryTransient
	switch de.Kind {
	case directory.KindThrottled:
		typ = domain.ErrDirectoryThrottled
		opts.NextRetryDelay = de.RetryAfter
	case directory.KindPermanent:
		typ, opts.NonRetryable = domain.ErrDirectoryPermanent, true
	case directory.KindNotFound:
		typ, opts.NonRetryable = domain.ErrDirectoryNotFound, true
	case directory.KindUnsupported:
		typ, opts.NonRetryable = domain.ErrDirectoryUnsupported, true
	}
	return temporal.NewApplicationErrorWithOptions(safeSummary(de), string(typ), opts)
}

// safeSummary is directory.Error.Error() without the free-text message:
// system, operation, kind, HTTP status and the system's error code.
func safeSummary(de *directory.Error) string {
	s := ScrubEmails(fmt.Sprintf("%s %s: %s", de.System, de.Op, de.Kind))
	if de.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d", de.Status)
		if de.Code != "" {
			s += " " + ScrubEmails(de.Code)
		}
		s += ")"
	} else if de.Code != "" {
		s += " (" + ScrubEmails(de.Code) + ")"
	}
	if de.RetryAfter > 0 {
		s += fmt.Sprintf("; retry after %s", de.RetryAfter)
	}
	return s
}

// emailRe matches an email address, plain or URL-encoded (%40), as it may
// appear in a system's message or a request URL.
var emailRe = regexp.MustCompile(`(?i)[a-z0-9._%+'-]+(@|%40)[a-z0-9-]+(\.[a-z0-9-]+)+`)

// ScrubEmails replaces every email address in s with "<email>".
func ScrubEmails(s string) string {
	if !strings.Contains(s, "@") && !strings.Contains(strings.ToLower(s), "%40") {
		return s
	}
	return emailRe.ReplaceAllString(s, "<email>")
}

// badInput is a request no retry can fix.
func badInput(msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, string(domain.ErrBadInput), temporal.ApplicationErrorOptions{NonRetryable: true})
}

// temporalErrorVerify is a read-back that does not show the expected state
// yet: retried (eventual consistency), then left to an operator.
func temporalErrorVerify(msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, string(domain.ErrVerifyFailed), temporal.ApplicationErrorOptions{})
}

package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/workflows"
)

// temporalError is the ONE place a directory failure becomes a Temporal
// error: permanent, not-found and unsupported are non-retryable; throttling
// is retried after the server's Retry-After; anything else is retried with
// the policy's backoff. The message is the integration's, which carries no
// credential.
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
		return temporal.NewApplicationErrorWithOptions(err.Error(), workflows.ErrDirectoryTransient, temporal.ApplicationErrorOptions{})
	}
	opts := temporal.ApplicationErrorOptions{}
	typ := workflows.ErrDirectoryTransient
	switch de.Kind {
	case directory.KindThrottled:
		typ = workflows.ErrDirectoryThrottled
		opts.NextRetryDelay = de.RetryAfter
	case directory.KindPermanent:
		typ, opts.NonRetryable = workflows.ErrDirectoryPermanent, true
	case directory.KindNotFound:
		typ, opts.NonRetryable = workflows.ErrDirectoryNotFound, true
	case directory.KindUnsupported:
		typ, opts.NonRetryable = workflows.ErrDirectoryUnsupported, true
	}
	return temporal.NewApplicationErrorWithOptions(de.Error(), typ, opts)
}

// badInput is a request no retry can fix.
func badInput(msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, workflows.ErrBadInput, temporal.ApplicationErrorOptions{NonRetryable: true})
}

// temporalErrorVerify is a read-back that does not show the expected state
// yet: retried (eventual consistency), then left to an operator.
func temporalErrorVerify(msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, workflows.ErrVerifyFailed, temporal.ApplicationErrorOptions{})
}

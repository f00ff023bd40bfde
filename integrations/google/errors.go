package google

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/jml-dev/jml/integrations/directory"
)

const system = "google"

var bearerRE = regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9._~+/=-]+`)

// scrub removes credentials from a message: any bearer header and the
// given secrets verbatim.
func scrub(msg string, secrets ...string) string {
	msg = bearerRE.ReplaceAllString(msg, "Bearer [redacted]")
	for _, s := range secrets {
		if len(s) >= 4 {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	return msg
}

// classify turns any error from the Google SDK or the transport into the one
// *directory.Error, deciding once what is throttling, transient, permanent
// or not found. secrets are stripped from the message.
func classify(op string, err error, secrets ...string) *directory.Error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return de
	}
	out := &directory.Error{System: system, Op: op, Kind: directory.KindTransient}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		// Network failures, timeouts, resets: worth another try, unless the
		// caller gave up.
		if errors.Is(err, context.Canceled) {
			out.Kind = directory.KindPermanent
		}
		out.Message = scrub(err.Error(), secrets...)
		return out
	}
	out.Status = ge.Code
	msg := ge.Message
	if len(ge.Errors) > 0 {
		out.Code = ge.Errors[0].Reason
		if msg == "" {
			msg = ge.Errors[0].Message
		}
	}
	if msg == "" {
		msg = http.StatusText(ge.Code)
	}
	out.Message = scrub(msg, secrets...)
	out.RetryAfter = directory.RetryAfter(ge.Header, time.Now())
	switch {
	case out.Code == "userRateLimitExceeded" || out.Code == "rateLimitExceeded" || out.Code == "quotaExceeded" || ge.Code == http.StatusTooManyRequests:
		out.Kind = directory.KindThrottled
	case ge.Code >= 500 || out.Code == "backendError":
		out.Kind = directory.KindTransient
	case ge.Code == http.StatusNotFound:
		out.Kind = directory.KindNotFound
	default: // 400 invalid, 401 authError, 403 forbidden, 409 duplicate, 412
		out.Kind = directory.KindPermanent
	}
	return out
}

func isStatus(err error, code int) bool {
	var de *directory.Error
	return errors.As(err, &de) && de.Status == code
}

func isRetryable(err error) bool {
	k := directory.KindOf(err)
	return k == directory.KindThrottled || k == directory.KindTransient
}

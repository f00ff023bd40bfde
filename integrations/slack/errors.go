package slack

import (
	"errors"
	"net/http"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/integrations/directory"
)

// Slack error codes (the "error" of an ok:false answer) that mean the
// object is not there.
var notFoundCodes = map[string]bool{
	"users_not_found":   true,
	"user_not_found":    true,
	"channel_not_found": true,
	"message_not_found": true,
	"user_disabled":     true,
}

// Codes Slack documents as temporary.
var transientCodes = map[string]bool{
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// Classify turns what slack-go returned into the one *directory.Error:
//   - *RateLimitedError (429 with Retry-After) and ok:false "ratelimited" → Throttled
//   - SlackErrorResponse (HTTP 200, ok:false) → NotFound for the not-found
//     codes, Transient for internal_error and the like, else Permanent
//     (invalid_auth, not_authed, missing_scope, invalid_blocks, ...)
//   - StatusCodeError → Throttled for 429, Transient for 5xx, Permanent for other 4xx
//   - anything else (network, timeout) → Transient
//
// The message is the SDK's own text, which never holds the token: slack-go
// sends it in the form body, not in the URL.
func Classify(op string, err error) error {
	if err == nil {
		return nil
	}
	var de *directory.Error
	if errors.As(err, &de) {
		return de
	}
	out := &directory.Error{System: System, Op: op}
	var rl *sl.RateLimitedError
	var se sl.SlackErrorResponse
	var sc sl.StatusCodeError
	switch {
	case errors.As(err, &rl):
		out.Kind, out.Status, out.Code, out.RetryAfter = directory.KindThrottled, http.StatusTooManyRequests, "ratelimited", rl.RetryAfter
		out.Message = "rate limited"
	case errors.As(err, &se):
		out.Status, out.Code, out.Message = http.StatusOK, se.Err, se.Err
		switch {
		case se.Err == "ratelimited":
			out.Kind = directory.KindThrottled
		case notFoundCodes[se.Err]:
			out.Kind = directory.KindNotFound
		case transientCodes[se.Err]:
			out.Kind = directory.KindTransient
		default:
			out.Kind = directory.KindPermanent
		}
	case errors.As(err, &sc):
		out.Status, out.Message = sc.Code, sc.Status
		switch {
		case sc.Code == http.StatusTooManyRequests:
			out.Kind = directory.KindThrottled // 429 without Retry-After: the caller backs off
		case sc.Code >= 500:
			out.Kind = directory.KindTransient
		default:
			out.Kind = directory.KindPermanent
		}
	default: // including context cancellation and deadline
		out.Kind, out.Message = directory.KindTransient, err.Error()
	}
	return out
}

package intake

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/elevation"
)

// ElevationService is what the Slack routes need: who a Slack user is,
// starting a request and delivering a decision (starters/elevation).
type ElevationService interface {
	Identify(ctx context.Context, slackUserID string) (contract.Actor, error)
	Request(ctx context.Context, r elevation.Request) (elevation.Started, error)
	// Decide delivers a decision; updateID makes a repeat of it a no-op.
	Decide(ctx context.Context, requestID, action string, d contract.ElevationDecision, updateID string) (contract.ElevationDecisionResult, error)
}

// slackReplyTimeout keeps the answer inside Slack's 3-second window.
const slackReplyTimeout = 2500 * time.Millisecond

// ephemeral answers a Slack callback with a short message only the user
// sees. Its text echoes what the user typed (a role, a command), so it is
// escaped like every Slack text jml builds.
func ephemeral(w http.ResponseWriter, text string) {
	writeJSON(w, http.StatusOK, map[string]string{"response_type": "ephemeral", "text": slack.Escape(text)})
}

// slackBody reads the body and checks Slack's v0 signature (and that this
// process has not seen it before) BEFORE anything parses it. The in-memory
// check only spares Temporal a call: what holds across replicas and
// restarts is the delivery id (slack.DeliveryID) the routes hand to
// Temporal, which makes a replay a no-op there. It answers and returns false
// when the request must go no further.
func (s *Server) slackBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, ok := readBody(w, r)
	if !ok {
		return nil, false
	}
	if err := slack.VerifyRequest(r.Header, body, s.opts.SlackSigningSecret, s.opts.Now()); err != nil {
		s.opts.Logger.Warn().Str("source", sourceOf(r)).Str("path", r.URL.Path).Str("reason", err.Error()).Msg("Slack callback refused")
		writeError(w, http.StatusUnauthorized, "invalid Slack signature")
		return nil, false
	}
	if err := s.replays.Check(r.Header.Get("X-Slack-Signature"), s.opts.Now()); err != nil {
		writeError(w, http.StatusUnauthorized, "invalid Slack signature")
		return nil, false
	}
	return body, true
}

// slackInteractivity turns a signed button press on an approval into the
// approve or deny update of that request's workflow, with the presser's
// identity. The workflow decides whether the presser may decide; a refusal
// is recorded there and told to the presser here.
func (s *Server) slackInteractivity(w http.ResponseWriter, r *http.Request) {
	body, ok := s.slackBody(w, r)
	if !ok {
		return
	}
	cb, err := slack.ParseInteraction(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed Slack payload")
		return
	}
	if cb.Type == sl.InteractionTypeViewSubmission && s.sweepSubmission(w, r, cb) { // starters/intake/sweep.go
		return
	}
	if cb.Type != sl.InteractionTypeBlockActions {
		w.WriteHeader(http.StatusOK) // other interactions are not jml's
		return
	}
	if len(cb.ActionCallback.BlockActions) == 0 || cb.User.ID == "" {
		writeError(w, http.StatusBadRequest, "malformed Slack payload")
		return
	}
	if s.guardPress(w, r, cb) { // starters/intake/guard.go
		return
	}
	if s.reviewPress(w, r, cb) { // starters/intake/review.go
		return
	}
	if s.appTaskPress(w, r, cb) { // starters/intake/apptask.go
		return
	}
	if s.sweepPress(w, r, cb) { // starters/intake/sweep.go
		return
	}
	a := cb.ActionCallback.BlockActions[0]
	requestID, action, found := strings.Cut(a.Value, ":")
	if !found || requestID == "" || (action != contract.UpdateApprove && action != contract.UpdateDeny) || a.ActionID != action {
		s.answerPress(w, cb, "This button is not a jml approval.")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	actor, err := s.opts.Elevation.Identify(ctx, cb.User.ID)
	if err != nil {
		// Unresolved: the workflow records the attempt under the Slack id.
		s.opts.Logger.Warn().Str("slack_user", cb.User.ID).Str("reason", err.Error()).Msg("Slack presser not resolved")
	}
	res, err := s.opts.Elevation.Decide(ctx, requestID, action, contract.ElevationDecision{Actor: actor}, slack.DeliveryID(r.Header))
	what := fmt.Sprintf("your %s of request %s", action, requestID)
	switch {
	case errors.Is(err, elevation.ErrNotFound):
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: the request was not found (it may have ended).", what))
	case errors.Is(err, elevation.ErrNotPending):
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s.", what, detail(err, elevation.ErrNotPending, "the request is no longer waiting for a decision")))
	case err != nil:
		s.opts.Logger.Error().Str("request_id", requestID).Str("reason", err.Error()).Msg("deliver Slack decision")
		s.answerPress(w, cb, fmt.Sprintf("Not recorded: %s could not be delivered; try again in a minute.", what))
	case res.Result == domain.DecisionRefused:
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s. Your attempt was recorded.", what, cmp.Or(res.Message, "you are not its approver")))
	default:
		s.answerPress(w, cb, fmt.Sprintf("Recorded: %s of request %s.", action, requestID))
	}
}

// detail is why a sentinel error happened, as the workflow's validator
// said it ("<sentinel>: <why>"), or def when it said nothing more.
func detail(err, sentinel error, def string) string {
	if why, ok := strings.CutPrefix(err.Error(), sentinel.Error()+": "); ok && why != "" {
		return why
	}
	return def
}

// slashUsage answers a malformed /elevate.
const slashUsage = "Usage: /elevate <role> <duration> <justification>, e.g. /elevate entra-user-admin 1h reset a locked account"

// slackCommands starts an elevation from `/elevate <role> <duration>
// <justification>`, as the employee the Slack user is.
func (s *Server) slackCommands(w http.ResponseWriter, r *http.Request) {
	body, ok := s.slackBody(w, r)
	if !ok {
		return
	}
	sc, err := slack.ParseSlashCommand(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, "malformed Slack payload")
		return
	}
	if sc.Command != "/elevate" {
		ephemeral(w, "Unknown command "+sc.Command+".")
		return
	}
	f := strings.Fields(sc.Text)
	if len(f) < 3 {
		ephemeral(w, slashUsage)
		return
	}
	d, err := time.ParseDuration(f[1])
	if err != nil || d <= 0 {
		ephemeral(w, fmt.Sprintf("%q is not a duration (e.g. 30m, 1h). %s", f[1], slashUsage))
		return
	}
	s.answerSlash(w, sc.ResponseURL, func(ctx context.Context) string {
		return s.slashElevate(ctx, sc.UserID, f, d, slack.DeliveryID(r.Header))
	}, slashAck(f[0], d, slack.DeliveryID(r.Header)))
}

package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/employees"
)

// GuardDecider delivers an approve or reject of held terminations
// (employees.Guard).
type GuardDecider interface {
	DecideHold(ctx context.Context, d contract.GuardDecision, updateID string) (contract.GuardDecisionResult, error)
}

// guardPress handles a press on a held-terminations message (Approve or
// Reject) and reports whether it was one. The presser is who Slack signed;
// who they are in HR comes from the same identity as elevation's; the
// TerminationGuard workflow judges (approvers only, never the requester)
// and records refusals.
func (s *Server) guardPress(w http.ResponseWriter, r *http.Request, cb sl.InteractionCallback) bool {
	if len(cb.ActionCallback.BlockActions) == 0 {
		return false
	}
	a := cb.ActionCallback.BlockActions[0]
	if a.ActionID != slack.ActionGuardApprove && a.ActionID != slack.ActionGuardReject {
		return false
	}
	holdID, action, found := strings.Cut(a.Value, ":")
	if !found || holdID == "" || cb.User.ID == "" || (action != "approve" && action != "reject") || a.ActionID != "guard-"+action || s.opts.Guard == nil {
		s.answerPress(w, cb, "This button is not a jml hold.")
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	actor, err := s.opts.Elevation.Identify(ctx, cb.User.ID)
	if err != nil {
		s.opts.Logger.Warn().Str("slack_user", cb.User.ID).Str("reason", err.Error()).Msg("Slack presser not resolved")
	}
	res, err := s.opts.Guard.DecideHold(ctx, contract.GuardDecision{HoldID: holdID, Action: action, Actor: actor}, slack.DeliveryID(r.Header))
	what := fmt.Sprintf("your %s of hold %s", action, holdID)
	switch {
	case errors.Is(err, employees.ErrHoldNotPending):
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s.", what, detail(err, employees.ErrHoldNotPending, "the hold is no longer waiting for a decision")))
	case err != nil:
		s.opts.Logger.Error().Str("hold", holdID).Str("reason", err.Error()).Msg("deliver hold decision")
		s.answerPress(w, cb, fmt.Sprintf("Not recorded: %s could not be delivered; try again in a minute.", what))
	case res.Result == string(domain.DecisionRefused) && res.Status != contract.HoldPending:
		// Decided between the validator and the handler: nothing recorded.
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: the hold is no longer waiting for a decision.", what))
	case res.Result == string(domain.DecisionRefused):
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s. Your attempt was recorded.", what, res.Reason))
	case res.Result == "recorded":
		s.answerPress(w, cb, fmt.Sprintf("Recorded your approval of hold %s (%s); another approver is needed.", holdID, res.Reason))
	default:
		s.answerPress(w, cb, fmt.Sprintf("Recorded: hold %s %s.", holdID, res.Result))
	}
	return true
}

package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/apptasks"
)

// AppTaskConfirmer delivers an app owner's Done (apptasks.Confirmer).
type AppTaskConfirmer interface {
	Done(ctx context.Context, taskID string, p contract.AppTaskPress, updateID string) (contract.AppTaskDoneResult, error)
}

// appTaskPress handles a Done press on an app owner's task and reports
// whether it was one. The presser is who Slack signed; who they are in HR
// comes from the same identity as elevation's; the AppTask workflow judges
// (the owner or the fallback only) and records refusals.
func (s *Server) appTaskPress(w http.ResponseWriter, r *http.Request, cb sl.InteractionCallback) bool {
	if len(cb.ActionCallback.BlockActions) == 0 || cb.ActionCallback.BlockActions[0].ActionID != slack.ActionAppTaskDone {
		return false
	}
	taskID, action, found := strings.Cut(cb.ActionCallback.BlockActions[0].Value, ":")
	if !found || action != "done" || taskID == "" || cb.User.ID == "" || s.opts.AppTasks == nil {
		s.answerPress(w, cb, "This button is not a jml task.")
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	actor, err := s.opts.Elevation.Identify(ctx, cb.User.ID)
	if err != nil {
		s.opts.Logger.Warn().Str("slack_user", cb.User.ID).Str("reason", err.Error()).Msg("Slack presser not resolved")
	}
	res, err := s.opts.AppTasks.Done(ctx, taskID, contract.AppTaskPress{Actor: actor}, slack.DeliveryID(r.Header))
	what := "your Done on task " + taskID
	switch {
	case errors.Is(err, apptasks.ErrClosed):
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s.", what, detail(err, apptasks.ErrClosed, "the task is no longer open")))
	case err != nil:
		s.opts.Logger.Error().Str("task", taskID).Str("reason", err.Error()).Msg("deliver app task confirmation")
		s.answerPress(w, cb, fmt.Sprintf("Not recorded: %s could not be delivered; try again in a minute.", what))
	case res.Result == "refused":
		s.answerPress(w, cb, fmt.Sprintf("Refused %s: %s. Your attempt was recorded.", what, res.Reason))
	case res.Result == contract.AppTaskConfirmed:
		s.answerPress(w, cb, fmt.Sprintf("Recorded: done, confirmed by %s.", res.By))
	default:
		s.answerPress(w, cb, fmt.Sprintf("Not recorded: task %s was already confirmed by %s.", taskID, res.By))
	}
	return true
}

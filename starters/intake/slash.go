package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jml-dev/jml/starters/elevation"
)

// Slack shows "Your request could not be made right now" style failures
// (operation_timeout) when a slash command is not answered within 3 s.
// Making the request reads Slack's users.info, the directories and the HR
// records jml holds, then starts the workflow: under load that takes longer,
// so the command is answered within slashAnswerBudget whatever those steps
// take, and an outcome that comes later goes to the command's response_url.
const (
	slashAnswerBudget = 2 * time.Second
	// slashWorkTimeout bounds the request's steps once acknowledged (a
	// response_url stays valid 30 minutes).
	slashWorkTimeout = 30 * time.Second
)

// answerSlash runs work and answers with its outcome when it is ready
// within slashAnswerBudget; otherwise it answers ack at once and posts the
// outcome to responseURL when work ends.
func (s *Server) answerSlash(w http.ResponseWriter, responseURL string, work func(context.Context) string, ack string) {
	done := make(chan string, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), slashWorkTimeout)
		defer cancel()
		done <- work(ctx)
	}()
	t := time.NewTimer(slashAnswerBudget)
	defer t.Stop()
	select {
	case text := <-done:
		ephemeral(w, text)
		return
	case <-t.C:
	}
	ephemeral(w, ack)
	go func() { s.postResponseURL(responseURL, <-done) }()
}

// slashAck is the early answer: the request id is the one the Starter
// derives from the delivery, so the requester can quote it.
func slashAck(role string, d time.Duration, deliveryID string) string {
	return fmt.Sprintf("Requesting %s for %s (request %s): checking who you are and who approves; the outcome follows here.",
		role, d, elevation.RequestIDFor(deliveryID))
}

// slashElevate makes the request as the employee the Slack user is and
// returns the requester's answer.
func (s *Server) slashElevate(ctx context.Context, slackUserID string, f []string, d time.Duration, deliveryID string) string {
	const later = "Your request could not be made right now; try again in a minute."
	actor, err := s.opts.Elevation.Identify(ctx, slackUserID)
	if err != nil {
		s.opts.Logger.Error().Str("slack_user", slackUserID).Str("reason", err.Error()).Msg("Slack requester not resolved")
		return later
	}
	if actor.EmployeeID == "" {
		return "Your Slack account does not match an employee jml knows."
	}
	st, err := s.opts.Elevation.Request(ctx, elevation.Request{EmployeeID: actor.EmployeeID, Role: f[0], Duration: d,
		Justification: strings.Join(f[2:], " "), Via: "slack", DeliveryID: deliveryID})
	var re *elevation.RequestError
	switch {
	case errors.As(err, &re):
		return "Not requested: " + re.Msg + "."
	case err != nil:
		s.opts.Logger.Error().Str("employee_id", actor.EmployeeID).Str("reason", err.Error()).Msg("start elevation")
		return later
	}
	return fmt.Sprintf("Requested %s for %s (request %s). Your approver has been asked in Slack.", f[0], st.Duration, st.RequestID)
}

package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/sweep"
)

// SweepDecider delivers a decision on a sweep finding (sweep.Decider).
type SweepDecider interface {
	Decide(ctx context.Context, workflowID string, d contract.SweepDecision, updateID string) (contract.SweepDecisionResult, error)
}

// ViewOpener opens a modal with a press's trigger_id (the Slack client).
type ViewOpener interface {
	OpenView(ctx context.Context, triggerID string, view sl.ModalViewRequest) error
}

// defaultKeep is the expiry the keep form proposes, within max_keep.
const defaultKeep = 30 * 24 * time.Hour

// sweepPress handles a press on a sweep notice (Keep…, Disable now,
// Acknowledge, Remove) and reports whether it was one. The presser is who
// Slack signed, who they are in HR comes from the same identity as
// elevation's, and the finding's workflow judges (the owner or a security
// approver only) and records refusals. A decision that needs a form
// (Keep's sponsor and expiry, Acknowledge's reason) opens it as a modal;
// any other answer goes to the press's response_url (press_answer.go).
func (s *Server) sweepPress(w http.ResponseWriter, r *http.Request, cb sl.InteractionCallback) bool {
	a := cb.ActionCallback.BlockActions[0]
	if !strings.HasPrefix(a.ActionID, "sweep-") {
		return false
	}
	workflowID, decision, err := contract.ParseSweepButton(a.ActionID, a.Value)
	if err != nil || s.opts.Sweep == nil {
		s.answerPress(w, cb, "This button is not a jml sweep finding.")
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	actor := s.slackActor(ctx, cb.User.ID)
	res, err := s.opts.Sweep.Decide(ctx, workflowID, contract.SweepDecision{Actor: actor, Decision: decision}, slack.DeliveryID(r.Header))
	if s.sweepFailed(w, cb, workflowID, err) {
		return true
	}
	switch res.Result {
	case contract.SweepForm:
		s.openSweepForm(ctx, w, cb, workflowID, decision, res)
	case contract.SweepRefused:
		s.answerPress(w, cb, "Refused: "+res.Message+". Your attempt was recorded.")
	case contract.SweepAccepted:
		s.answerPress(w, cb, "Recorded: "+res.Message+".")
	default:
		s.answerPress(w, cb, capitalise(res.Message)+".")
	}
	return true
}

// slackActor is the presser: their Slack id, and the employee HR says
// they are when it does.
func (s *Server) slackActor(ctx context.Context, slackUserID string) contract.Actor {
	actor, err := s.opts.Elevation.Identify(ctx, slackUserID)
	if err != nil {
		s.opts.Logger.Warn().Str("slack_user", slackUserID).Str("reason", err.Error()).Msg("Slack presser not resolved")
	}
	actor.SlackUserID, actor.Via = slackUserID, "slack"
	return actor
}

// sweepFailed answers a delivery that did not reach a judgement.
func (s *Server) sweepFailed(w http.ResponseWriter, cb sl.InteractionCallback, workflowID string, err error) bool {
	var invalid *sweep.InvalidError
	switch {
	case err == nil:
		return false
	case errors.Is(err, sweep.ErrClosed):
		s.answerPress(w, cb, "This sweep finding is no longer open.")
	case errors.As(err, &invalid):
		s.answerPress(w, cb, "Not recorded: "+invalid.Msg+".")
	default:
		s.opts.Logger.Error().Str("workflow_id", workflowID).Str("reason", err.Error()).Msg("deliver sweep decision")
		s.answerPress(w, cb, "Your decision could not be recorded; try again in a minute.")
	}
	return true
}

func (s *Server) openSweepForm(ctx context.Context, w http.ResponseWriter, cb sl.InteractionCallback, workflowID, decision string, res contract.SweepDecisionResult) {
	if s.opts.Views == nil || cb.TriggerID == "" {
		s.answerPress(w, cb, "The form cannot be opened here; use `jml` or try again.")
		return
	}
	view := slack.AckModal(contract.SweepAckModal, workflowID)
	if decision == contract.SweepKeep {
		initial := s.opts.Now().UTC().Add(defaultKeep)
		if !res.MaxExpires.IsZero() && initial.After(res.MaxExpires) {
			initial = res.MaxExpires
		}
		view = slack.KeepModal(contract.SweepKeepModal, workflowID, initial, res.MaxExpires)
	}
	if err := s.opts.Views.OpenView(ctx, cb.TriggerID, view); err != nil {
		s.opts.Logger.Error().Str("workflow_id", workflowID).Str("reason", err.Error()).Msg("open sweep form")
		s.answerPress(w, cb, "The form could not be opened; press the button again.")
		return
	}
	w.WriteHeader(http.StatusOK) // the modal is the answer
}

// sweepSubmission handles a submitted Keep or Acknowledge form and
// reports whether it was one. Slack shows a field's error under it
// (response_action errors) and the outcome in place of the form.
func (s *Server) sweepSubmission(w http.ResponseWriter, r *http.Request, cb sl.InteractionCallback) bool {
	v := cb.View
	if v.CallbackID != contract.SweepKeepModal && v.CallbackID != contract.SweepAckModal {
		return false
	}
	workflowID := v.PrivateMetadata
	decision := contract.SweepAcknowledge
	title := "Acknowledge admin"
	if v.CallbackID == contract.SweepKeepModal {
		decision, title = contract.SweepKeep, "Keep account"
	}
	if !contract.SweepTakes(workflowID, decision) || s.opts.Sweep == nil || cb.User.ID == "" {
		writeError(w, http.StatusBadRequest, "malformed Slack payload")
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	d := contract.SweepDecision{Decision: decision}
	var errs map[string]string
	if decision == contract.SweepKeep {
		var f slack.KeepForm
		f, errs = slack.ParseKeepForm(v)
		if len(errs) == 0 {
			sponsor, err := s.opts.Elevation.Identify(ctx, f.SponsorSlackID)
			switch {
			case err != nil:
				s.opts.Logger.Warn().Str("slack_user", f.SponsorSlackID).Str("reason", err.Error()).Msg("sponsor not resolved")
				errs[contract.SweepFieldSponsor] = "The sponsor could not be looked up; try again in a minute."
			case sponsor.EmployeeID == "":
				errs[contract.SweepFieldSponsor] = "The person picked is not an employee jml holds an HR record for."
			}
			d.Sponsor, d.Expires, d.Reason = sponsor.EmployeeID, f.Expires, f.Reason
		}
	} else {
		d.Reason, errs = slack.ParseAckForm(v)
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusOK, sl.NewErrorsViewSubmissionResponse(errs))
		return true
	}
	d.Actor = s.slackActor(ctx, cb.User.ID)
	res, err := s.opts.Sweep.Decide(ctx, workflowID, d, slack.DeliveryID(r.Header))
	var invalid *sweep.InvalidError
	switch {
	case errors.As(err, &invalid) && invalid.Field != "":
		writeJSON(w, http.StatusOK, sl.NewErrorsViewSubmissionResponse(map[string]string{invalid.Field: capitalise(invalid.Msg) + "."}))
	case errors.As(err, &invalid):
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, "Not recorded: "+invalid.Msg+".")))
	case errors.Is(err, sweep.ErrClosed):
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, "This sweep finding is no longer open.")))
	case err != nil:
		s.opts.Logger.Error().Str("workflow_id", workflowID).Str("reason", err.Error()).Msg("deliver sweep decision")
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, "Your decision could not be recorded; try again in a minute.")))
	case res.Result == contract.SweepRefused:
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, "Refused: "+res.Message+". Your attempt was recorded.")))
	case res.Result == contract.SweepAccepted:
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, "Recorded: "+res.Message+".")))
	default:
		writeJSON(w, http.StatusOK, sl.NewUpdateViewSubmissionResponse(slack.ResultModal(title, fmt.Sprintf("%s.", capitalise(res.Message)))))
	}
	return true
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

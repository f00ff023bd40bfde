package intake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	sl "github.com/slack-go/slack"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/reviews"
)

// ReviewDecider delivers a reviewer's press to its campaign (starters/reviews).
type ReviewDecider interface {
	Decide(ctx context.Context, campaign string, d contract.ReviewDecision, updateID string) (contract.ReviewDecisionResult, error)
}

// ReviewClient is the ReviewDecider over a Temporal client.
type ReviewClient struct {
	Client    client.Client
	Namespace string
}

// Decide sends the campaign's decision update.
func (rc ReviewClient) Decide(ctx context.Context, campaign string, d contract.ReviewDecision, updateID string) (contract.ReviewDecisionResult, error) {
	return reviews.Decide(ctx, rc.Client, rc.Namespace, campaign, d, updateID)
}

// reviewPress handles a press on an access-review DM (Keep, Remove, Keep
// all) and reports whether it was one. The presser is who Slack signed;
// who they are in HR comes from the same identity as elevation's; the
// campaign judges (the assigned reviewer only, never the reviewee) and
// records refusals, which are answered here.
func (s *Server) reviewPress(w http.ResponseWriter, r *http.Request, cb sl.InteractionCallback) bool {
	a := cb.ActionCallback.BlockActions[0]
	if !strings.HasPrefix(a.ActionID, "review-") {
		return false
	}
	campaign, reviewee, key, all, decision, err := contract.ParseReviewButton(a.Value)
	want := slack.ReviewActionID(decision, key)
	if all {
		want = slack.ActionReviewKeepAll
	}
	if err != nil || a.ActionID != want || s.opts.Reviews == nil {
		s.answerPress(w, cb, "This button is not a jml access review.")
		return true
	}
	ctx, cancel := context.WithTimeout(r.Context(), slackReplyTimeout)
	defer cancel()
	actor, err := s.opts.Elevation.Identify(ctx, cb.User.ID)
	if err != nil {
		s.opts.Logger.Warn().Str("slack_user", cb.User.ID).Str("reason", err.Error()).Msg("Slack presser not resolved")
	}
	actor.SlackUserID, actor.Via = cb.User.ID, "slack"
	res, err := s.opts.Reviews.Decide(ctx, campaign, contract.ReviewDecision{Actor: actor, Reviewee: reviewee, Key: key, All: all, Decision: decision}, slack.DeliveryID(r.Header))
	switch {
	case errors.Is(err, reviews.ErrNotFound):
		s.answerPress(w, cb, "Campaign not found.")
	case errors.Is(err, reviews.ErrClosed):
		s.answerPress(w, cb, "This campaign has ended; decisions are closed.")
	case err != nil:
		s.opts.Logger.Error().Str("campaign", campaign).Str("reason", err.Error()).Msg("deliver review decision")
		s.answerPress(w, cb, "Your decision could not be recorded; try again in a minute.")
	case res.Result == domain.DecisionRefused:
		s.answerPress(w, cb, "Refused: "+res.Message+". Your attempt was recorded.")
	default:
		s.answerPress(w, cb, fmt.Sprintf("Recorded: %s.", res.Message))
	}
	return true
}

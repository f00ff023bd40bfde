package intake

import (
	"context"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/slack"
)

// fakeReviews stands in for starters/reviews: only reviewer may decide.
type fakeReviews struct {
	reviewer string
	mu       sync.Mutex
	calls    []contract.ReviewDecision
}

func (f *fakeReviews) Decide(_ context.Context, campaign string, d contract.ReviewDecision, _ string) (contract.ReviewDecisionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, d)
	if d.Actor.EmployeeID != f.reviewer {
		return contract.ReviewDecisionResult{Result: domain.DecisionRefused, Message: "you are not the reviewer of " + d.Reviewee}, nil
	}
	return contract.ReviewDecisionResult{Result: domain.DecisionAccepted, Message: "recorded keep for 1 item(s) of " + d.Reviewee}, nil
}

// TestReviewPressAnsweredInSlack: Slack ignores the body of a block_actions
// acknowledgement, so the answer to a review press (a refusal above all)
// reaches the presser only through the press's response_url. The Slack
// emulator presses the buttons of a DM built by jml's own block builder,
// signed, to this intake; each answer shows in the DM as an ephemeral
// message.
func TestReviewPressAnsweredInSlack(t *testing.T) {
	org := demoorg.New(20, 2)
	reviewer, reviewee, stranger := org.Employees[1], org.Employees[10], org.Employees[11]
	f := &fakeReviews{reviewer: reviewer.EmployeeID}
	s := New(Options{SlackSigningSecret: slackSecret, Elevation: &fakeElevation{}, Reviews: f, Sink: &recordingSink{}, HRSecret: secret, Now: time.Now})
	in := httptest.NewServer(s.Handler())
	t.Cleanup(in.Close)
	emu := emutest.Seeded(t, slackemu.New(slackemu.Config{BotToken: "xoxb-test-review", SigningSecret: slackSecret,
		RequestURL: in.URL + "/slack/interactivity"}), org)
	api := sl.New("xoxb-test-review", sl.OptionAPIURL(emu.URL()+"/api/"))

	keep := contract.ReviewButtonValue("q4", reviewee.EmployeeID, "0", contract.ReviewKeep)
	blocks, err := slack.ReviewBlocks("Access review", nil, []slack.ReviewLine{{Key: 0, Text: "entra group sg-eng", KeepValue: keep,
		RemoveValue: contract.ReviewButtonValue("q4", reviewee.EmployeeID, "0", contract.ReviewRemove)}},
		contract.ReviewButtonValue("q4", reviewee.EmployeeID, "all", contract.ReviewKeep))
	require.NoError(t, err)
	u, err := api.GetUserByEmail(reviewer.Email)
	require.NoError(t, err)
	ch, _, _, err := api.OpenConversation(&sl.OpenConversationParameters{Users: []string{u.ID}})
	require.NoError(t, err)
	_, ts, err := api.PostMessage(ch.ID, sl.MsgOptionText("access review", false), sl.MsgOptionBlocks(blocks...))
	require.NoError(t, err)

	ctx := context.Background()
	answers := func() []string {
		var out []string
		for _, m := range emu.MessagesTo(reviewer.Email) {
			if m.Ephemeral {
				out = append(out, m.Text)
			}
		}
		return out
	}
	status, _, err := emu.Press(ctx, ts, slack.ReviewActionID(contract.ReviewKeep, 0), stranger.Email)
	require.NoError(t, err)
	require.Equal(t, 200, status)
	want := "Refused: you are not the reviewer of " + reviewee.EmployeeID + ". Your attempt was recorded."
	require.Eventually(t, func() bool { return slices.Contains(answers(), want) }, 10*time.Second, 20*time.Millisecond,
		"the refusal is answered in the DM; answers %q", answers())

	status, _, err = emu.Press(ctx, ts, slack.ActionReviewKeepAll, "")
	require.NoError(t, err)
	require.Equal(t, 200, status)
	require.Eventually(t, func() bool {
		return slices.ContainsFunc(answers(), func(a string) bool { return strings.HasPrefix(a, "Recorded: recorded keep") })
	}, 10*time.Second, 20*time.Millisecond, "the decision is answered; answers %q", answers())

	f.mu.Lock()
	defer f.mu.Unlock()
	require.Len(t, f.calls, 2)
	assert.Equal(t, stranger.EmployeeID, f.calls[0].Actor.EmployeeID)
	assert.Equal(t, reviewer.EmployeeID, f.calls[1].Actor.EmployeeID)
	assert.True(t, f.calls[1].All)
	msg, ok := emu.Message(ts)
	require.True(t, ok)
	assert.False(t, msg.Edited, "an ephemeral answer never rewrites the DM")
}

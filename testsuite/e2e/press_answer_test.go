package e2e

import (
	"fmt"
	"slices"
	"testing"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/testsuite/harness"
)

// answeredTo waits for the answer want that only email sees in channel:
// what the intake posted to the press's response_url (Slack ignores the
// body of a block_actions acknowledgement).
func answeredTo(t *testing.T, e *harness.Env, channel, email, want string) {
	t.Helper()
	eventually(t, e, "", "press answered in Slack: "+want, func() (bool, string) {
		var got []string
		for _, m := range e.Emulators.Slack.Messages(channel) {
			if m.Ephemeral && m.VisibleTo == email {
				got = append(got, m.Text)
			}
		}
		return slices.Contains(got, want), fmt.Sprintf("answers to %s: %q", email, got)
	})
}

// staleHoldMessage posts another copy of a hold's buttons, as a Slack
// client that has not refreshed still shows them, and returns its ts.
func staleHoldMessage(t *testing.T, e *harness.Env, holdID string) string {
	t.Helper()
	blocks, err := slack.GuardBlocks("held terminations", nil, holdID+":approve", holdID+":reject")
	require.NoError(t, err)
	api := sl.New(e.Emulators.Creds.SlackBot, sl.OptionAPIURL(e.Emulators.Slack.URL()+"/api/"))
	_, ts, err := api.PostMessage(e.Config.Slack.SecurityChannel, sl.MsgOptionText("held terminations", false), sl.MsgOptionBlocks(blocks...))
	require.NoError(t, err)
	return ts
}

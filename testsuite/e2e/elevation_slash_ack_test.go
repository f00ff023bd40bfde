package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestSlashCommandAnsweredBeforeSlowSteps: Slack gives /elevate 3 s to be
// answered. Making the request reads users.info, the directories and the HR
// records, then starts the workflow; here users.info takes 3 s. The command
// is still answered (an acknowledgement naming the request), and the outcome
// arrives through the command's response_url, as does the approval.
func TestSlashCommandAnsweredBeforeSlowSteps(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	who := elevationRequester(t, e)
	mgr := byID(t, e, who.ManagerEmployeeID)
	for _, emp := range []string{who.EmployeeID, mgr.EmployeeID} {
		sendHR(t, e, byID(t, e, emp).Record)
		eventually(t, e, emp, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	e.Emulators.Slack.AddFault(emulator.Fault{Family: "users.info", Latency: 3 * time.Second, Times: 1})

	status, body, err := e.Emulators.Slack.SlashCommand(ctx, who.Email, "/elevate", "okta-helpdesk 1h reset a locked account")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "the outcome follows here", "acknowledged, not answered after the slow step")
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)

	eventually(t, e, who.EmployeeID, "outcome posted to the response_url", func() (bool, string) {
		var texts []string
		for _, msg := range e.Emulators.Slack.MessagesTo(who.Email) {
			if msg.Ephemeral && strings.Contains(msg.Text, "Requested okta-helpdesk") && strings.Contains(msg.Text, m[1]) {
				return true, ""
			}
			texts = append(texts, msg.Text)
		}
		return false, strings.Join(texts, " | ")
	})
	approvalTo(t, e, who.EmployeeID, mgr.Email, m[1])
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestElevationThroughSlackOktaAndGoogle: the demo's Okta and Google roles
// go the way the Entra one does (TestElevationThroughSlack): /elevate, the
// manager approves in Slack, the role shows in that directory's emulator and
// in no other, and an early revoke removes it, read back from the emulator.
func TestElevationThroughSlackOktaAndGoogle(t *testing.T) {
	cases := []struct {
		role, directory, name string
		// roles reads the requester's admin roles from the emulator.
		roles func(e *harness.Env, who demoorg.Employee) []string
	}{
		{"okta-helpdesk", "okta", "HELP_DESK_ADMIN", func(e *harness.Env, who demoorg.Employee) []string {
			u, ok := e.Emulators.Okta.UserByLogin(who.Email)
			require.True(t, ok, "no Okta user %s", who.EmployeeID)
			return e.Emulators.Okta.AdminRoles(u.ID)
		}},
		// Google's system role _USER_MANAGEMENT_ADMIN_ROLE, which roles.list
		// describes as the name demo.yaml gives.
		{"google-user-admin", "google", "User Management Administrator", func(e *harness.Env, who demoorg.Employee) []string {
			desc := map[string]string{}
			for _, r := range e.Emulators.Google.Roles() {
				desc[r.RoleName] = r.RoleDescription
			}
			var out []string
			for _, ra := range e.Emulators.Google.RoleAssignments(who.Email) {
				out = append(out, desc[ra.RoleName])
			}
			return out
		}},
	}
	for _, tc := range cases {
		t.Run(tc.directory, func(t *testing.T) {
			e := harness.Start(t, harness.EnvOptions{})
			ctx := context.Background()
			who := elevationRequester(t, e)
			mgr := byID(t, e, who.ManagerEmployeeID)
			require.Empty(t, tc.roles(e, who), "no standing role before")
			for _, emp := range []demoorg.Employee{who, mgr} {
				sendHR(t, e, emp.Record)
				eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
					st, err := employeeState(e, emp.EmployeeID)
					return err == nil && st.Record != nil, fmt.Sprint(err)
				})
			}

			status, body, err := e.Emulators.Slack.SlashCommand(ctx, who.Email, "/elevate", tc.role+" 1h reset a locked account")
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status, body)
			m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
			require.NotNil(t, m, body)
			wid := contract.ElevationWorkflowID(m[1])

			approval := approvalTo(t, e, who.EmployeeID, mgr.Email, m[1])
			status, body, err = e.Emulators.Slack.Press(ctx, approval.TS, "approve", "")
			require.NoError(t, err)
			require.Equal(t, http.StatusOK, status)
			require.Contains(t, body, "Recorded: approve")

			eventually(t, e, who.EmployeeID, tc.directory+" role granted", func() (bool, string) {
				got := tc.roles(e, who)
				return slices.Equal(got, []string{tc.name}), fmt.Sprint(got)
			})
			var st contract.ElevationState
			eventually(t, e, who.EmployeeID, "workflow active", func() (bool, string) {
				st = elevationState(t, e, wid)
				return st.Status == domain.ElevationActive, string(st.Status)
			})
			assert.Equal(t, tc.directory, st.Directory)
			assert.NotEmpty(t, st.AccountID)
			assert.Empty(t, e.Emulators.Graph.RoleAssignments(who.Email), "nothing granted in Entra")

			h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: contract.UpdateRevoke,
				Args:         []any{contract.ElevationDecision{Actor: contract.Actor{EmployeeID: who.EmployeeID, Via: "cli"}, Reason: "done"}},
				WaitForStage: client.WorkflowUpdateStageCompleted})
			require.NoError(t, err)
			var res contract.ElevationDecisionResult
			require.NoError(t, h.Get(ctx, &res))
			require.Equal(t, domain.DecisionAccepted, res.Result, res.Message)

			var final contract.ElevationState
			require.NoError(t, e.Client.GetWorkflow(ctx, wid, "").Get(ctx, &final))
			assert.Equal(t, domain.ElevationRevoked, final.Status)
			assert.True(t, final.RevokeVerified)
			assert.Empty(t, tc.roles(e, who), "the role is gone from %s", tc.directory)
		})
	}
}

// elevationRequester is an employee outside IT with a compliant device,
// MFA and no standing admin role.
func elevationRequester(t *testing.T, e *harness.Env) demoorg.Employee {
	t.Helper()
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.Department != "IT" && emp.DeviceOK && emp.MFA && len(emp.AdminRoles) == 0 {
			return emp
		}
	}
	t.Fatal("no requester in the demo organisation")
	return demoorg.Employee{}
}

// approvalTo waits for the approval DM of the request to reach email.
func approvalTo(t *testing.T, e *harness.Env, employeeID, email, requestID string) slackemu.Message {
	t.Helper()
	var approval slackemu.Message
	eventually(t, e, employeeID, "approval DM", func() (bool, string) {
		msgs := e.Emulators.Slack.MessagesTo(email)
		for _, msg := range msgs {
			for _, b := range msg.Buttons {
				if b.Value == requestID+":"+contract.ElevationButtonApprove {
					approval = msg
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d DMs: %s", len(msgs), strings.Join(texts(msgs), " | "))
	})
	return approval
}

func texts(msgs []slackemu.Message) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.Text)
	}
	return out
}

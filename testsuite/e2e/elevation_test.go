package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestElevationThroughSlack: an employee asks with /elevate, someone who is
// not the approver presses Approve (refused, and the refusal is in the
// workflow's record), the manager presses Approve through the signed
// callback, Entra shows the PIM assignment with its expiry, and an early
// revoke removes it.
func TestElevationThroughSlack(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emu := e.Emulators
	ctx := context.Background()

	// A requester with a compliant device and MFA, outside IT (no standing role).
	var who demoorg.Employee
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.Department != "IT" && emp.DeviceOK && emp.MFA && len(emp.AdminRoles) == 0 {
			who = emp
			break
		}
	}
	require.NotEmpty(t, who.EmployeeID)
	mgr, stranger := byID(t, e, who.ManagerEmployeeID), e.Org.Employees[len(e.Org.Employees)-1]
	require.NotEqual(t, mgr.EmployeeID, stranger.EmployeeID)

	// jml knows the requester's manager from their HR record, and who the
	// manager and the stranger are (their work emails) from theirs.
	for _, emp := range []demoorg.Employee{who, mgr, stranger} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}

	status, body, err := emu.Slack.SlashCommand(ctx, who.Email, "/elevate", "entra-user-admin 1h reset a locked account")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	requestID := m[1]
	wid := contract.ElevationWorkflowID(requestID)

	// The approval reaches the manager with opaque button values.
	var approval slackemu.Message
	eventually(t, e, who.EmployeeID, "approval DM to the manager", func() (bool, string) {
		for _, msg := range emu.Slack.MessagesTo(mgr.Email) {
			for _, b := range msg.Buttons {
				if b.Value == requestID+":approve" {
					approval = msg
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d DMs", len(emu.Slack.MessagesTo(mgr.Email)))
	})

	// Someone else presses Approve: refused, recorded, nothing granted.
	status, body, err = emu.Slack.Press(ctx, approval.TS, "approve", stranger.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Refused")
	st := elevationState(t, e, wid)
	require.Len(t, st.Decisions, 1)
	assert.Equal(t, contract.ElevationDecisionRecord{Action: "approve", Actor: contract.Actor{EmployeeID: stranger.EmployeeID, SlackUserID: "U" + stranger.EmployeeID, Via: "slack"},
		Result: "refused", Reason: st.Decisions[0].Reason, At: st.Decisions[0].At}, st.Decisions[0])
	assert.Equal(t, domain.ElevationPending, st.Status)
	assert.Equal(t, mgr.EmployeeID, st.ApproverEmployeeID)
	answeredTo(t, e, approval.Channel, stranger.Email, "Refused your approve of request "+requestID+": "+st.Decisions[0].Reason+". Your attempt was recorded.")

	// The manager approves through the signed callback.
	status, body, err = emu.Slack.Press(ctx, approval.TS, "approve", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Recorded: approve")
	answeredTo(t, e, approval.Channel, mgr.Email, "Recorded: approve of request "+requestID+".")
	approvedAt := time.Now()

	eventually(t, e, who.EmployeeID, "PIM assignment in Entra", func() (bool, string) {
		ras := emu.Graph.RoleAssignments(who.Email)
		return len(ras) == 1 && ras[0].RoleName == "User Administrator", fmt.Sprintf("%+v", ras)
	})
	ra := emu.Graph.RoleAssignments(who.Email)[0]
	assert.WithinDuration(t, approvedAt.Add(time.Hour), ra.End, time.Minute, "the assignment expires after the hour asked")
	eventually(t, e, who.EmployeeID, "workflow active", func() (bool, string) {
		st = elevationState(t, e, wid)
		return st.Status == domain.ElevationActive, string(st.Status)
	})
	assert.True(t, st.Gates.Device.Passed && st.Gates.MFA.Passed, "%+v", st.Gates)
	assert.WithinDuration(t, ra.End, st.GrantedUntil, time.Second)

	// The requester ends it early.
	h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: contract.UpdateRevoke,
		Args: []any{contract.ElevationDecision{Actor: contract.Actor{EmployeeID: who.EmployeeID, Via: "cli"}, Reason: "done"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	var res contract.ElevationDecisionResult
	require.NoError(t, h.Get(ctx, &res))
	assert.Equal(t, domain.DecisionAccepted, res.Result)

	var final contract.ElevationState
	require.NoError(t, e.Client.GetWorkflow(ctx, wid, "").Get(ctx, &final))
	assert.Equal(t, domain.ElevationRevoked, final.Status)
	assert.Equal(t, "early, by "+who.EmployeeID, final.RevokeReason)
	assert.True(t, final.RevokeVerified)
	assert.Empty(t, emu.Graph.RoleAssignments(who.Email), "the assignment is gone")
	var actions []string
	for _, d := range final.Decisions {
		actions = append(actions, d.Action+":"+d.Actor.EmployeeID+":"+string(d.Result))
	}
	assert.Equal(t, []string{"approve:" + stranger.EmployeeID + ":refused", "approve:" + mgr.EmployeeID + ":accepted", "revoke:" + who.EmployeeID + ":accepted"}, actions)

	eventually(t, e, who.EmployeeID, "approval message resolved", func() (bool, string) {
		msg, _ := emu.Slack.Message(approval.TS)
		return len(msg.Buttons) == 0 && strings.Contains(msg.Text, "Revoked at"), msg.Text
	})
}

func byID(t *testing.T, e *harness.Env, id string) demoorg.Employee {
	t.Helper()
	for _, emp := range e.Org.Employees {
		if emp.EmployeeID == id {
			return emp
		}
	}
	t.Fatalf("no employee %s", id)
	return demoorg.Employee{}
}

func employeeState(e *harness.Env, id string) (contract.EmployeeState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st contract.EmployeeState
	v, err := e.Client.QueryWorkflow(ctx, contract.EmployeeWorkflowID(id), "", contract.QueryState)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

func elevationState(t *testing.T, e *harness.Env, wid string) contract.ElevationState {
	t.Helper()
	// Generous: on a loaded machine a query waits for a workflow task slot.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := e.Client.QueryWorkflow(ctx, wid, "", contract.QueryState)
	require.NoError(t, err)
	var st contract.ElevationState
	require.NoError(t, v.Get(&st))
	b, _ := json.Marshal(st)
	t.Logf("elevation state: %s", b)
	return st
}

package e2e

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/starters/reviews"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestAccessReviewRemovesOktaApp: an employee holds two Okta apps outside
// the catalog, one assigned to them directly and one through a group. Their
// manager presses Remove on both in the Slack emulator. The direct one is
// unassigned in the Okta emulator and read back; Okta refuses the
// group-derived one, which stays assigned, and the campaign says so: failed,
// naming the group, blocked until an operator skips it. decisions.csv
// records both.
func TestAccessReviewRemovesOktaApp(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Employees: 20, Joiners: 1})
	emu := e.Emulators
	ctx := context.Background()

	var who demoorg.Employee
	var oktaID, viaGroup string
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		u, ok := emu.Okta.UserByLogin(emp.Email)
		if !ok || emp.ManagerEmployeeID == "" {
			continue
		}
		for _, g := range emu.Okta.GroupsOf(u.ID) {
			if g != "Everyone" {
				who, oktaID, viaGroup = emp, u.ID, g
			}
		}
		if who.EmployeeID != "" {
			break
		}
	}
	require.NotEmpty(t, who.EmployeeID, "an employee with a manager and an Okta group")
	mgr := byID(t, e, who.ManagerEmployeeID)
	for _, emp := range []demoorg.Employee{who, mgr} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	require.True(t, emu.Okta.AssignApp(oktaID, "AWS Console"))
	require.True(t, emu.Okta.AssignAppToGroup(viaGroup, "Gong"))
	require.Subset(t, emu.Okta.UserApps(oktaID), []string{"AWS Console", "Gong"})

	campaign, err := reviews.Start(ctx, e.Client, e.Config, reviews.StartRequest{Campaign: "e2e-okta-apps", Scope: contract.ReviewScope{EmployeeID: who.EmployeeID}, By: "test"})
	require.NoError(t, err)
	var dm slackemu.Message
	eventually(t, e, who.EmployeeID, "review DM to the manager", func() (bool, string) {
		for _, m := range emu.Slack.MessagesTo(mgr.Email) {
			if slices.ContainsFunc(m.Buttons, func(b slackemu.Button) bool { return b.ActionID == "review-keep-all" }) {
				dm = m
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d DMs to the manager", len(emu.Slack.MessagesTo(mgr.Email)))
	})
	st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
	require.NoError(t, err)
	require.Len(t, st.Reviewees, 1)
	keys := map[string]int{}
	for _, it := range st.Reviewees[0].Items {
		if it.Access.Directory == "okta" && it.Access.Kind == contract.EntitlementSSOApp {
			keys[it.Access.Entitlement] = it.Key
		}
	}
	require.Contains(t, keys, "AWS Console", "the snapshot lists the direct app: %+v", st.Reviewees[0].Items)
	require.Contains(t, keys, "Gong", "and the group's app")

	for _, action := range []string{fmt.Sprintf("review-remove-%d", keys["AWS Console"]), fmt.Sprintf("review-remove-%d", keys["Gong"]), "review-keep-all"} {
		status, body, err := emu.Slack.Press(ctx, dm.TS, action, "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Recorded", body)
	}

	wid := contract.AccessReviewWorkflowID(campaign)
	blocked := fmt.Sprintf("%s/%d", who.EmployeeID, keys["Gong"])
	eventually(t, e, who.EmployeeID, "the group-derived removal blocks the campaign", func() (bool, string) {
		st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
		return err == nil && st.Status == contract.ReviewStatusBlocked && slices.Contains(st.Blocked, blocked), fmt.Sprintf("%s %v %v", st.Status, st.Blocked, err)
	})
	assert.NotContains(t, emu.Okta.UserApps(oktaID), "AWS Console", "unassigned in Okta")
	assert.Contains(t, emu.Okta.UserApps(oktaID), "Gong", "Okta refused: still assigned through "+viaGroup)
	assert.True(t, slices.ContainsFunc(emu.Slack.Messages(e.Config.Slack.SecurityChannel), func(m slackemu.Message) bool {
		return strings.Contains(m.Text, "Gong") && strings.Contains(m.Text, viaGroup)
	}), "the security channel is told why")

	h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: contract.UpdateSkip, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{contract.OperatorDecision{Directory: blocked, Operator: "e2e", Reason: "access follows the group; its owner reviews it"}}})
	require.NoError(t, err)
	require.NoError(t, h.Get(ctx, nil))

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var final contract.ReviewState
	require.NoError(t, e.Client.GetWorkflow(wctx, wid, "").Get(wctx, &final))
	assert.Equal(t, contract.ReviewStatusDone, final.Status)

	f, err := os.Open(filepath.Join(e.Config.Evidence.Dir, "Reviews", campaign, "decisions.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	got := map[string][]string{}
	for _, r := range rows[1:] {
		if r[3] == "okta" && r[4] == contract.EntitlementSSOApp {
			got[r[5]] = r
		}
	}
	require.Contains(t, got, "AWS Console")
	require.Contains(t, got, "Gong")
	assert.Equal(t, []string{"remove", contract.ReviewApplied}, []string{got["AWS Console"][7], got["AWS Console"][11]})
	assert.True(t, strings.HasPrefix(got["AWS Console"][12], "read back: removed"), got["AWS Console"][12])
	assert.Equal(t, []string{"remove", contract.ReviewFailed}, []string{got["Gong"][7], got["Gong"][11]})
	assert.Contains(t, got["Gong"][12], "assigned through group "+viaGroup)
	assert.Contains(t, got["Gong"][12], "skipped by an operator")
}

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

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/starters/reviews"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestAccessReviewRemoveInSlack: a campaign over one employee DMs their HR
// manager in Slack; the employee's own press is refused, the manager
// presses Remove on one Entra group and Keep all for the rest, the group is
// gone from the Graph emulator, and decisions.csv says it was applied.
func TestAccessReviewRemoveInSlack(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Employees: 20, Joiners: 1})
	emu := e.Emulators
	ctx := context.Background()

	var who demoorg.Employee
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.ManagerEmployeeID != "" && len(emu.Graph.GroupsOf(emp.Email)) > 0 {
			who = emp
			break
		}
	}
	require.NotEmpty(t, who.EmployeeID, "an employee with a manager and Entra groups")
	mgr := byID(t, e, who.ManagerEmployeeID)
	for _, emp := range []demoorg.Employee{who, mgr} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	groups := emu.Graph.GroupsOf(who.Email)
	group := groups[0]

	campaign, err := reviews.Start(ctx, e.Client, e.Config, reviews.StartRequest{Campaign: "e2e-remove", Scope: contract.ReviewScope{EmployeeID: who.EmployeeID}, By: "test"})
	require.NoError(t, err)

	var dm slackemu.Message
	eventually(t, e, who.EmployeeID, "review DM to the manager", func() (bool, string) {
		for _, m := range emu.Slack.MessagesTo(mgr.Email) {
			if slices.ContainsFunc(m.Buttons, func(b slackemu.Button) bool { return b.ActionID == "review-keep-all" }) {
				dm = m
				return true, ""
			}
		}
		st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
		var pending []string
		if d, err := e.Client.DescribeWorkflow(ctx, contract.AccessReviewWorkflowID(campaign), ""); err == nil {
			for _, pa := range d.RawResponse.GetPendingActivities() {
				pending = append(pending, pa.GetActivityType().GetName()+": "+pa.GetLastFailure().GetMessage())
			}
		}
		return false, fmt.Sprintf("%d DMs; campaign %+v %v; pending %v", len(emu.Slack.MessagesTo(mgr.Email)), st, err, pending)
	})
	st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
	require.NoError(t, err)
	require.Len(t, st.Reviewees, 1)
	assert.Equal(t, mgr.EmployeeID, st.Reviewees[0].Reviewer, "the HR manager reviews")
	key := -1
	for _, it := range st.Reviewees[0].Items {
		if it.Access.Directory == "entra" && it.Access.Kind == contract.EntitlementGroup && it.Access.Entitlement == group {
			key = it.Key
		}
	}
	require.GreaterOrEqual(t, key, 0, "the snapshot has the group %q: %+v", group, st.Reviewees[0].Items)

	// The reviewee presses on their own review: refused and recorded.
	status, body, err := emu.Slack.Press(ctx, dm.TS, "review-keep-all", who.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Refused")

	status, body, err = emu.Slack.Press(ctx, dm.TS, fmt.Sprintf("review-remove-%d", key), "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Recorded", body)
	status, body, err = emu.Slack.Press(ctx, dm.TS, "review-keep-all", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, body, "Recorded", body)

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var final contract.ReviewState
	require.NoError(t, e.Client.GetWorkflow(wctx, contract.AccessReviewWorkflowID(campaign), "").Get(wctx, &final))
	assert.Equal(t, contract.ReviewStatusDone, final.Status)
	require.Len(t, final.Refusals, 1)
	assert.Equal(t, who.EmployeeID, final.Refusals[0].Actor.EmployeeID)
	assert.NotContains(t, emu.Graph.GroupsOf(who.Email), group, "removed in the directory")
	for _, g := range groups[1:] {
		assert.Contains(t, emu.Graph.GroupsOf(who.Email), g, "kept")
	}

	f, err := os.Open(filepath.Join(e.Config.Evidence.Dir, "Reviews", campaign, "decisions.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	var row []string
	for _, r := range rows[1:] {
		if r[3] == "entra" && r[4] == "group" && r[5] == group {
			row = r
		}
	}
	require.NotNil(t, row, "a CSV row for the group")
	assert.Equal(t, []string{campaign, mgr.EmployeeID, who.EmployeeID, "remove", mgr.EmployeeID, contract.ReviewApplied}, []string{row[0], row[1], row[2], row[7], row[8], row[11]})
	assert.True(t, strings.HasPrefix(row[12], "read back: removed"), row[12])
	_, err = time.Parse(time.RFC3339, row[10])
	assert.NoError(t, err, "applied at")
	_, err = os.Stat(filepath.Join(e.Config.Evidence.Dir, "Reviews", campaign, "summary.json"))
	assert.NoError(t, err)
}

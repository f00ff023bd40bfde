package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
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

// TestAccessReviewInPartsE2E: with reviews.part_size 1, a department
// campaign over two reports of one manager runs as review/<campaign> with
// one child part per reviewee. Each DM comes from its part; the manager's
// Keep all presses in the Slack emulator go through the real intake to
// the part that sent them; the campaign reads as one in `review status`
// and ends with one decisions.csv and summary.json merged from its parts.
func TestAccessReviewInPartsE2E(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Employees: 20, Joiners: 1})
	emu := e.Emulators
	ctx := context.Background()

	// Two reports of one manager in one department, the manager out of
	// it when the org has such a pair (their own review would wait for due).
	var pair []demoorg.Employee
	byMgr := map[string][]demoorg.Employee{}
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.ManagerEmployeeID == "" {
			continue
		}
		k := emp.ManagerEmployeeID + "/" + emp.Department
		byMgr[k] = append(byMgr[k], emp)
		if len(byMgr[k]) == 2 && (pair == nil || byID(t, e, emp.ManagerEmployeeID).Department != emp.Department) {
			pair = byMgr[k]
		}
	}
	require.Len(t, pair, 2, "two reports of one manager in one department")
	mgr := byID(t, e, pair[0].ManagerEmployeeID)
	sent := append(slices.Clone(pair), mgr)
	for _, emp := range sent {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	inScope := 0
	for _, emp := range sent {
		if emp.Department == pair[0].Department {
			inScope++
		}
	}
	// The campaign's population is the active Employee workflows (visibility).
	q := fmt.Sprintf(`WorkflowType = %q AND ExecutionStatus = "Running" AND %s = %q`, contract.EmployeeWorkflowName, contract.LifecycleStatusKey.GetName(), domain.StatusActive)
	eventually(t, e, pair[0].EmployeeID, "the employees listed active", func() (bool, string) {
		resp, err := e.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: e.Config.Temporal.Namespace, Query: q})
		if err != nil {
			return false, err.Error()
		}
		found := 0
		for _, ex := range resp.GetExecutions() {
			for _, emp := range sent {
				if ex.GetExecution().GetWorkflowId() == contract.EmployeeWorkflowID(emp.EmployeeID) {
					found++
				}
			}
		}
		return found == len(sent), fmt.Sprintf("%d of %d listed", found, len(sent))
	})
	e.Config.Reviews.PartSize = 1
	campaign, err := reviews.Start(ctx, e.Client, e.Config, reviews.StartRequest{Campaign: "e2e-parts", Scope: contract.ReviewScope{Department: pair[0].Department}, Due: 12 * time.Second, By: "test"})
	require.NoError(t, err)

	dms := map[string]slackemu.Message{} // reviewee -> the DM
	eventually(t, e, pair[0].EmployeeID, "a review DM per reviewee from its part", func() (bool, string) {
		for _, m := range emu.Slack.MessagesTo(mgr.Email) {
			for _, b := range m.Buttons {
				if b.ActionID == "review-keep-all" {
					c, reviewee, _, _, _, err := contract.ParseReviewButton(b.Value)
					if err == nil && strings.HasPrefix(c, campaign+".part-") {
						dms[reviewee] = m
					}
				}
			}
		}
		st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
		return dms[pair[0].EmployeeID].TS != "" && dms[pair[1].EmployeeID].TS != "", fmt.Sprintf("DMs for %v; campaign %s, %d parts, %d reviewees %v",
			slices.Collect(maps.Keys(dms)), st.Status, len(st.Parts), len(st.Reviewees), err)
	})
	st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
	require.NoError(t, err)
	require.Len(t, st.Parts, inScope, "one part per reviewee: %+v", st.Parts)
	assert.Len(t, st.Reviewees, inScope, "status reads the parts' reviewees")
	for _, p := range st.Parts {
		assert.Equal(t, 1, p.Reviewees)
		assert.Equal(t, contract.AccessReviewWorkflowID(p.Campaign), p.WorkflowID)
	}

	for _, emp := range pair {
		status, body, err := emu.Slack.Press(ctx, dms[emp.EmployeeID].TS, "review-keep-all", "")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, status)
		require.Contains(t, body, "Recorded", body)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var final contract.ReviewState
	require.NoError(t, e.Client.GetWorkflow(wctx, contract.AccessReviewWorkflowID(campaign), "").Get(wctx, &final))
	assert.Equal(t, contract.ReviewStatusDone, final.Status)
	for _, p := range final.Parts {
		assert.Equal(t, contract.ReviewPartDone, p.Status, p.Error)
	}

	dir := filepath.Join(e.Config.Evidence.Dir, "Reviews", campaign)
	f, err := os.Open(filepath.Join(dir, "decisions.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	kept := map[string]int{}
	for _, r := range rows[1:] {
		assert.Equal(t, campaign, r[0])
		if r[11] == contract.ReviewKept && r[8] == mgr.EmployeeID {
			kept[r[2]]++
		}
	}
	for _, emp := range pair {
		assert.Positive(t, kept[emp.EmployeeID], "%s's items kept by the manager, in the merged CSV", emp.EmployeeID)
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	var sum contract.ReviewSummary
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.Len(t, sum.Parts, inScope)
	assert.Empty(t, sum.PartsFailed)
	assert.Equal(t, inScope, sum.Reviewees)
	assert.Equal(t, len(rows)-1, sum.Items)
	_, err = os.Stat(filepath.Join(dir, "snapshot.json"))
	assert.NoError(t, err)

	eventually(t, e, pair[0].EmployeeID, "review list shows the campaign, not its parts", func() (bool, string) {
		list, err := reviews.List(ctx, e.Client, e.Config.Temporal.Namespace)
		var ids []string
		for _, c := range list {
			ids = append(ids, c.ID)
		}
		return err == nil && slices.Contains(ids, campaign) && !slices.ContainsFunc(ids, func(id string) bool { return strings.HasPrefix(id, campaign+".part-") }), fmt.Sprint(ids, err)
	})
}

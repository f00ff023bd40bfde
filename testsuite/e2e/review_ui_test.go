package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
	jslack "github.com/jml-dev/jml/integrations/slack"
	"github.com/jml-dev/jml/starters/reviews"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestAccessReviewKeepAllInBrowser is issue 12's browser proof: the
// reviewer's DM opened in headless Chromium on the Slack emulator's page.
// Someone who is not the assigned reviewer presses one item's Remove there
// (refused, recorded in the campaign, nothing decided, and answered in the
// DM); then the reviewer presses Keep all. Both presses leave the page as Slack-signed
// block_actions callbacks to jml's intake, become the review-decision
// update, and the campaign ends with every item of the reviewee kept, as
// decisions.csv and summary.json say, and nothing removed in Entra.
func TestAccessReviewKeepAllInBrowser(t *testing.T) {
	// Chromium starts while the stack comes up: on a busy machine its start
	// is much of this test's time.
	bctx := emutest.Browser(t, 90*time.Second)
	warm := make(chan error, 1)
	go func() { warm <- chromedp.Do(bctx, chromedp.Navigate("about:blank")) }()
	e := harness.Start(t, harness.EnvOptions{Employees: 20, Joiners: 1})
	emu := e.Emulators
	ctx := context.Background()

	// The one who presses without being asked is the manager's manager:
	// next in line, not assigned.
	var who, mgr, other demoorg.Employee
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.ManagerEmployeeID == "" || len(emu.Graph.GroupsOf(emp.Email)) == 0 {
			continue
		}
		if m := byID(t, e, emp.ManagerEmployeeID); m.ManagerEmployeeID != "" {
			who, mgr, other = emp, m, byID(t, e, m.ManagerEmployeeID)
			break
		}
	}
	require.NotEmpty(t, who.EmployeeID, "an employee with Entra groups, a manager and a manager's manager")
	for _, emp := range []demoorg.Employee{who, mgr, other} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	groups := emu.Graph.GroupsOf(who.Email)

	campaign, err := reviews.Start(ctx, e.Client, e.Config, reviews.StartRequest{Campaign: "e2e-keep-all-ui", Scope: contract.ReviewScope{EmployeeID: who.EmployeeID}, By: "test"})
	require.NoError(t, err)
	var dm slackemu.Message
	eventually(t, e, who.EmployeeID, "review DM to the manager", func() (bool, string) {
		for _, m := range emu.Slack.MessagesTo(mgr.Email) {
			if slices.ContainsFunc(m.Buttons, func(b slackemu.Button) bool { return b.ActionID == jslack.ActionReviewKeepAll }) {
				dm = m
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d DMs to the manager", len(emu.Slack.MessagesTo(mgr.Email)))
	})
	st, err := reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
	require.NoError(t, err)
	require.Len(t, st.Reviewees, 1)
	require.Equal(t, mgr.EmployeeID, st.Reviewees[0].Reviewer)
	items := st.Reviewees[0].Items
	require.NotEmpty(t, items)
	key := items[0].Key

	require.NoError(t, <-warm, "Chromium started")
	remove := fmt.Sprintf(`//button[@data-action-id=%q][@data-ts=%q]`, jslack.ReviewActionID("remove", key), dm.TS)
	keepAll := fmt.Sprintf(`//button[@data-action-id=%q][@data-ts=%q]`, jslack.ActionReviewKeepAll, dm.TS)
	var defaultAs, refusedStatus, keptStatus string
	err = chromedp.Do(bctx,
		chromedp.Navigate(emu.Slack.URL()+"/#"+mgr.Email),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.WaitVisible(remove),
		// The row's "as" field says who presses; the page fills in the
		// DM's recipient. Someone else types their own email.
		uiRead(&defaultAs, chromedp.Value(remove+`/parent::div/input`)),
		chromedp.SetValue(remove+`/parent::div/input`, other.Email),
		chromedp.Click(remove),
		chromedp.WaitVisible(`//div[@id="status"][contains(., "pressed review-remove-")][contains(., "HTTP 200")]`),
		uiRead(&refusedStatus, chromedp.Text(chromedp.CSS(`#status`))),
		// jml answers through the press's response_url (Slack shows nothing
		// of an acknowledgement's body): an ephemeral message in the DM.
		chromedp.WaitVisible(`//div[contains(@class, "eph")][contains(., "Refused: you are not the reviewer of `+who.EmployeeID+`")]`),
	)
	require.NoError(t, err, "pressing Remove as %s in Chromium", other.EmployeeID)
	assert.Equal(t, mgr.Email, defaultAs, "the page presses as the DM's recipient unless told otherwise")
	assert.Contains(t, refusedStatus, "as "+other.Email)

	// The update returned before the intake answered: the refusal is in
	// the campaign already, and nothing was decided.
	st, err = reviews.Status(ctx, e.Client, e.Config.Temporal.Namespace, campaign)
	require.NoError(t, err)
	require.Len(t, st.Refusals, 1, "the press by someone else is recorded")
	ref := st.Refusals[0]
	assert.Equal(t, other.EmployeeID, ref.Actor.EmployeeID, "the presser, resolved through HR")
	assert.Equal(t, "U"+other.EmployeeID, ref.Actor.SlackUserID, "the Slack member the emulator signed for")
	assert.Equal(t, "slack", ref.Actor.Via)
	assert.Equal(t, who.EmployeeID, ref.Reviewee)
	assert.Equal(t, "you are not the reviewer of "+who.EmployeeID, ref.Reason)
	for _, it := range st.Reviewees[0].Items {
		assert.Empty(t, it.Decision, "item %d: a refused press decides nothing", it.Key)
	}
	assert.ElementsMatch(t, groups, emu.Graph.GroupsOf(who.Email), "a refused press removes nothing")

	err = chromedp.Do(bctx,
		chromedp.WaitVisible(keepAll),
		chromedp.Click(keepAll),
		chromedp.WaitVisible(`//div[@id="status"][contains(., "pressed review-keep-all as `+mgr.Email+`")][contains(., "HTTP 200")]`),
		uiRead(&keptStatus, chromedp.Text(chromedp.CSS(`#status`))),
		chromedp.WaitVisible(`//div[contains(@class, "eph")][contains(., "Recorded: recorded keep for `+fmt.Sprint(len(items))+` item(s) of `+who.EmployeeID+`")]`),
		// The DM is rewritten with the decisions: its buttons go, and the
		// page shows the rewrite.
		chromedp.WaitNotPresent(keepAll),
	)
	require.NoError(t, err, "pressing Keep all as the manager in Chromium")
	assert.Contains(t, keptStatus, "pressed "+jslack.ActionReviewKeepAll+" as "+mgr.Email)

	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	var final contract.ReviewState
	require.NoError(t, e.Client.GetWorkflow(wctx, contract.AccessReviewWorkflowID(campaign), "").Get(wctx, &final))
	assert.Equal(t, contract.ReviewStatusDone, final.Status, "every item decided: the campaign ends before its due date")
	require.Len(t, final.Refusals, 1)
	require.Len(t, final.Reviewees, 1)
	for _, it := range final.Reviewees[0].Items {
		assert.Equal(t, []string{"keep", mgr.EmployeeID, contract.ReviewKept}, []string{it.Decision, it.DecidedBy, it.Result}, "item %d %s", it.Key, it.Access.Entitlement)
	}
	assert.ElementsMatch(t, groups, emu.Graph.GroupsOf(who.Email), "nothing removed in Entra")

	dir := filepath.Join(e.Config.Evidence.Dir, "Reviews", campaign)
	f, err := os.Open(filepath.Join(dir, "decisions.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+len(final.Reviewees[0].Items), "a header and one row per item")
	for _, r := range rows[1:] {
		// campaign, reviewer, reviewee, ..., decision, decided_by, decided_at, applied_at, result
		assert.Equal(t, []string{campaign, mgr.EmployeeID, who.EmployeeID, "keep", mgr.EmployeeID, contract.ReviewKept},
			[]string{r[0], r[1], r[2], r[7], r[8], r[11]}, "row %v", r)
		_, err := time.Parse(time.RFC3339, r[9])
		assert.NoError(t, err, "decided at")
	}
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	require.NoError(t, err)
	var sum contract.ReviewSummary
	require.NoError(t, json.Unmarshal(b, &sum))
	assert.Equal(t, 1, sum.Refusals, "the refused press is in the auditor's summary")
	assert.Equal(t, len(items), sum.Counts[contract.ReviewKept])
	assert.Equal(t, 0, sum.RemovalsApplied)
	assert.InDelta(t, 100.0, sum.CompletionPct, 0.01)
}

// uiRead runs a valued page action and keeps its value.
func uiRead[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

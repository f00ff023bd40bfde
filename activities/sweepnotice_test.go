package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workers"
)

// The notice goes to the owner's HR work email and the security channel
// with the buttons; the deciders' Slack ids come from their HR emails
// (a terminated one has none); a rewrite takes the buttons off.
func TestPostSweepNoticeAgainstTheSlackEmulator(t *testing.T) {
	r := newRig(t)
	n := r.acts.Notifier.(workers.Notifier)
	r.acts.Sweeps, r.acts.Approvals = n, n
	owner, left := r.employee("E0001"), r.employee("E0003")
	left.Record.Status = domain.HRTerminated
	book := hrBook(r.org)
	for i := range book.Employees {
		if book.Employees[i].EmployeeID == left.EmployeeID {
			book.Employees[i].Record = left.Record
		}
	}
	r.acts.People = book
	in := contract.PostSweepNoticeInput{WorkflowID: "sweep/orphan/ab12", Title: "Privilege sweep: orphan account 00u1 in okta", DM: owner.EmployeeID, Channel: "#security-alerts",
		Buttons:  []contract.SweepButton{{Decision: contract.SweepKeep, Label: "Keep…"}, {Decision: contract.SweepDisable, Label: "Disable now", Danger: true}},
		Deciders: []string{owner.EmployeeID, left.EmployeeID}}
	var out contract.SweepNotice
	r.must(contract.PostSweepNotice.Name, in, &out)
	require.Len(t, out.Messages, 2)
	slackOwner, ok := r.set.Slack.UserByEmail(owner.Email)
	require.True(t, ok)
	assert.Equal(t, map[string]string{owner.EmployeeID: slackOwner.ID}, out.DeciderSlackIDs, "a terminated decider has no Slack id")
	dm := r.set.Slack.MessagesTo(owner.Email)
	require.Len(t, dm, 1)
	require.Len(t, dm[0].Buttons, 2)
	assert.Equal(t, "sweep-keep", dm[0].Buttons[0].ActionID)
	assert.Equal(t, "sweep/orphan/ab12|keep", dm[0].Buttons[0].Value)
	assert.Len(t, r.set.Slack.Buttons(out.Messages[1].TS), 2, "the channel's copy has them too")

	r.must(contract.PostSweepNotice.Name, contract.PostSweepNoticeInput{WorkflowID: in.WorkflowID, Title: in.Title, Messages: out.Messages, Outcome: "Kept until 2027-01-15"}, nil)
	for _, m := range out.Messages {
		msg, _ := r.set.Slack.Message(m.TS)
		assert.Empty(t, msg.Buttons)
		assert.Contains(t, msg.Text, "Kept until 2027-01-15")
	}
}

// Each decision is one line, a retried activity writes none, and the
// keeps still running on a day are read back by finding key.
func TestSweepDecisionsLogAndKeeps(t *testing.T) {
	r := newRig(t)
	exp := time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC)
	ev := contract.SweepDecisionEvent{WorkflowID: "sweep/orphan/ab12", RunID: "run1", Seq: 1, Kind: "orphan", Key: "ab12", Directory: "okta", AccountID: "00u1",
		Event: "kept", By: "E0001", Sponsor: "E0007", Expires: exp, Reason: "=HYPERLINK(\"x\")", At: exp.AddDate(0, -1, 0)}
	var out contract.OffboardingLogOutput
	r.must(contract.AppendSweepDecision.Name, ev, &out)
	assert.True(t, out.Appended)
	r.must(contract.AppendSweepDecision.Name, ev, &out)
	assert.False(t, out.Appended, "a retry writes nothing")
	err := r.run(contract.AppendSweepDecision.Name, contract.SweepDecisionEvent{WorkflowID: "x"}, nil)
	assert.ErrorContains(t, err, "workflow id, run id, key and event are required")

	rows, err := activities.ReadSweepDecisions(r.acts.EvidenceDir)
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, activities.SweepDecisionsHeader, rows[0])
	assert.Equal(t, "'=HYPERLINK(\"x\")", rows[1][10], "formula-safe")
	assert.Equal(t, map[string]activities.SweepKeep{"ab12": {Sponsor: "E0007", Expires: exp}}, activities.SweepKeeps(rows, exp.AddDate(0, 0, -1)))
	assert.Empty(t, activities.SweepKeeps(rows, exp), "expired on its date")
}

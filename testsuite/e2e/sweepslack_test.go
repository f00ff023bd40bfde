package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/starters/sweep"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestSweepDecidedInSlack: the sweep's orphan Okta account is noticed to
// its owner (E0001) with Keep… and Disable now; a stranger's press is
// refused and recorded; the owner's opens the keep form (views.open),
// whose expiry beyond max_keep is shown under the field, and whose valid
// submission (sponsor E0007, a date) ends the workflow kept, the account
// still enabled, sponsor and expiry in the result and the evidence. The
// unknown service principal's escalation is acknowledged, with a reason,
// by the security approver.
func TestSweepDecidedInSlack(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Sweep: true, Configure: func(c *config.Config) {
		c.Sweep.Grace, c.Sweep.OrphanGrace, c.Sweep.EscalationSLA = config.Duration(time.Hour), config.Duration(time.Hour), config.Duration(time.Hour)
		c.Sweep.Owners = map[string]string{"okta": "E0001"}
		c.Sweep.SecurityApprovers = []string{"E0007"}
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	owner, approver, stranger := byID(t, e, "E0001"), byID(t, e, "E0007"), byID(t, e, "E0002")
	for _, emp := range []demoorg.Employee{owner, approver, stranger} {
		sendHR(t, e, emp.Record)
	}
	waitHeld(t, e, map[string]string{"E0001": "active", "E0002": "active", "E0007": "active"})

	res, err := sweep.RunNow(ctx, e.Client, e.Config, time.Now().UTC().Format(contract.DateLayout), false)
	require.NoError(t, err)
	b, err := os.ReadFile(filepath.Join(e.Config.Evidence.Dir, filepath.FromSlash(res.Evidence.Path)))
	require.NoError(t, err)
	var facts contract.SweepFacts
	require.NoError(t, json.Unmarshal(b, &facts))
	var orphanID, unknownID string
	for _, o := range facts.Inventory.Orphans {
		if o.Login == demoorg.OrphanOkta {
			orphanID = contract.SweepChildID("orphan", o.Key)
		}
	}
	for _, h := range facts.Inventory.Holders {
		if h.Login == demoorg.UnknownAppID {
			unknownID = contract.SweepChildID("unknown", h.Key)
		}
	}
	require.NotEmpty(t, orphanID)
	require.NotEmpty(t, unknownID)

	// the owner's DM carries the buttons, values with the workflow id only
	notice := sweepMessage(t, func() []slackemu.Message { return e.Emulators.Slack.MessagesTo(owner.Email) }, orphanID+"|keep")
	for _, btn := range notice.Buttons {
		assert.NotContains(t, btn.Value, "@")
	}
	slack := e.Emulators.Slack

	status, body, err := slack.Press(ctx, notice.TS, contract.SweepActionID(contract.SweepKeep), stranger.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "Refused")
	assert.Empty(t, slack.Views(stranger.Email), "no form for a stranger")
	eventuallyTrue(t, "the refusal answered ephemerally through the press's response_url", func() bool {
		for _, m := range slack.MessagesTo(owner.Email) {
			if m.Ephemeral && strings.Contains(m.Text, "Refused: only E0001, E0007 may decide") {
				return true
			}
		}
		return false
	})
	q, err := e.Client.QueryWorkflow(ctx, orphanID, "", contract.QueryState)
	require.NoError(t, err)
	var st contract.SweepFindingState
	require.NoError(t, q.Get(&st))
	assert.Equal(t, 1, st.RefusedCount, "the refusal is on the workflow")
	require.Len(t, st.Refusals, 1)
	assert.Equal(t, "E0002", st.Refusals[0].Actor.EmployeeID)
	assert.Equal(t, []string{"E0001", "E0007"}, st.Deciders, "the owner and the security approver")

	status, body, err = slack.Press(ctx, notice.TS, contract.SweepActionID(contract.SweepKeep), owner.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	views := slack.Views(owner.Email)
	require.Len(t, views, 1, "the keep form opened with the press's trigger_id")
	form := views[0]
	assert.Equal(t, contract.SweepKeepModal, form.CallbackID)
	assert.Equal(t, orphanID, form.PrivateMetadata)

	sponsor, ok := slack.UserByEmail(approver.Email)
	require.True(t, ok)
	tooLate := time.Now().UTC().AddDate(0, 6, 0).Format(contract.DateLayout)
	sub, err := slack.Submit(ctx, form.ID, map[string]string{"sponsor": sponsor.ID, "expires": tooLate})
	require.NoError(t, err)
	assert.True(t, sub.Open, "the form stays open: %s", sub.Body)
	assert.Contains(t, sub.Errors[contract.SweepFieldExpires], "sweep.max_keep")

	until := time.Now().UTC().AddDate(0, 0, 30).Format(contract.DateLayout)
	sub, err = slack.Submit(ctx, form.ID, map[string]string{"sponsor": sponsor.ID, "expires": until, "reason": "vendor audit until January"})
	require.NoError(t, err)
	assert.Empty(t, sub.Errors)
	assert.Contains(t, string(sub.Blocks), "Recorded: kept until "+until+", sponsor E0007")

	var out contract.SweepOutcome
	require.NoError(t, e.Client.GetWorkflow(ctx, orphanID, "").Get(ctx, &out))
	assert.Equal(t, "kept", out.Outcome)
	require.NotNil(t, out.Decision)
	assert.Equal(t, "E0007", out.Decision.Sponsor)
	assert.Equal(t, until, out.Decision.Expires.UTC().Format(contract.DateLayout))
	assert.Equal(t, "E0001", out.Decision.Actor.EmployeeID, "signed by the owner, as HR knows them")
	require.Len(t, out.Refusals, 1)
	assert.Equal(t, "E0002", out.Refusals[0].Actor.EmployeeID)
	ou, ok := e.Emulators.Okta.UserByLogin(demoorg.OrphanOkta)
	require.True(t, ok)
	assert.Equal(t, "ACTIVE", e.Emulators.Okta.Status(ou.ID), "a kept account stays enabled")

	// the unknown service principal: acknowledged by the security approver
	esc := sweepMessage(t, func() []slackemu.Message { return slack.Messages(e.Config.Slack.SecurityChannel) }, unknownID+"|acknowledge")
	status, body, err = slack.Press(ctx, esc.TS, contract.SweepActionID(contract.SweepAcknowledge), approver.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	views = slack.Views(approver.Email)
	require.Len(t, views, 1)
	sub, err = slack.Submit(ctx, views[0].ID, map[string]string{"reason": "Reporting Sync is the finance BI export; IT owns it"})
	require.NoError(t, err)
	assert.Contains(t, string(sub.Blocks), "Recorded: acknowledged")
	require.NoError(t, e.Client.GetWorkflow(ctx, unknownID, "").Get(ctx, &out))
	assert.Equal(t, "acknowledged", out.Outcome)
	assert.Equal(t, "E0007", out.Detail)
	require.NotNil(t, out.Decision)
	assert.Equal(t, "Reporting Sync is the finance BI export; IT owns it", out.Decision.Reason)

	// the evidence: the refusal, the keep and the acknowledgement, and the
	// next sweep starts nothing for the kept account
	rows, err := activities.ReadSweepDecisions(e.Config.Evidence.Dir)
	require.NoError(t, err)
	var events []string
	for _, r := range rows[1:] {
		events = append(events, r[1]+":"+r[7]+":"+r[8])
	}
	assert.Equal(t, []string{"refused:E0002:", "kept:E0001:E0007", "acknowledged:E0007:"}, events)
	again, err := sweep.RunNow(ctx, e.Client, e.Config, time.Now().UTC().AddDate(0, 0, 1).Format(contract.DateLayout), false)
	require.NoError(t, err)
	var kept bool
	for _, o := range again.Outcomes {
		if o.Key == strings.TrimPrefix(orphanID, "sweep/orphan/") {
			kept = o.Outcome == "kept"
			assert.Contains(t, o.Detail, "sponsor E0007")
		}
	}
	assert.True(t, kept, "tomorrow's sweep holds the keep: %+v", again.Outcomes)
	assert.NotContains(t, again.Children, orphanID)
}

// sweepMessage waits for the message carrying a button with that value.
func sweepMessage(t *testing.T, msgs func() []slackemu.Message, value string) slackemu.Message {
	t.Helper()
	var found slackemu.Message
	eventuallyTrue(t, "a message with a button "+value, func() bool {
		for _, m := range msgs() {
			for _, b := range m.Buttons {
				if b.Value == value {
					found = m
					return true
				}
			}
		}
		return false
	})
	return found
}

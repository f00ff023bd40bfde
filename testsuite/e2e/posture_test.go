package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/starters/posture"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestPolicyDriftAlertsSlack: the day's snapshot of every directory's
// sign-in policies is hashed into evidence; a Conditional Access policy
// changed in the Graph emulator (PATCH, as an admin would) shows in the
// next snapshot's field-level diff, posted to the security channel.
func TestPolicyDriftAlertsSlack(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	date := time.Now().UTC().Format(contract.DateLayout)
	channel := e.Config.Slack.SecurityChannel
	before := len(e.Emulators.Slack.Messages(channel))

	first, err := posture.RunNow(ctx, e.Client, e.Config, date)
	require.NoError(t, err)
	assert.Zero(t, first.Changes, "nothing to diff the first snapshot against")
	assert.False(t, first.Alerted)
	var entra contract.PolicySnapshotResult
	for _, d := range first.Directories {
		if d.Directory == "entra" {
			entra = d
		}
	}
	require.Equal(t, 3, entra.Policies, "the demo tenant's three Conditional Access policies")
	rel, err := activities.PolicySnapshotPath(date, "entra")
	require.NoError(t, err)
	assert.Equal(t, rel, entra.File)
	path := filepath.Join(e.Config.Evidence.Dir, rel)
	sum, err := activities.FileSHA256(path)
	require.NoError(t, err)
	side, err := os.ReadFile(path + ".sha256")
	require.NoError(t, err)
	assert.Equal(t, sum+"  policies-entra.json\n", string(side))
	assert.Len(t, e.Emulators.Slack.Messages(channel), before, "no drift, no alert")

	u, ok := e.Emulators.Graph.UserByEmployeeID(e.Org.Employees[3].EmployeeID)
	require.True(t, ok)
	require.True(t, e.Emulators.Graph.PatchCAPolicy(graphemu.CAPolicyRequireMFA, map[string]any{
		"state":      "enabledForReportingButNotEnforced",
		"conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{u.ID}}},
	}))
	second, err := posture.RunNow(ctx, e.Client, e.Config, date)
	require.NoError(t, err)
	assert.True(t, second.Alerted)
	assert.Equal(t, 2, second.Changes, "the state and the exclusion, nothing else: %+v", second.Directories)
	msgs := e.Emulators.Slack.Messages(channel)
	require.Len(t, msgs, before+1)
	text := msgs[len(msgs)-1].Text
	for _, want := range []string{
		"Sign-in policy drift on " + date,
		`Require MFA for all users (` + graphemu.CAPolicyRequireMFA + `): state: "enabled" → "enabledForReportingButNotEnforced"`,
		`conditions.users.excludeUsers: [] → ["` + u.ID + `"]`,
		rel,
	} {
		assert.True(t, strings.Contains(text, want), "alert lacks %q:\n%s", want, text)
	}
}

// TestKPIReportMFAPosture: the month's KPI report, from the demo tenant,
// keeps registered (strong vs weak), enforced and used MFA apart, names
// the seeded legacy-protocol sign-ins and writes the action plan.
func TestKPIReportMFAPosture(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	month := time.Now().UTC().Format(contract.MonthLayout)
	var ids []string
	strong := 0
	for _, emp := range e.Org.Employees {
		ids = append(ids, emp.EmployeeID)
		if emp.MFA {
			strong++
		}
	}
	res, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindAll, ids)
	require.NoError(t, err)
	var rep activities.KPIReport
	b, err := os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	m := rep.Facts.MFA
	require.NotNil(t, m)
	assert.Equal(t, len(ids), m.Employees)
	for _, d := range m.Directories {
		switch d.Directory {
		case "entra", "okta":
			assert.Equal(t, strong, d.Strong, d.Directory)
			assert.Equal(t, len(ids)-strong, d.WeakOnly, "%s: the demo's employees without MFA have SMS only", d.Directory)
			assert.Equal(t, len(ids), d.Enforced, d.Directory)
			assert.False(t, d.LogMissing, d.Directory)
			assert.Positive(t, d.Used, d.Directory)
		case "google":
			assert.Less(t, d.Enforced, d.Enabled, "every ninth demo user has no 2SV enforced")
		}
	}
	assert.Positive(t, m.LegacyTotal)
	results := map[string]string{}
	for _, c := range m.Controls {
		results[c.ControlID] = c.Result
	}
	assert.Equal(t, "Pass", results["MS.AAD.3.2"])
	assert.Equal(t, "Pass", results["MS.AAD.1.1"])
	assert.Equal(t, "Fail", results["GWS.2SV.1"])
	assert.Equal(t, "Fail", results["MS.AAD.3.5"], "SMS-only accounts")
	_, err = os.Stat(filepath.Join(e.Config.Evidence.Dir, m.ActionPlan))
	require.NoError(t, err)
	ids2 := map[string]bool{}
	for _, k := range rep.KPIs {
		ids2[k.ID] = true
	}
	for _, id := range []string{activities.KPIMFARegistered, activities.KPIMFAEnforced, activities.KPIMFAUsed, activities.KPIMFABlindSpots, activities.KPIMFABaseline} {
		assert.True(t, ids2[id], id)
	}
	h, err := os.ReadFile(res.KPI.HTML)
	require.NoError(t, err)
	assert.Contains(t, string(h), "IMAP4", "the HTML names the legacy sign-ins")
}

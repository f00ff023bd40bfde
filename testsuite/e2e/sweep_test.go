package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/starters/sweep"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestPrivilegeSweepEndToEnd runs `jml sweep`'s path against the emulators
// seeded with the sweep's accounts: the standing admin jml holds an HR
// record for loses the role after the grace period, the two break-glass
// Global Admins keep theirs, the unknown service principal is escalated to
// the security channel, and the orphan Okta account and the former
// employee's re-enabled zoom account are disabled after theirs. Google and
// JumpCloud are swept too: the standing admin's Google role and JumpCloud
// sudo go after the grace period, the Google super admin outside HR is
// escalated, and the orphan JumpCloud account is suspended.
func TestPrivilegeSweepEndToEnd(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Sweep: true, Configure: func(c *config.Config) {
		c.Sweep.Grace, c.Sweep.OrphanGrace = config.Duration(2*time.Second), config.Duration(2*time.Second)
		c.Sweep.EscalationSLA = config.Duration(time.Hour)
		c.Sweep.Owners = map[string]string{"okta": "E0001", "scim:zoom": "E0001", "jumpcloud": "E0001"}
		c.Directories.JumpCloud.Enabled = true
	}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// HR: E0007 (IT, a seeded standing User Administrator) and their
	// manager E0001 are held; the former employee has left.
	var e7 demoorg.Employee
	for _, emp := range e.Org.Employees {
		if emp.EmployeeID == "E0001" || emp.EmployeeID == "E0007" {
			sendHR(t, e, emp.Record)
		}
		if emp.EmployeeID == "E0007" {
			e7 = emp
		}
	}
	former := demoorg.FormerRecord()
	former.TerminationDate = time.Now().UTC().AddDate(0, -1, 0).Format(time.DateOnly)
	sendHR(t, e, former)
	waitHeld(t, e, map[string]string{"E0001": "active", "E0007": "active", demoorg.FormerEmployee: "terminated"})
	// an app admin re-enabled the former employee's zoom account after the leaver
	formerLogin := "pat.former9001@" + demoorg.Domain
	require.True(t, e.Emulators.SCIM.SetActive("zoom", formerLogin, true))

	date := time.Now().UTC().Format(contract.DateLayout)
	res, err := sweep.RunNow(ctx, e.Client, e.Config, date, false)
	require.NoError(t, err)
	assert.Equal(t, 2, res.KPI.BreakGlass)
	assert.Equal(t, 3, res.KPI.GlobalAdmins, "two break-glass and the legacy admin")
	assert.Positive(t, res.KPI.StandingOutsideJIT)
	assert.Equal(t, 3, res.KPI.Orphans, "the Okta and JumpCloud accounts no HR record owns, and the former employee's zoom account")

	b, err := os.ReadFile(filepath.Join(e.Config.Evidence.Dir, filepath.FromSlash(res.Evidence.Path)))
	require.NoError(t, err)
	var facts contract.SweepFacts
	require.NoError(t, json.Unmarshal(b, &facts))
	assert.Equal(t, res.KPI, facts.KPI)
	child := func(kind string, match func(h contract.SweepHolder) bool) string {
		for _, h := range facts.Inventory.Holders {
			if match(h) {
				return contract.SweepChildID(kind, h.Key)
			}
		}
		t.Fatalf("no %s holder in %s", kind, res.Evidence.Path)
		return ""
	}
	standingID := child("standing", func(h contract.SweepHolder) bool {
		return h.Directory == "entra" && h.EmployeeID == "E0007" && h.Class == contract.SweepStanding
	})
	unknownSP := child("unknown", func(h contract.SweepHolder) bool { return h.Login == demoorg.UnknownAppID })
	assert.Contains(t, res.Children, standingID)
	assert.Contains(t, res.Children, unknownSP)

	// the standing admin: removed after the grace period, read back
	var out contract.SweepOutcome
	require.NoError(t, e.Client.GetWorkflow(ctx, standingID, "").Get(ctx, &out))
	assert.Equal(t, "removed", out.Outcome)
	u, ok := e.Emulators.Graph.User(e7.Email)
	require.True(t, ok)
	assert.NotContains(t, e.Emulators.Graph.PrincipalRoles(u.ID), "User Administrator")
	assert.NotEmpty(t, e.Emulators.Slack.MessagesTo(e7.Email), "the standing admin was told")

	// the break-glass accounts keep their Global Admin
	for _, bg := range []string{demoorg.BreakGlass1, demoorg.BreakGlass2} {
		u, ok := e.Emulators.Graph.User(bg)
		require.True(t, ok)
		assert.Contains(t, e.Emulators.Graph.PrincipalRoles(u.ID), "Global Administrator", bg)
	}

	// the unknown service principal: escalated, its role untouched
	sec := e.Config.Slack.SecurityChannel
	eventuallyTrue(t, "the unknown service principal escalated to "+sec, func() bool {
		for _, m := range e.Emulators.Slack.Messages(sec) {
			if strings.Contains(m.Text, demoorg.UnknownAppID) {
				return true
			}
		}
		return false
	})
	for _, sp := range e.Emulators.Graph.ServicePrincipals() {
		if sp.AppID == demoorg.UnknownAppID {
			assert.Contains(t, e.Emulators.Graph.PrincipalRoles(sp.ID), "Global Reader")
		}
	}

	// Google and JumpCloud: the standing admin's role and sudo removed, read
	// back; the Google super admin outside HR escalated, its role kept
	jc := e.Emulators.JumpCloud
	eventuallyTrue(t, "E0007's JumpCloud sudo and it-sudo membership removed", func() bool {
		u, ok := jc.UserByEmployeeID("E0007")
		return ok && !u.Sudo && !slices.Contains(jc.GroupsOf(u.ID), "it-sudo")
	})
	eventuallyTrue(t, "E0007's standing Google role removed", func() bool {
		for _, ra := range e.Emulators.Google.RoleAssignments(e7.Email) {
			if ra.RoleName == "User Administrator" {
				return false
			}
		}
		return true
	})
	eventuallyTrue(t, "the Google super admin escalated to "+sec, func() bool {
		for _, m := range e.Emulators.Slack.Messages(sec) {
			if strings.Contains(m.Text, demoorg.GoogleSuperAdmin) {
				return true
			}
		}
		return false
	})
	assert.NotEmpty(t, e.Emulators.Google.RoleAssignments(demoorg.GoogleSuperAdmin), "an unknown holder is escalated, not removed")
	eventuallyTrue(t, "the orphan JumpCloud account suspended", func() bool {
		u, ok := jc.UserByEmail(demoorg.JumpCloudOrphan)
		return ok && u.Suspended
	})

	// the orphans: disabled after their grace period
	ou, ok := e.Emulators.Okta.UserByLogin(demoorg.OrphanOkta)
	require.True(t, ok)
	eventuallyTrue(t, "the orphan Okta account deactivated", func() bool { return e.Emulators.Okta.Status(ou.ID) == "DEPROVISIONED" })
	eventuallyTrue(t, "the former employee's zoom account disabled", func() bool { return !e.Emulators.SCIM.Active("zoom", formerLogin) })

	// tomorrow's sweep does not start a running escalation twice
	again, err := sweep.RunNow(ctx, e.Client, e.Config, time.Now().UTC().AddDate(0, 0, 1).Format(contract.DateLayout), true)
	require.NoError(t, err)
	var inProgress bool
	for _, o := range again.Outcomes {
		if o.Key == strings.TrimPrefix(unknownSP, "sweep/unknown/") {
			inProgress = o.Outcome == "in_progress"
		}
	}
	assert.True(t, inProgress, "the escalation still inside its SLA is in progress: %+v", again.Outcomes)
}

// waitHeld waits until visibility shows each employee's Employee workflow
// with the lifecycle status wanted (the sweep's HR side reads it there).
func waitHeld(t *testing.T, e *harness.Env, want map[string]string) {
	t.Helper()
	eventuallyTrue(t, fmt.Sprintf("HR records held %v", want), func() bool {
		resp, err := e.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: e.Config.Temporal.Namespace, Query: fmt.Sprintf("WorkflowType = %q", contract.EmployeeWorkflowName)})
		if err != nil {
			return false
		}
		got := map[string]string{}
		for _, ex := range resp.GetExecutions() {
			id := strings.TrimPrefix(ex.GetExecution().GetWorkflowId(), contract.EmployeeWorkflowID(""))
			var st string
			if p := ex.GetSearchAttributes().GetIndexedFields()[contract.LifecycleStatusKey.GetName()]; p != nil {
				_ = json.Unmarshal(p.GetData(), &st)
			}
			got[id] = st
		}
		for id, s := range want {
			if got[id] != s {
				return false
			}
		}
		return true
	})
}

func eventuallyTrue(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s: not reached within 60s", what)
}

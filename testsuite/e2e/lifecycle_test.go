package e2e

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestJoinerMoverLeaver follows one person through their whole life at the
// company and checks every directory after each step.
func TestJoinerMoverLeaver(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emu := e.Emulators
	rec := e.Org.Joiners[0] // hired, in HR only: no account anywhere yet
	rec.Department, rec.Title = "Engineering", "SRE"
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly) // started: enabled at once
	manager := e.Org.Employees[0]                                                         // E0001 heads the company
	rec.ManagerEmployeeID = manager.EmployeeID
	googleGroup := func(g string) string { return g + "@" + demoorg.Domain }

	// Joiner: accounts, birthright and role access, manager, apps, manager
	// told (at the work email of the manager's HR record, so jml holds it).
	sendHR(t, e, manager.Record)
	sendHR(t, e, rec)
	eventually(t, e, rec.EmployeeID, "joiner provisioned everywhere", func() (bool, string) {
		gu, ok := emu.Graph.UserByEmployeeID(rec.EmployeeID)
		if !ok || !gu.AccountEnabled {
			return false, fmt.Sprintf("entra user %+v", ok)
		}
		groups := emu.Graph.GroupsOf(gu.ID)
		if !slices.Contains(groups, "dept-engineering") || !slices.Contains(groups, "all-staff") || gu.ManagerID == "" || len(gu.Licenses) == 0 {
			return false, fmt.Sprintf("entra groups %v manager %q licenses %v", groups, gu.ManagerID, gu.Licenses)
		}
		ou, ok := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		// PROVISIONED: activated, waiting for the person to set a password.
		if !ok || (ou.Status != "ACTIVE" && ou.Status != "PROVISIONED") || !slices.Contains(emu.Okta.GroupsOf(ou.ID), "dept-engineering") {
			return false, fmt.Sprintf("okta user %v status %q", ok, ou.Status)
		}
		if u, ok := emu.Google.User(rec.Email); !ok || u.Suspended || !emu.Google.IsMember(googleGroup("dept-engineering"), rec.Email) {
			return false, "google user"
		}
		if !emu.SCIM.Active("github", rec.Email) || !emu.SCIM.Active("zoom", rec.Email) {
			return false, "scim apps"
		}
		return len(emu.Slack.MessagesTo(manager.Email)) > 0, "manager not told yet"
	})
	gu, _ := emu.Graph.UserByEmployeeID(rec.EmployeeID)
	mgr, _ := emu.Graph.UserByEmployeeID(manager.EmployeeID)
	assert.Equal(t, mgr.ID, gu.ManagerID, "manager set in Entra")
	assert.Equal(t, rec.Email, gu.UserPrincipalName)
	assert.False(t, emu.SCIM.Active("salesforce", rec.Email), "no app the role does not grant")
	assert.Contains(t, emu.Slack.MessagesTo(manager.Email)[0].Text, rec.EmployeeID)

	// Mover: Engineering → Sales. What Sales grants is added, what it no
	// longer justifies is removed.
	move := rec
	move.Department, move.Title = "Sales", "Account Executive"
	sendHR(t, e, move)
	eventually(t, e, rec.EmployeeID, "mover right-sized", func() (bool, string) {
		groups := emu.Graph.GroupsOf(gu.ID)
		if !slices.Contains(groups, "dept-sales") || slices.Contains(groups, "dept-engineering") {
			return false, fmt.Sprintf("entra groups %v", groups)
		}
		ou, _ := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		og := emu.Okta.GroupsOf(ou.ID)
		if !slices.Contains(og, "dept-sales") || slices.Contains(og, "dept-engineering") {
			return false, fmt.Sprintf("okta groups %v", og)
		}
		if !emu.Google.IsMember(googleGroup("dept-sales"), rec.Email) || emu.Google.IsMember(googleGroup("dept-engineering"), rec.Email) {
			return false, "google groups"
		}
		return emu.SCIM.Active("salesforce", rec.Email) && !emu.SCIM.Active("github", rec.Email), "scim apps"
	})
	assert.True(t, emu.SCIM.Active("zoom", rec.Email), "birthright app kept")
	assert.Contains(t, emu.Graph.GroupsOf(gu.ID), "all-staff", "birthright group kept")

	// Leaver, effective now: every directory disabled, sessions revoked,
	// access removed, apps deactivated, one row in the offboarding log.
	leave := move
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	logPath := filepath.Join(e.Config.Evidence.Dir, "Governance", "Offboarding_Log.csv")
	eventually(t, e, rec.EmployeeID, "leaver deprovisioned and logged", func() (bool, string) {
		g, _ := emu.Graph.UserByEmployeeID(rec.EmployeeID)
		if g.AccountEnabled {
			return false, "entra still enabled"
		}
		if n, _ := emu.Graph.SessionsRevoked(g.ID); n == 0 {
			return false, "entra sessions not revoked"
		}
		ou, _ := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		if ou.Status != "DEPROVISIONED" && ou.Status != "SUSPENDED" {
			return false, "okta status " + ou.Status
		}
		if !emu.Google.Suspended(rec.Email) || emu.Google.SignedOut(rec.Email) == 0 {
			return false, "google not suspended and signed out"
		}
		if emu.SCIM.Active("salesforce", rec.Email) || emu.SCIM.Active("zoom", rec.Email) {
			return false, "scim still active"
		}
		_, err := os.Stat(logPath)
		return err == nil, "no offboarding log yet"
	})
	assert.Empty(t, emu.Graph.GroupsOf(gu.ID), "entra groups removed")
	assert.Empty(t, emu.Graph.Licenses(gu.ID), "licenses removed")
	assert.False(t, emu.Google.IsMember(googleGroup("all-staff"), rec.Email))

	f, err := os.Open(logPath)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2, "a header and exactly one row")
	row := strings.Join(rows[1], "|")
	assert.Contains(t, row, rec.EmployeeID)
	assert.Contains(t, row, "employee/"+rec.EmployeeID)
	assert.NotContains(t, row, rec.Email, "the evidence log names the employee by id")
}

// TestExistingEmployeeLeavesAndAFutureTerminationIsCancelled covers the two
// leaver paths HR sends most: an employee jml has never seen before (their
// accounts predate jml) terminated now, and a future-dated termination that
// HR withdraws before it takes effect.
func TestExistingEmployeeLeavesAndAFutureTerminationIsCancelled(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emu := e.Emulators

	// E0014 is an IT admin: standing admin roles, devices, apps.
	now := e.Org.Employees[13].Record
	require.NotEmpty(t, e.Org.Employees[13].AdminRoles)
	gu, ok := emu.Graph.UserByEmployeeID(now.EmployeeID)
	require.True(t, ok)
	require.NotEmpty(t, emu.Graph.RoleAssignments(gu.ID), "seeded with a standing admin role")
	now.Status = domain.HRTerminated
	now.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, now)

	// Scheduled for tomorrow, then withdrawn.
	later := e.Org.Employees[20].Record
	later.Status = domain.HRTerminated
	later.TerminationEffectiveAt = time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second)
	sendHR(t, e, later)

	eventually(t, e, now.EmployeeID, "existing employee deprovisioned", func() (bool, string) {
		g, _ := emu.Graph.UserByEmployeeID(now.EmployeeID)
		if g.AccountEnabled || len(emu.Graph.RoleAssignments(g.ID)) > 0 {
			return false, "entra still enabled or admin"
		}
		if len(emu.Okta.AdminRoles(mustOkta(t, e, now.EmployeeID))) > 0 {
			return false, "okta admin role kept"
		}
		for _, d := range emu.Graph.Devices(gu.ID) {
			if !d.Retired() {
				return false, "device " + d.ID + " not retired"
			}
		}
		return emu.Google.Suspended(now.Email), "google not suspended"
	})
	assert.NotEmpty(t, emu.Graph.Devices(gu.ID), "the retired device is still listed, marked retired")

	// The withdrawn termination: HR says active again before it is due.
	eventually(t, e, later.EmployeeID, "termination scheduled", func() (bool, string) {
		st := stateOf(e, later.EmployeeID)
		return strings.Contains(st, `"termination-scheduled"`), st
	})
	withdrawn := e.Org.Employees[20].Record
	withdrawn.Source = "test"
	sendHR(t, e, withdrawn)
	eventually(t, e, later.EmployeeID, "termination cancelled", func() (bool, string) {
		st := stateOf(e, later.EmployeeID)
		return strings.Contains(st, `"status": "active"`) && !strings.Contains(st, `"leaver"`), st
	})
	g, _ := emu.Graph.UserByEmployeeID(later.EmployeeID)
	assert.True(t, g.AccountEnabled, "nothing was revoked")
	assert.NotEmpty(t, emu.Graph.GroupsOf(g.ID))
}

func mustOkta(t *testing.T, e *harness.Env, employeeID string) string {
	t.Helper()
	u, ok := e.Emulators.Okta.UserByEmployeeNumber(employeeID)
	require.True(t, ok, "okta user of %s", employeeID)
	return u.ID
}

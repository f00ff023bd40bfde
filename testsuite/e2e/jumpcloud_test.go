package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/jumpcloudemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/testsuite/harness"
)

// withJumpCloud enables the emulated JumpCloud organisation with the same
// catalog groups as Okta (declared, birthright and from each rule), the
// sudo roles, and a requestable jumpcloud-sudo elevation.
func withJumpCloud(cfg *config.Config) {
	cfg.Directories.JumpCloud.Enabled = true
	cat := &cfg.Catalog
	cat.Groups[config.JumpCloud] = slices.Clone(cat.Groups[config.Okta])
	cat.AdminRoles[config.JumpCloud] = slices.Clone(config.JumpCloudAdminRoles)
	cat.Birthright.Groups[config.JumpCloud] = slices.Clone(cat.Birthright.Groups[config.Okta])
	for i, r := range cat.Rules {
		if g := r.Groups[config.Okta]; len(g) > 0 {
			cat.Rules[i].Groups[config.JumpCloud] = slices.Clone(g)
		}
		if len(r.AdminRoles) > 0 {
			cat.Rules[i].AdminRoles[config.JumpCloud] = []string{"sudo"}
		}
	}
	cfg.Elevation.Roles = append(cfg.Elevation.Roles, config.ElevationRole{Name: "jumpcloud-sudo", Directory: config.JumpCloud, Role: "sudo",
		MaxDuration: config.Duration(2 * time.Hour), Approver: "manager"})
}

// TestJumpCloudJoinerMoverLeaver: a JumpCloud organisation goes through
// joiner, mover and leaver like the other directories, read back from the
// emulator after each step.
func TestJumpCloudJoinerMoverLeaver(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: withJumpCloud})
	jc := e.Emulators.JumpCloud
	rec := e.Org.Joiners[0]
	rec.Department, rec.Title = "Engineering", "SRE"
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	manager := e.Org.Employees[0]
	rec.ManagerEmployeeID = manager.EmployeeID
	_, exists := jc.UserByEmployeeID(rec.EmployeeID)
	require.False(t, exists, "the joiner has no JumpCloud user yet")

	sendHR(t, e, manager.Record)
	sendHR(t, e, rec)
	var u jumpcloudemu.User
	eventually(t, e, rec.EmployeeID, "joiner provisioned in JumpCloud", func() (bool, string) {
		var ok bool
		u, ok = jc.UserByEmployeeID(rec.EmployeeID)
		if !ok || u.State != "ACTIVATED" || u.Suspended {
			return false, fmt.Sprintf("user %v state %q", ok, u.State)
		}
		groups := jc.GroupsOf(u.ID)
		return slices.Contains(groups, "dept-engineering") && slices.Contains(groups, "all-staff") && u.Manager != "", fmt.Sprintf("groups %v manager %q", groups, u.Manager)
	})
	mgr, _ := jc.UserByEmployeeID(manager.EmployeeID)
	assert.Equal(t, mgr.ID, u.Manager, "manager linked to the manager's JumpCloud user")
	assert.Equal(t, rec.Email, u.Email)
	assert.Equal(t, jumpcloudemu.Username(rec.Email), u.Username)
	assert.Equal(t, "SRE", u.JobTitle)
	assert.False(t, u.Sudo, "no standing admin right from a rule")

	// Mover: Engineering → Sales.
	move := rec
	move.Department, move.Title = "Sales", "Account Executive"
	sendHR(t, e, move)
	eventually(t, e, rec.EmployeeID, "mover right-sized in JumpCloud", func() (bool, string) {
		groups := jc.GroupsOf(u.ID)
		cur, _ := jc.UserByID(u.ID)
		return slices.Contains(groups, "dept-sales") && !slices.Contains(groups, "dept-engineering") && cur.Department == "Sales" && cur.JobTitle == "Account Executive",
			fmt.Sprintf("groups %v department %q title %q", groups, cur.Department, cur.JobTitle)
	})
	assert.Contains(t, jc.GroupsOf(u.ID), "all-staff", "birthright kept")

	// The new laptop is bound to them before they leave.
	laptop := jc.AddSystem(jumpcloudemu.System{DisplayName: "LAPTOP-" + rec.EmployeeID, OS: "Mac OS X", OSFamily: "darwin", Active: true, MDMVendor: "internal", FDEActive: true}, u.ID)

	leave := move
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	logPath := filepath.Join(e.Config.Evidence.Dir, "Governance", "Offboarding_Log.csv")
	eventually(t, e, rec.EmployeeID, "leaver suspended in JumpCloud and logged", func() (bool, string) {
		cur, _ := jc.UserByID(u.ID)
		if !cur.Suspended || cur.State != "SUSPENDED" {
			return false, "state " + cur.State
		}
		if g := jc.GroupsOf(u.ID); len(g) > 0 {
			return false, fmt.Sprintf("groups %v", g)
		}
		b, err := os.ReadFile(logPath)
		return err == nil && strings.Contains(string(b), rec.EmployeeID), "no offboarding row yet"
	})
	for _, s := range jc.SystemsOf(u.ID) {
		if s.ID == laptop {
			assert.GreaterOrEqual(t, s.Locks, 1, "the leaver's laptop was locked")
		}
	}
	require.Len(t, jc.SystemsOf(u.ID), 1)
	b, err := os.ReadFile(logPath)
	require.NoError(t, err)
	assert.Contains(t, string(b), "jumpcloud", "the offboarding row covers JumpCloud")
	st := stateOf(e, rec.EmployeeID)
	assert.Contains(t, st, `"jumpcloud"`, "the employee's accounts include JumpCloud")
	key := e.Emulators.Creds.JumpCloud
	require.NotEmpty(t, key)
	assert.NotContains(t, e.Logs.String(), key, "the JumpCloud API key is never logged")
	assert.NotContains(t, string(b)+st, key, "nor in the evidence or the workflow state")
}

// TestJumpCloudStandingAdminLeaves: an IT admin with standing sudo leaves;
// the sudo right goes with the account.
func TestJumpCloudStandingAdminLeaves(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: withJumpCloud})
	jc := e.Emulators.JumpCloud
	emp := e.Org.Employees[13]
	require.NotEmpty(t, emp.AdminRoles)
	u, ok := jc.UserByEmployeeID(emp.EmployeeID)
	require.True(t, ok)
	require.True(t, u.Sudo, "seeded with standing sudo")
	r := emp.Record
	r.Status = domain.HRTerminated
	r.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, r)
	eventually(t, e, emp.EmployeeID, "admin offboarded in JumpCloud", func() (bool, string) {
		cur, _ := jc.UserByID(u.ID)
		locked := true
		for _, s := range jc.SystemsOf(u.ID) {
			locked = locked && s.Locks > 0
		}
		return cur.Suspended && !cur.Sudo && !cur.PasswordlessSudo && len(jc.GroupsOf(u.ID)) == 0 && locked, // it-sudo included
			fmt.Sprintf("suspended %v sudo %v groups %v devices locked %v", cur.Suspended, cur.Sudo, jc.GroupsOf(u.ID), locked)
	})
	require.NotEmpty(t, jc.SystemsOf(u.ID), "the admin's laptop is still listed")
}

// TestJumpCloudElevation: /elevate jumpcloud-sudo, the manager approves in
// Slack, the device gate reads the JumpCloud laptop and the MFA gate its
// TOTP, sudo is set in JumpCloud and nowhere else, and an early revoke
// clears it, read back.
func TestJumpCloudElevation(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: withJumpCloud})
	jc := e.Emulators.JumpCloud
	ctx := context.Background()
	who := elevationRequester(t, e)
	mgr := byID(t, e, who.ManagerEmployeeID)
	u, ok := jc.UserByEmployeeID(who.EmployeeID)
	require.True(t, ok)
	require.False(t, u.Sudo)
	for _, emp := range []demoorg.Employee{who, mgr} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	status, body, err := e.Emulators.Slack.SlashCommand(ctx, who.Email, "/elevate", "jumpcloud-sudo 1h patch a build server")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	m := regexp.MustCompile(`request ([0-9a-f-]{36})`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	wid := contract.ElevationWorkflowID(m[1])
	approval := approvalTo(t, e, who.EmployeeID, mgr.Email, m[1])
	status, body, err = e.Emulators.Slack.Press(ctx, approval.TS, "approve", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.Contains(t, body, "Recorded: approve")

	eventually(t, e, who.EmployeeID, "sudo granted in JumpCloud", func() (bool, string) {
		cur, _ := jc.UserByID(u.ID)
		return cur.Sudo, fmt.Sprintf("sudo %v", cur.Sudo)
	})
	var st contract.ElevationState
	eventually(t, e, who.EmployeeID, "workflow active", func() (bool, string) {
		st = elevationState(t, e, wid)
		return st.Status == domain.ElevationActive, string(st.Status)
	})
	assert.Equal(t, config.JumpCloud, st.Directory)
	assert.Equal(t, u.ID, st.AccountID)
	assert.Empty(t, e.Emulators.Graph.RoleAssignments(who.Email), "nothing granted in Entra")
	assert.Contains(t, fmt.Sprintf("%+v", st), config.JumpCloud)

	h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: contract.UpdateRevoke,
		Args:         []any{contract.ElevationDecision{Actor: contract.Actor{EmployeeID: who.EmployeeID, Via: "cli"}, Reason: "done"}},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	require.NoError(t, err)
	var res contract.ElevationDecisionResult
	require.NoError(t, h.Get(ctx, &res))
	require.Equal(t, domain.DecisionAccepted, res.Result, res.Message)
	var final contract.ElevationState
	require.NoError(t, e.Client.GetWorkflow(ctx, wid, "").Get(ctx, &final))
	assert.Equal(t, domain.ElevationRevoked, final.Status)
	assert.True(t, final.RevokeVerified)
	cur, _ := jc.UserByID(u.ID)
	assert.False(t, cur.Sudo, "sudo is gone from JumpCloud")
}

// TestJumpCloudEvidence: with JumpCloud enabled, the month's export holds
// its Directory Insights events (as many as the emulator has in the month),
// and the KPI report counts its standing sudo admins.
func TestJumpCloudEvidence(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: withJumpCloud})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// this tenant keeps more than this month of Entra logs: the month is
	// complete whatever day it is
	e.Config.Evidence.LogRetentionDays = map[string]int{"entra": 60}
	now := time.Now().UTC()
	month := now.Format(contract.MonthLayout)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	// a sign-in inside the month, whatever day it is
	e.Emulators.JumpCloud.AddEvent(jumpcloudemu.Event{EventType: "sso_auth", Service: "sso", Success: true, Timestamp: from.Add(time.Minute), InitiatedBy: map[string]any{"type": "user", "id": "x"}})
	var ids []string
	for _, emp := range e.Org.Employees {
		ids = append(ids, emp.EmployeeID)
	}
	res, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindAll, ids)
	require.NoError(t, err)
	var m activities.LogManifest
	b, err := os.ReadFile(res.Logs.Manifest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	require.True(t, m.Complete, "%+v", m)
	var jc *contract.LogFile
	for i, f := range m.Files {
		if f.Directory == config.JumpCloud {
			jc = &m.Files[i]
		}
	}
	require.NotNil(t, jc, "a JumpCloud file in %+v", m.Files)
	assert.Equal(t, e.Emulators.JumpCloud.EventsBetween(from, from.AddDate(0, 1, 0)), jc.Events)
	assert.Positive(t, jc.Events)

	var rep activities.KPIReport
	b, err = os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	var sudo, group int
	for _, s := range rep.Facts.Assessment.StandingAdmins {
		if s.Directory == config.JumpCloud && s.Role == "sudo" {
			sudo++
		}
		if s.Directory == config.JumpCloud && s.Role == "group:"+jumpcloudemu.SudoGroup {
			group++
		}
	}
	want := 0
	for _, emp := range e.Org.Employees {
		if len(emp.AdminRoles) > 0 {
			want++
		}
	}
	assert.Equal(t, want, sudo, "every seeded sudo admin counted")
	assert.Equal(t, want, group, "and their sudo-enabled group")
	assert.Equal(t, len(ids), rep.Facts.Assessment.EnabledInAll, "enabled in every directory, JumpCloud included")
}

// TestJumpCloudUnderFaults: a joiner and a leaver while a fifth of
// JumpCloud's answers are 429s, 5xx, lost answers (the write took effect,
// the client saw a 502), dropped connections or slow: the end state is
// the same, with no duplicate user.
func TestJumpCloudUnderFaults(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: withJumpCloud})
	jc := e.Emulators.JumpCloud
	jc.SetSeed(13)
	for _, f := range []emulator.Fault{
		{Status: 429, RetryAfter: time.Second, Probability: 0.06},
		{Status: 503, Probability: 0.04},
		{Status: 502, After: true, Probability: 0.04},
		{Drop: true, Probability: 0.02},
		{Latency: 200 * time.Millisecond, Probability: 0.04},
	} {
		jc.AddFault(f)
	}
	rec := e.Org.Joiners[1]
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	rec.ManagerEmployeeID = e.Org.Employees[0].EmployeeID
	sendHR(t, e, e.Org.Employees[0].Record)
	sendHR(t, e, rec)
	var u jumpcloudemu.User
	eventually(t, e, rec.EmployeeID, "joiner provisioned through faults", func() (bool, string) {
		var ok bool
		u, ok = jc.UserByEmployeeID(rec.EmployeeID)
		return ok && u.State == "ACTIVATED" && slices.Contains(jc.GroupsOf(u.ID), "all-staff") && u.Manager != "", fmt.Sprintf("%v %q %v", ok, u.State, jc.GroupsOf(u.ID))
	})
	leave := rec
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	eventually(t, e, rec.EmployeeID, "leaver suspended through faults", func() (bool, string) {
		cur, _ := jc.UserByID(u.ID)
		st := stateOf(e, rec.EmployeeID)
		return cur.Suspended && len(jc.GroupsOf(u.ID)) == 0 && strings.Contains(st, `"terminated"`), fmt.Sprintf("suspended %v groups %v", cur.Suspended, jc.GroupsOf(u.ID))
	})
	assert.Positive(t, jc.Injected()["502 after"]+jc.Injected()["503"]+jc.Injected()["429"], "faults were injected: %v", jc.Injected())
	assert.Equal(t, 1, jc.CountByEmail(rec.Email), "one JumpCloud user for the joiner")
}

package activities_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/workers"
)

// newSweepRig is newRig with the sweep's accounts outside HR seeded.
func newSweepRig(t testing.TB) *rig { return newSweepRigOf(t, 40) }

// newSweepRigOf is newSweepRig over an organisation of n employees.
func newSweepRigOf(t testing.TB, n int) *rig {
	t.Helper()
	org := demoorg.New(n, 3)
	set, err := emulators.Start(emulators.Options{Org: org, SweepAccounts: demoorg.SweepAccounts()})
	require.NoError(t, err)
	t.Cleanup(func() { _ = set.Close() })
	env := set.Creds.Env()
	cfg, err := config.LoadWithEnv("../config/demo.yaml", func(k string) string { return env[k] })
	require.NoError(t, err)
	set.Configure(cfg)
	cfg.Directories.JumpCloud.Enabled = true // its sudo users and orphan join
	deps, err := workers.BuildDeps(context.Background(), cfg)
	require.NoError(t, err)
	// the former employee is among the HR records jml holds
	book := org
	book.Employees = append(book.Employees, demoorg.Employee{Record: demoorg.FormerRecord()})
	a := &activities.Activities{Directories: deps.Directories, Apps: deps.Apps, Catalog: cfg.Catalog.Domain(),
		EvidenceDir: t.TempDir(), Logger: zerolog.Nop(), People: hrBook(book)}
	var s sdktest.WorkflowTestSuite
	aenv := s.NewTestActivityEnvironment()
	a.Register(aenv)
	return &rig{t: t, set: set, org: org, cfg: cfg, acts: a, env: aenv}
}

func TestSweepInventoryAgainstTheEmulators(t *testing.T) {
	r := newSweepRig(t)
	in := r.cfg.SweepInput()
	hr := map[string]string{demoorg.FormerEmployee: "terminated"}
	for _, e := range r.org.Employees {
		hr[e.EmployeeID] = "active"
	}
	// E0014 (IT) holds User Administrator through an active elevation, and
	// Google's User Management Administrator too; E0007 holds the latter
	// standing
	e7, e14 := r.employee("E0007"), r.employee("E0014")
	require.True(t, r.set.Google.AssignRole(e14.Email, "User Management Administrator"))
	require.True(t, r.set.Google.AssignRole(e7.Email, "User Management Administrator"))
	inv := contract.SweepInventoryInput{Date: "2026-12-02", Directories: []string{"entra", "okta", "google", "jumpcloud"}, Apps: []string{"zoom"},
		Elevated:       map[string][]contract.ElevationRoleRef{"E0014": {{Directory: "entra", Role: "User Administrator"}, {Directory: "google", Role: "User Management Administrator"}}},
		ElevationRoles: in.ElevationRoles,
		BreakGlass:     in.BreakGlass, ServiceAccounts: in.ServiceAccounts, HR: hr}
	var out contract.SweepInventoryOutput
	r.must(contract.SweepInventory.Name, inv, &out)

	byLogin := map[string][]contract.SweepHolder{}
	for _, h := range out.Holders {
		byLogin[h.Directory+"/"+strings.ToLower(h.Login)] = append(byLogin[h.Directory+"/"+strings.ToLower(h.Login)], h)
	}
	one := func(key string) contract.SweepHolder {
		t.Helper()
		require.Len(t, byLogin[key], 1, key)
		return byLogin[key][0]
	}
	std := one("entra/" + strings.ToLower(e7.Email))
	assert.Equal(t, contract.SweepStanding, std.Class)
	assert.Equal(t, "User Administrator", std.Role)
	assert.Equal(t, "entra-user-admin", std.Elevation, "the notice names the JIT role to request")
	assert.Equal(t, e7.ManagerEmployeeID, std.Manager)
	assert.True(t, std.Permanent)
	assert.Equal(t, contract.SweepJIT, one("entra/"+strings.ToLower(e14.Email)).Class)
	assert.Equal(t, contract.SweepStanding, one("okta/"+strings.ToLower(e7.Email)).Class, "Okta's USER_ADMIN, read through iam/assignees/users")

	bg1, bg2 := one("entra/"+demoorg.BreakGlass1), one("entra/"+demoorg.BreakGlass2)
	assert.Equal(t, contract.SweepBreakGlass, bg1.Class)
	assert.Equal(t, contract.SweepBreakGlass, bg2.Class)
	assert.False(t, bg1.LastSignIn.IsZero(), "break-glass last sign-in recorded (signInActivity)")
	assert.WithinDuration(t, time.Now().Add(-120*24*time.Hour), bg1.LastSignIn, 48*time.Hour)
	assert.True(t, bg2.LastSignIn.IsZero(), "never signed in")

	legacy := one("entra/" + demoorg.StandingAdmin)
	assert.Equal(t, contract.SweepUnknown, legacy.Class, "a standing Global Admin outside HR")
	assert.Equal(t, "Global Administrator", legacy.Role)
	backup := one("entra/" + strings.ToLower(demoorg.BackupAppID))
	assert.Equal(t, contract.SweepServiceAccount, backup.Class)
	assert.Equal(t, "E0007", backup.Owner)
	assert.Equal(t, "service_principal", backup.Kind)
	sp := one("entra/" + strings.ToLower(demoorg.UnknownAppID))
	assert.Equal(t, contract.SweepUnknown, sp.Class)
	assert.Equal(t, "service_principal", sp.Kind, "a service principal, read through $expand=principal")

	// Google: roleAssignments joined with roles and users
	holding := func(dir, login, role string) contract.SweepHolder {
		t.Helper()
		for _, h := range byLogin[dir+"/"+strings.ToLower(login)] {
			if h.Role == role {
				return h
			}
		}
		t.Fatalf("%s: %s holds no %s: %+v", dir, login, role, byLogin[dir+"/"+strings.ToLower(login)])
		return contract.SweepHolder{}
	}
	gsa := one("google/" + demoorg.GoogleSuperAdmin)
	assert.Equal(t, contract.SweepUnknown, gsa.Class, "a Google super admin outside HR")
	assert.Equal(t, "_SEED_ADMIN_ROLE", gsa.Role)
	assert.Equal(t, contract.SweepUnknown, one("google/"+demoorg.GoogleAdminGroup).Class)
	assert.Equal(t, "group", one("google/"+demoorg.GoogleAdminGroup).Kind)
	assert.Equal(t, contract.SweepJIT, holding("google", e14.Email, "_USER_MANAGEMENT_ADMIN_ROLE").Class, "matched by the role's description")
	g7 := holding("google", e7.Email, "_USER_MANAGEMENT_ADMIN_ROLE")
	assert.Equal(t, contract.SweepStanding, g7.Class)
	assert.Equal(t, "google-user-admin", g7.Elevation, "the notice names the JIT role to request")
	assert.Equal(t, contract.SweepStanding, holding("google", e7.Email, "User Administrator").Class)
	// JumpCloud: user-level sudo and the sudo-enabled group
	assert.Equal(t, contract.SweepStanding, holding("jumpcloud", e7.Email, "sudo").Class, "a JumpCloud sudo user, an HR employee outside JIT")
	assert.Equal(t, contract.SweepStanding, holding("jumpcloud", e7.Email, "group:it-sudo").Class)
	bot := one("jumpcloud/" + demoorg.JumpCloudSudo)
	assert.Equal(t, contract.SweepUnknown, bot.Class)
	assert.Equal(t, "passwordless_sudo", bot.Role)
	// Okta: a group and an API service app holding roles
	og := one("okta/" + strings.ToLower(demoorg.OktaAdminGroup))
	assert.Equal(t, contract.SweepUnknown, og.Class)
	assert.Equal(t, "group", og.Kind)
	assert.Equal(t, "HELP_DESK_ADMIN", og.Role)
	osp := one("okta/" + strings.ToLower(demoorg.OktaServiceClient))
	assert.Equal(t, contract.SweepUnknown, osp.Class)
	assert.Equal(t, "service_principal", osp.Kind)

	orphans := map[string]contract.SweepOrphan{}
	for _, o := range out.Orphans {
		orphans[o.Directory+"/"+strings.ToLower(o.Login)] = o
	}
	assert.Equal(t, contract.OrphanNoHROwner, orphans["okta/"+demoorg.OrphanOkta].Reason)
	former := orphans["scim:zoom/pat.former9001@"+demoorg.Domain]
	assert.Equal(t, contract.OrphanTerminatedEnabled, former.Reason)
	assert.Equal(t, demoorg.FormerEmployee, former.EmployeeID)
	_, dup := orphans["entra/"+demoorg.StandingAdmin]
	assert.False(t, dup, "the legacy admin is escalated as an unknown holder, not also an orphan")
	assert.Equal(t, contract.OrphanNoHROwner, orphans["jumpcloud/"+demoorg.JumpCloudOrphan].Reason, "JumpCloud's systemusers joined by employeeIdentifier")
	for _, esc := range []string{"google/" + demoorg.GoogleSuperAdmin, "jumpcloud/" + demoorg.JumpCloudSudo} {
		_, dup := orphans[esc]
		assert.False(t, dup, "%s is escalated as an unknown holder, not also an orphan", esc)
	}
	assert.Len(t, out.Orphans, 3, "break-glass accounts are declared, not orphans: %+v", out.Orphans)

	k := contract.ComputeSweepKPI(out)
	assert.Equal(t, 3, k.GlobalAdmins, "two break-glass and the legacy admin")
	assert.True(t, k.GlobalAdminsOK)
	assert.Equal(t, 2, k.BreakGlass)
	dirs := map[string]contract.SweepDirectory{}
	for _, d := range out.Directories {
		dirs[d.Directory] = d
	}
	assert.False(t, dirs["google"].NoAdmins, "Google's admin holders are read")
	assert.Positive(t, dirs["google"].Holders)
	assert.Equal(t, len(r.org.Employees)+1, dirs["google"].Accounts, "every Google user and the super admin outside HR")
	assert.Equal(t, len(r.org.Employees)+2, dirs["jumpcloud"].Accounts)
	assert.Positive(t, dirs["entra"].Accounts)
	assert.Positive(t, dirs["scim:zoom"].Accounts)
	assert.Equal(t, 41, out.HRRecords, "the 40 employees and the former one")
}

func TestSweepRemediationActivitiesAgainstTheEmulators(t *testing.T) {
	r := newSweepRig(t)
	// the standing admin's role removed and read back
	e7 := r.employee("E0007")
	u, ok := r.set.Graph.User(e7.Email)
	require.True(t, ok)
	require.Contains(t, r.set.Graph.PrincipalRoles(u.ID), "User Administrator")
	role := contract.AdminRoleInput{Directory: "entra", AccountID: u.ID, EmployeeID: "E0007", Role: "User Administrator"}
	var ro contract.AdminRoleOutput
	r.must(contract.RevokeAdminRole.Name, role, &ro)
	assert.Equal(t, "removed", ro.Outcome)
	r.must(contract.VerifyAdminRoleRevoked.Name, role, nil)
	assert.NotContains(t, r.set.Graph.PrincipalRoles(u.ID), "User Administrator")

	// the orphan Okta account disabled, then deleted
	ou, ok := r.set.Okta.UserByLogin(demoorg.OrphanOkta)
	require.True(t, ok)
	var st contract.StepOutput
	r.must(contract.DisableOrphanAccount.Name, contract.AccountInput{Directory: "okta", AccountID: ou.ID}, &st)
	assert.Equal(t, "disabled", st.Actions[0].Outcome)
	assert.Equal(t, "DEPROVISIONED", r.set.Okta.Status(ou.ID))
	r.must(contract.DeleteAccount.Name, contract.AccountInput{Directory: "okta", AccountID: ou.ID}, &st)
	assert.Equal(t, "removed", st.Actions[0].Outcome)
	_, still := r.set.Okta.User(ou.ID)
	assert.False(t, still, "deleted")
	r.must(contract.DeleteAccount.Name, contract.AccountInput{Directory: "okta", AccountID: ou.ID}, &st)
	assert.Equal(t, "was_absent", st.Actions[0].Outcome, "idempotent")

	// the former employee's zoom account disabled through its SCIM app
	login := "pat.former9001@" + demoorg.Domain
	zu, ok := r.set.SCIM.User("zoom", login)
	require.True(t, ok)
	r.must(contract.DisableOrphanAccount.Name, contract.AccountInput{Directory: "scim:zoom", AccountID: zu.ID}, &st)
	assert.False(t, r.set.SCIM.Active("zoom", login))

	// Google and JumpCloud delete an orphan after it was disabled
	gu, ok := r.set.Google.User(demoorg.GoogleSuperAdmin)
	require.True(t, ok)
	r.must(contract.DisableOrphanAccount.Name, contract.AccountInput{Directory: "google", AccountID: gu.ID}, &st)
	assert.True(t, r.set.Google.Suspended(gu.ID))
	r.must(contract.DeleteAccount.Name, contract.AccountInput{Directory: "google", AccountID: gu.ID}, &st)
	assert.Equal(t, "removed", st.Actions[0].Outcome)
	_, still = r.set.Google.User(gu.ID)
	assert.False(t, still)
	ju, ok := r.set.JumpCloud.UserByEmail(demoorg.JumpCloudOrphan)
	require.True(t, ok)
	r.must(contract.DisableOrphanAccount.Name, contract.AccountInput{Directory: "jumpcloud", AccountID: ju.ID}, &st)
	ju, _ = r.set.JumpCloud.UserByID(ju.ID)
	assert.True(t, ju.Suspended)
	r.must(contract.DeleteAccount.Name, contract.AccountInput{Directory: "jumpcloud", AccountID: ju.ID}, &st)
	assert.Equal(t, "removed", st.Actions[0].Outcome)
	r.must(contract.DeleteAccount.Name, contract.AccountInput{Directory: "jumpcloud", AccountID: ju.ID}, &st)
	assert.Equal(t, "was_absent", st.Actions[0].Outcome)
	// the standing JumpCloud sudo of an HR employee removed and read back
	j7, ok := r.set.JumpCloud.UserByEmployeeID("E0007")
	require.True(t, ok)
	jrole := contract.AdminRoleInput{Directory: "jumpcloud", AccountID: j7.ID, EmployeeID: "E0007", Role: "sudo"}
	r.must(contract.RevokeAdminRole.Name, jrole, &ro)
	assert.Equal(t, "removed", ro.Outcome)
	r.must(contract.VerifyAdminRoleRevoked.Name, jrole, nil)
	err := r.run(contract.DisableOrphanAccount.Name, contract.AccountInput{Directory: "scim:nope", AccountID: "x"}, &st)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `SCIM app "nope" is not configured`)
}

func TestWriteSweepEvidenceWithItsHash(t *testing.T) {
	r := newSweepRig(t)
	f := contract.SweepFacts{Date: "2026-12-02", WorkflowID: "sweep/2026-12-02", RunID: "run-1", KPI: contract.SweepKPI{StandingOutsideJIT: 2, Population: 9}}
	var ev contract.SweepEvidence
	r.must(contract.WriteSweepEvidence.Name, f, &ev)
	assert.Equal(t, "Sweeps/2026/12/02/run-1.json", ev.Path)
	b, err := os.ReadFile(filepath.Join(r.acts.EvidenceDir, ev.Path))
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	assert.Equal(t, hex.EncodeToString(sum[:]), ev.SHA256)
	side, err := os.ReadFile(filepath.Join(r.acts.EvidenceDir, ev.Path+".sha256"))
	require.NoError(t, err)
	assert.Equal(t, ev.SHA256+"  run-1.json\n", string(side))
	assert.Contains(t, string(b), `"standing_outside_jit": 2`)

	err = r.run(contract.WriteSweepEvidence.Name, contract.SweepFacts{Date: "2026-12-02", RunID: "../x"}, &ev)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "path separator")
	err = r.run(contract.WriteSweepEvidence.Name, contract.SweepFacts{Date: "yesterday", RunID: "r"}, &ev)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `date "yesterday"`)
}

func TestTheKPIReportShowsTheMonthsLatestSweep(t *testing.T) {
	r := newSweepRig(t)
	for i, f := range []contract.SweepFacts{
		{Date: "2026-12-01", RunID: "a", KPI: contract.SweepKPI{StandingOutsideJIT: 9, Population: 20, GlobalAdmins: 3, GlobalAdminsOK: true}},
		{Date: "2026-12-02", RunID: "b", KPI: contract.SweepKPI{StandingOutsideJIT: 4, Population: 18, GlobalAdmins: 9}},
	} {
		f.GeneratedAt = time.Date(2026, 12, 1+i, 3, 0, 0, 0, time.UTC)
		r.must(contract.WriteSweepEvidence.Name, f, nil)
	}
	var res contract.KPIReportResult
	r.must(contract.WriteKPIReport.Name, contract.KPIFacts{Month: "2026-12"}, &res)
	b, err := os.ReadFile(res.JSON)
	require.NoError(t, err)
	var rep activities.KPIReport
	require.NoError(t, json.Unmarshal(b, &rep))
	got := map[string]activities.KPI{}
	for _, k := range rep.KPIs {
		got[k.ID] = k
	}
	assert.Equal(t, 4, got[activities.KPISweepStanding].Numerator, "the latest sweep of the month")
	assert.Equal(t, 18, got[activities.KPISweepStanding].Denominator, "its population is stated")
	assert.Contains(t, got[activities.KPISweepGlobalAdmin].Value, "not met")
}

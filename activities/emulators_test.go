package activities_test

// These tests run the activities against the real directory emulators
// through the real integration clients (the official SDKs), built from the
// demo configuration exactly as the worker builds them.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/workers"
)

type rig struct {
	t    testing.TB
	set  *emulators.Set
	org  demoorg.Org
	cfg  *config.Config
	acts *activities.Activities
	env  *sdktest.TestActivityEnvironment
}

func newRig(t testing.TB) *rig {
	t.Helper()
	org := demoorg.New(40, 3)
	set, err := emulators.Start(emulators.Options{Org: org})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = set.Close() })
	env := set.Creds.Env()
	cfg, err := config.LoadWithEnv("../config/demo.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	set.Configure(cfg)
	deps, err := workers.BuildDeps(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	a := &activities.Activities{
		Directories: deps.Directories, Apps: deps.Apps, Catalog: cfg.Catalog.Domain(),
		EvidenceDir: t.TempDir(), Logger: zerolog.Nop(),
		Notifier: workers.Notifier{Slack: deps.Slack}, People: hrBook(org),
	}
	var s sdktest.WorkflowTestSuite
	aenv := s.NewTestActivityEnvironment()
	a.Register(aenv)
	return &rig{t: t, set: set, org: org, cfg: cfg, acts: a, env: aenv}
}

// run executes a registered activity by name with a real activity context.
func (r *rig) run(name string, in, out any) error {
	r.t.Helper()
	v, err := r.env.ExecuteActivity(name, in)
	if err != nil {
		return err
	}
	if out != nil {
		return v.Get(out)
	}
	return nil
}

func (r *rig) must(name string, in, out any) {
	r.t.Helper()
	if err := r.run(name, in, out); err != nil {
		r.t.Fatalf("%s: %v", name, err)
	}
}

func (r *rig) employee(id string) demoorg.Employee {
	for _, e := range r.org.Employees {
		if e.EmployeeID == id {
			return e
		}
	}
	r.t.Fatalf("no employee %s", id)
	return demoorg.Employee{}
}

var dirs = []string{config.Entra, config.Okta, config.Google}

func TestJoinerActivitiesAgainstEmulators(t *testing.T) {
	r := newRig(t)
	j := r.org.Joiners[0]
	person := domain.PersonFrom(j)
	var plan contract.PlanAccessOutput
	r.must(contract.PlanAccess.Name, contract.PlanAccessInput{Attributes: domain.AttributesOf(j)}, &plan)
	if !slices.Contains(plan.Entitlements.Groups["okta"], "dept-"+demoorg.Slug(j.Department)) {
		t.Fatalf("catalog plan for %s lacks the department group: %+v", j.Department, plan.Entitlements)
	}
	for _, d := range dirs {
		var first, again contract.AccountOutput
		r.must(contract.EnsureAccount.Name, contract.EnsureAccountInput{Directory: d, Person: person, Enabled: false}, &first)
		r.must(contract.EnsureAccount.Name, contract.EnsureAccountInput{Directory: d, Person: person, Enabled: false}, &again)
		if first.Outcome != string(domain.Created) || first.Enabled {
			t.Fatalf("%s: first ensure = %+v, want created and disabled", d, first)
		}
		if again.Outcome != string(domain.AlreadyExisted) || again.AccountID != first.AccountID {
			t.Fatalf("%s: retried ensure = %+v, want already_existed with the same id %s", d, again, first.AccountID)
		}
		r.must(contract.SetManager.Name, contract.SetManagerInput{Directory: d, AccountID: first.AccountID, EmployeeID: j.EmployeeID, ManagerEmployeeID: j.ManagerEmployeeID}, nil)
		var applied contract.StepOutput
		changes := []domain.Change{}
		for _, c := range plan.Changes {
			if c.Directory == d {
				changes = append(changes, c)
			}
		}
		r.must(contract.ApplyAccess.Name, contract.ApplyAccessInput{Directory: d, AccountID: first.AccountID, EmployeeID: j.EmployeeID, Changes: changes}, &applied)
		r.must(contract.EnableAccount.Name, contract.AccountInput{Directory: d, AccountID: first.AccountID, EmployeeID: j.EmployeeID}, nil)

		var found contract.AccountOutput
		r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: d, EmployeeID: j.EmployeeID}, &found)
		if !found.Found || !found.Enabled || found.AccountID != first.AccountID {
			t.Fatalf("%s: read back %+v, want the account enabled", d, found)
		}
		groups, err := r.acts.Directories[d].(directory.GroupManager).ListGroups(context.Background(), first.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range plan.Entitlements.Groups[d] {
			if !slices.Contains(groups, g) {
				t.Errorf("%s: %s not in %v", d, g, groups)
			}
		}
	}
	u, ok := r.set.Graph.UserByEmployeeID(j.EmployeeID)
	if !ok || !u.AccountEnabled {
		t.Fatalf("graph user %+v", u)
	}
	mgr, _ := r.set.Graph.UserByEmployeeID(j.ManagerEmployeeID)
	if u.ManagerID != mgr.ID {
		t.Errorf("graph manager %q, want %q (resolved from employee %s)", u.ManagerID, mgr.ID, j.ManagerEmployeeID)
	}
	if lic := r.set.Graph.Licenses(u.ID); !slices.Contains(lic, "SPE_E3") {
		t.Errorf("graph licenses %v, want SPE_E3", lic)
	}

	var app contract.StepOutput
	r.must(contract.ProvisionApp.Name, contract.AppInput{App: "zoom", Person: person}, &app)
	if !r.set.SCIM.Active("zoom", j.Email) {
		t.Fatal("zoom account not active")
	}

	var note contract.NotifyOutput
	r.must(contract.NotifyManager.Name, contract.NotifyManagerInput{ManagerEmployeeID: j.ManagerEmployeeID, Text: "E0041 is provisioned"}, &note)
	m := r.employee(j.ManagerEmployeeID)
	msgs := r.set.Slack.MessagesTo(m.Email)
	if !note.Delivered || !slices.ContainsFunc(msgs, func(x slackemu.Message) bool { return strings.Contains(x.Text, "E0041 is provisioned") }) {
		t.Fatalf("manager %s did not get the DM: delivered=%t %+v", m.EmployeeID, note.Delivered, msgs)
	}
}

func TestLeaverActivitiesAgainstEmulators(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0014") // IT: holds a standing admin role, groups, a license, a device, zoom
	if len(e.AdminRoles) == 0 {
		t.Fatal("fixture changed: E0014 should hold a standing admin role")
	}
	u0, _ := r.set.Graph.UserByEmployeeID(e.EmployeeID)
	if len(r.set.Graph.RoleAssignments(u0.ID)) == 0 || len(r.set.Graph.GroupsOf(u0.ID)) == 0 {
		t.Fatal("fixture: expected roles and groups before offboarding")
	}
	for _, d := range dirs {
		var acct contract.AccountOutput
		r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: d, EmployeeID: e.EmployeeID}, &acct)
		if !acct.Found {
			t.Fatalf("%s: no account for %s", d, e.EmployeeID)
		}
		in := contract.AccountInput{Directory: d, AccountID: acct.AccountID, EmployeeID: e.EmployeeID, Since: time.Now().Add(-time.Second)}
		// Verify refuses before the revocation: it reads the directory.
		var early contract.VerifyOutput
		if err := r.run(contract.VerifyDisabled.Name, in, &early); err == nil {
			t.Fatalf("%s: verify passed before the account was disabled: %+v", d, early)
		}
		var out contract.StepOutput
		r.must(contract.DisableAccount.Name, in, &out)
		r.must(contract.RevokeSessions.Name, in, nil)
		r.must(contract.RemoveAllAccess.Name, in, nil)
		r.must(contract.RetireDevices.Name, in, nil)
		var v contract.VerifyOutput
		r.must(contract.VerifyDisabled.Name, in, &v)
		if !v.Disabled || !v.SessionsRevoked || v.Evidence == "" {
			t.Fatalf("%s: verify %+v", d, v)
		}
		// At-least-once: a retried disable is a success that says so.
		var again contract.StepOutput
		r.must(contract.DisableAccount.Name, in, &again)
		if again.Actions[0].Outcome != string(domain.AlreadyDisabled) {
			t.Errorf("%s: retried disable outcome %q, want already_disabled", d, again.Actions[0].Outcome)
		}
		dir := r.acts.Directories[d]
		if gs, err := dir.(directory.GroupManager).ListGroups(context.Background(), acct.AccountID); err != nil || len(gs) != 0 {
			t.Errorf("%s: groups after offboarding %v (%v)", d, gs, err)
		}
		if rm, ok := dir.(directory.AdminRoleManager); ok {
			if rs, err := rm.ListAdminRoles(context.Background(), acct.AccountID); err != nil || len(rs) != 0 {
				t.Errorf("%s: admin roles after offboarding %v (%v)", d, rs, err)
			}
		}
	}
	u, _ := r.set.Graph.UserByEmployeeID(e.EmployeeID)
	if u.AccountEnabled || len(r.set.Graph.GroupsOf(u.ID)) != 0 || len(r.set.Graph.Licenses(u.ID)) != 0 || len(r.set.Graph.RoleAssignments(u.ID)) != 0 {
		t.Errorf("graph after offboarding: enabled=%t groups=%v licenses=%v roles=%v", u.AccountEnabled, r.set.Graph.GroupsOf(u.ID), r.set.Graph.Licenses(u.ID), r.set.Graph.RoleAssignments(u.ID))
	}
	if n, _ := r.set.Graph.SessionsRevoked(u.ID); n == 0 {
		t.Error("graph sessions never revoked")
	}
	for _, dev := range r.set.Graph.Devices(u.ID) {
		if dev.ManagementState != "retirePending" {
			t.Errorf("device %s state %q, want retirePending", dev.ID, dev.ManagementState)
		}
	}
	person := domain.PersonFrom(e.Record)
	var out contract.StepOutput
	r.must(contract.DeprovisionApp.Name, contract.AppInput{App: "zoom", Person: person}, &out)
	if r.set.SCIM.Active("zoom", e.Email) {
		t.Error("zoom account still active")
	}
	// Not in github: deprovisioning is a success that says it was absent.
	r.must(contract.DeprovisionApp.Name, contract.AppInput{App: "github", Person: person}, &out)
	if out.Actions[0].Outcome != string(domain.WasAbsent) {
		t.Errorf("github outcome %q, want was_absent", out.Actions[0].Outcome)
	}
}

func TestMoverApplyAccessKeepsAccessGrantedOutsideTheCatalog(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0008") // Engineering
	var acct contract.AccountOutput
	r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: config.Entra, EmployeeID: e.EmployeeID}, &acct)
	r.set.Graph.AddGroup("tier0-admins")
	if _, err := r.acts.Directories[config.Entra].(directory.GroupManager).AddToGroup(context.Background(), acct.AccountID, "tier0-admins"); err != nil {
		t.Fatal(err) // granted by an elevation, outside the catalog
	}
	granted := r.cfg.Catalog.Domain().Evaluate(domain.AttributesOf(e.Record))
	moved := e.Record
	moved.Department = "Sales"
	var plan contract.PlanAccessOutput
	r.must(contract.PlanAccess.Name, contract.PlanAccessInput{Attributes: domain.AttributesOf(moved), Granted: granted}, &plan)
	var ch []domain.Change
	for _, c := range plan.Changes {
		if c.Directory == config.Entra {
			ch = append(ch, c)
		}
	}
	r.must(contract.ApplyAccess.Name, contract.ApplyAccessInput{Directory: config.Entra, AccountID: acct.AccountID, EmployeeID: e.EmployeeID, Changes: ch}, nil)
	groups := r.set.Graph.GroupsOf(acct.AccountID)
	slices.Sort(groups)
	want := []string{"all-staff", "dept-sales", "tier0-admins"}
	if !slices.Equal(groups, want) {
		t.Fatalf("groups after move %v, want %v", groups, want)
	}
}

func TestDirectoryFailuresBecomeTypedTemporalErrors(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0009")
	var acct contract.AccountOutput
	r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: config.Okta, EmployeeID: e.EmployeeID}, &acct)
	err := r.run(contract.UpdateProfile.Name, contract.UpdateProfileInput{Directory: config.Okta, AccountID: "00u-no-such-user", Person: domain.PersonFrom(e.Record)}, nil)
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || app.Type() != string(domain.ErrDirectoryNotFound) || !app.NonRetryable() {
		t.Fatalf("unknown account: got %v, want non-retryable %s", err, domain.ErrDirectoryNotFound)
	}
	err = r.run(contract.DisableAccount.Name, contract.AccountInput{Directory: "ldap", AccountID: "x", EmployeeID: e.EmployeeID}, nil)
	if !errors.As(err, &app) || app.Type() != string(domain.ErrBadInput) || !app.NonRetryable() {
		t.Fatalf("unknown directory: got %v, want non-retryable BadInput", err)
	}
	var none contract.AccountOutput
	r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: config.Google, EmployeeID: "E9999"}, &none)
	if none.Found {
		t.Fatal("lookup of a missing employee must answer found=false, not an error")
	}
}

// TestSetManagerOfAManagerWithNoAccountYetIsPending: HR sent the report
// before the manager. That is an answer the workflow acts on later, never a
// failure that blocks the joiner.
func TestSetManagerOfAManagerWithNoAccountYetIsPending(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0009")
	for _, d := range dirs {
		var acct contract.AccountOutput
		r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: d, EmployeeID: e.EmployeeID}, &acct)
		var out contract.StepOutput
		r.must(contract.SetManager.Name, contract.SetManagerInput{Directory: d, AccountID: acct.AccountID, EmployeeID: e.EmployeeID, ManagerEmployeeID: "E9999"}, &out)
		if len(out.Actions) != 1 || out.Actions[0].Outcome != string(domain.ManagerPending) {
			t.Fatalf("%s: %+v, want %s", d, out, domain.ManagerPending)
		}
	}
}

// TestAccountStepsRefuseAnEmptyAccountID: every step on one account refuses
// a missing account id as bad input, never acting on "" (a device query
// filtered on an empty user id answers with no devices: a retire that
// retired nothing would report success).
func TestAccountStepsRefuseAnEmptyAccountID(t *testing.T) {
	r := newRig(t)
	for _, d := range dirs {
		for _, name := range []string{contract.EnableAccount.Name, contract.DisableAccount.Name, contract.RevokeSessions.Name, contract.RemoveAllAccess.Name, contract.RetireDevices.Name} {
			err := r.run(name, contract.AccountInput{Directory: d, EmployeeID: "E0014"}, nil)
			var app *temporal.ApplicationError
			if !errors.As(err, &app) || app.Type() != string(domain.ErrBadInput) || !app.NonRetryable() {
				t.Errorf("%s %s with no account id: got %v, want non-retryable %s", d, name, err, domain.ErrBadInput)
			}
		}
	}
}

// TestDirectoryLackingACapability pins what an activity answers when the
// directory lacks an optional capability (has no such interface): a step
// that can be skipped says "unsupported", a catalog asking for it is a
// final Unsupported, a gate looks elsewhere or fails closed, and a request
// no directory could serve is bad input. Okta has no licenses or devices;
// a SCIM app (zoom) stands in for a directory with accounts and groups only.
func TestDirectoryLackingACapability(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0009")
	r.acts.Directories["zoom"] = r.acts.Apps["zoom"]
	final := func(what string, err error, typ domain.ErrorType) {
		t.Helper()
		var app *temporal.ApplicationError
		if !errors.As(err, &app) || app.Type() != string(typ) || !app.NonRetryable() {
			t.Errorf("%s: got %v, want non-retryable %s", what, err, typ)
		}
	}

	var okta contract.AccountOutput
	r.must(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: config.Okta, EmployeeID: e.EmployeeID}, &okta)
	oin := contract.AccountInput{Directory: config.Okta, AccountID: okta.AccountID, EmployeeID: e.EmployeeID}
	var out contract.StepOutput
	r.must(contract.RetireDevices.Name, oin, &out)
	if len(out.Actions) != 1 || out.Actions[0].Outcome != "unsupported" {
		t.Errorf("okta retire devices: %+v, want one unsupported action", out.Actions)
	}
	lic := contract.ApplyAccessInput{Directory: config.Okta, AccountID: okta.AccountID, EmployeeID: e.EmployeeID,
		Changes: []domain.Change{{Directory: config.Okta, Kind: domain.KindLicense, Add: []string{"SPE_E3"}}}}
	final("okta license", r.run(contract.ApplyAccess.Name, lic, nil), domain.ErrDirectoryUnsupported)
	lic.Changes[0].Add = nil // nothing asked of the missing capability: nothing to refuse
	r.must(contract.ApplyAccess.Name, lic, nil)

	var zoom contract.AccountOutput
	r.must(contract.EnsureAccount.Name, contract.EnsureAccountInput{Directory: "zoom", Person: domain.PersonFrom(e.Record), Enabled: true}, &zoom)
	zin := contract.AccountInput{Directory: "zoom", AccountID: zoom.AccountID, EmployeeID: e.EmployeeID}
	r.must(contract.RevokeSessions.Name, zin, &out)
	if out.Actions[0].Outcome != "unsupported" {
		t.Errorf("scim revoke sessions: %q, want unsupported", out.Actions[0].Outcome)
	}
	r.must(contract.SetManager.Name, contract.SetManagerInput{Directory: "zoom", AccountID: zoom.AccountID, EmployeeID: e.EmployeeID, ManagerEmployeeID: e.ManagerEmployeeID}, &out)
	if out.Actions[0].Outcome != "unsupported" {
		t.Errorf("scim set manager: %q, want unsupported", out.Actions[0].Outcome)
	}
	r.must(contract.RemoveAllAccess.Name, zin, &out)
	for _, a := range out.Actions {
		if a.Step != "remove group" {
			t.Errorf("scim remove all access did %q", a.Step)
		}
	}
	final("scim admin role", r.run(contract.GrantAdminRole.Name, contract.AdminRoleInput{Directory: "zoom", AccountID: zoom.AccountID, EmployeeID: e.EmployeeID, Role: "owner"}, nil), domain.ErrBadInput)
	// No sign-in log API: recorded as not collected, with the reason, not
	// a failed export.
	var lf contract.LogFile
	r.must(contract.ExportIdentityLog.Name, contract.ExportLogInput{Directory: "zoom", Month: "2025-01"}, &lf)
	if lf.NotCollected == "" || lf.File != "" {
		t.Errorf("scim sign-in log: %+v, want not collected and no file", lf)
	}

	// The device gate skips Okta for the next directory that can tell, and
	// fails closed when none can.
	var g contract.GatesOutput
	r.must(contract.CheckGates.Name, contract.CheckGatesInput{EmployeeID: e.EmployeeID, Directory: config.Okta, Directories: []string{config.Google}, RequireCompliantDevice: true}, &g)
	if !g.Device.Checked || g.Device.Directory != config.Google {
		t.Errorf("device gate from okta: %+v, want checked in google", g.Device)
	}
	r.must(contract.CheckGates.Name, contract.CheckGatesInput{EmployeeID: e.EmployeeID, Directory: config.Okta, Directories: []string{"zoom"}, RequireCompliantDevice: true, RequireMFA: true}, &g)
	if g.Device.Checked || g.Device.Passed || g.MFA.Directory != config.Okta {
		t.Errorf("gates with okta and zoom: device %+v mfa %+v, want device unchecked, MFA read in okta", g.Device, g.MFA)
	}
}

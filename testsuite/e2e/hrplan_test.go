package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/starters/planner"
	"github.com/jml-dev/jml/testsuite/harness"
	"github.com/jml-dev/jml/workers"
)

// TestPlanThenApplyDoesThePlan: test mode plans an export (a joiner, a
// mover, a leaver and a bad row) against the live state and the
// directories, signals nothing, and then applying the same export does
// exactly what the plan listed, read from the emulators: every account
// created, group and licence added or removed, app provisioned and account
// disabled, and no catalog group beyond the plan.
func TestPlanThenApplyDoesThePlan(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	line := func(r domain.HRRecord, status, start, end string) string {
		return fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,UTC,US\n", r.EmployeeID, r.Email, r.GivenName, r.FamilyName, r.Department, r.Title, r.EmploymentType, status, start, end)
	}
	const header = "employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,termination_date,timezone,country\n"
	write := func(name, body string) string {
		p := filepath.Join(t.TempDir(), name)
		require.NoError(t, os.WriteFile(p, []byte(header+body), 0o600))
		return p
	}
	sink := employees.Sink{Client: e.Client, TaskQueue: e.Config.Temporal.TaskQueue, Policy: e.Config.Policy()}
	importFile := func(path string) importer.Result {
		rows, _, err := importer.Read(path)
		require.NoError(t, err)
		return importer.Import(ctx, rows, importer.Options{Source: "import:" + path, Known: sink.Known,
			Submit: func(ctx context.Context, _ int, rec domain.HRRecord) (string, error) { return sink.Submit(ctx, rec) }})
	}

	// The mover joins first, so there is live state to diff against.
	mover := e.Org.Joiners[0]
	mover.EmploymentType = "full_time"
	if mover.Department == "Finance" {
		mover.Department = "Support"
	}
	importFile(write("setup.csv", line(mover, "active", yesterday, "")))
	waitApplied(t, e, mover.EmployeeID, domain.EventJoiner)
	st := planState(t, e, mover.EmployeeID)

	joiner := e.Org.Joiners[1]
	joiner.EmploymentType = "full_time"
	leaver := e.Org.Employees[25].Record
	moved := mover
	moved.Department, moved.Title = "Finance", "Analyst"
	path := write("export.csv", line(moved, "active", yesterday, "")+line(joiner, "active", yesterday, "")+
		line(leaver, "terminated", "", yesterday)+"E9999,nobody@demo.jml.test,No,Body,Sales,AE,full_time,active,not-a-date,,UTC,US\n")

	deps, err := workers.BuildDeps(ctx, e.Config)
	require.NoError(t, err)
	p := planner.Planner{States: planner.WorkflowStates{Client: e.Client}, Lookup: planner.DirectoryLookup(deps.Directories),
		Catalog: e.Config.Catalog.Domain(), Policy: e.Config.Policy()}
	rows, _, err := importer.Read(path)
	require.NoError(t, err)
	plan := p.Plan(ctx, "import:"+path, rows, sink.Known)
	require.Len(t, plan.Rows, 4)
	assert.Equal(t, importer.Counts{Rows: 4, Delivered: 3, Quarantined: 1}, plan.Counts)
	byID := map[string]planner.Row{}
	for _, r := range plan.Rows {
		byID[r.EmployeeID] = r
	}
	assert.Equal(t, domain.ClassMove, byID[mover.EmployeeID].Classification)
	assert.Equal(t, domain.ClassJoin, byID[joiner.EmployeeID].Classification)
	assert.Equal(t, domain.ClassLeave, byID[leaver.EmployeeID].Classification)
	assert.Contains(t, byID["E9999"].Error, "field start_date")
	assert.Contains(t, byID[mover.EmployeeID].Actions, planner.Action{Directory: "entra", Kind: planner.AddLicense, Target: "POWER_BI_PRO"})
	if old := "dept-" + demoorg.Slug(mover.Department); slices.Contains(e.Config.Catalog.Groups["okta"], old) {
		assert.Contains(t, byID[mover.EmployeeID].Actions, planner.Action{Directory: "okta", Kind: planner.RemoveGroup, Target: old})
	}
	for _, dir := range e.Config.Policy().Directories {
		assert.Contains(t, byID[joiner.EmployeeID].Actions, planner.Action{Directory: dir, Kind: planner.CreateAccount, Target: joiner.Email})
		assert.True(t, slices.ContainsFunc(byID[leaver.EmployeeID].Actions, func(a planner.Action) bool { return a.Directory == dir && a.Kind == planner.DisableAccount }),
			"the leaver's %s account is found and disabled", dir)
	}

	// Test mode signalled nothing.
	_, err = e.Client.DescribeWorkflow(ctx, contract.EmployeeWorkflowID(joiner.EmployeeID), "")
	assert.Error(t, err, "planning starts no workflow")
	assert.Equal(t, st.Received, planState(t, e, mover.EmployeeID).Received, "planning signals nothing")
	u, _ := e.Emulators.Graph.UserByEmployeeID(leaver.EmployeeID)
	assert.True(t, u.AccountEnabled, "planning disables nothing")

	res := importFile(path)
	require.Equal(t, plan.Counts, res.Counts)
	waitApplied(t, e, mover.EmployeeID, domain.EventMover)
	waitApplied(t, e, joiner.EmployeeID, domain.EventJoiner)
	waitApplied(t, e, leaver.EmployeeID, domain.EventLeaver)

	recs := map[string]domain.HRRecord{mover.EmployeeID: moved, joiner.EmployeeID: joiner, leaver.EmployeeID: leaver}
	for id, r := range byID {
		for _, a := range r.Actions {
			ok, seen := happened(e, recs[id], a)
			assert.True(t, ok, "%s: planned %s %s %q in %s did not happen: %s", id, a.Kind, a.Directory, a.Target, a.Directory, seen)
		}
	}
	// Nothing beyond the plan: the catalog groups each person is in are
	// exactly the planned ones (the mover: before, plus added, less removed).
	before := st.Access.Groups
	for _, dir := range e.Config.Policy().Directories {
		assert.ElementsMatch(t, planned(byID[joiner.EmployeeID], dir, nil), catalogGroups(e, dir, joiner), "joiner's %s groups", dir)
		assert.ElementsMatch(t, planned(byID[mover.EmployeeID], dir, before[dir]), catalogGroups(e, dir, moved), "mover's %s groups", dir)
	}
}

// planned is the groups a row's plan leaves in dir, from the ones before.
func planned(r planner.Row, dir string, before []string) []string {
	out := slices.Clone(before)
	for _, a := range r.Actions {
		switch {
		case a.Directory == dir && a.Kind == planner.AddGroup:
			out = append(out, a.Target)
		case a.Directory == dir && a.Kind == planner.RemoveGroup:
			out = slices.DeleteFunc(out, func(g string) bool { return g == a.Target })
		}
	}
	return out
}

// catalogGroups are the catalog's groups the person is in, read from dir's
// emulator.
func catalogGroups(e *harness.Env, dir string, r domain.HRRecord) []string {
	var out []string
	for _, g := range e.Config.Catalog.Groups[dir] {
		if inGroup(e, dir, r, g) {
			out = append(out, g)
		}
	}
	return out
}

func inGroup(e *harness.Env, dir string, r domain.HRRecord, g string) bool {
	switch dir {
	case "entra":
		u, ok := e.Emulators.Graph.UserByEmployeeID(r.EmployeeID)
		return ok && slices.Contains(e.Emulators.Graph.GroupsOf(u.ID), g)
	case "okta":
		u, ok := e.Emulators.Okta.UserByEmployeeNumber(r.EmployeeID)
		return ok && slices.Contains(e.Emulators.Okta.GroupsOf(u.ID), g)
	case "google":
		return e.Emulators.Google.IsMember(g, r.Email)
	}
	return false
}

// happened reads one planned action back from the emulators.
func happened(e *harness.Env, r domain.HRRecord, a planner.Action) (bool, string) {
	em := e.Emulators
	switch a.Kind {
	case planner.CreateAccount, planner.LinkAccount, planner.EnableAccount:
		switch a.Directory {
		case "entra":
			u, ok := em.Graph.UserByEmployeeID(r.EmployeeID)
			return ok && u.AccountEnabled, fmt.Sprintf("found=%t enabled=%t", ok, u.AccountEnabled)
		case "okta":
			u, ok := em.Okta.UserByEmployeeNumber(r.EmployeeID)
			return ok && (u.Status == "ACTIVE" || u.Status == "PROVISIONED"), fmt.Sprintf("found=%t status=%s", ok, u.Status)
		case "google":
			_, ok := em.Google.User(r.Email)
			return ok && !em.Google.Suspended(r.Email), fmt.Sprintf("found=%t suspended=%t", ok, em.Google.Suspended(r.Email))
		}
	case planner.AddGroup:
		return inGroup(e, a.Directory, r, a.Target), "not a member"
	case planner.RemoveGroup:
		return !inGroup(e, a.Directory, r, a.Target), "still a member"
	case planner.AddLicense, planner.RemoveLicense:
		u, _ := em.Graph.UserByEmployeeID(r.EmployeeID)
		has := slices.Contains(em.Graph.Licenses(u.ID), a.Target)
		return has == (a.Kind == planner.AddLicense), fmt.Sprintf("licenses %v", em.Graph.Licenses(u.ID))
	case planner.ProvisionApp:
		return em.SCIM.Active(a.Target, r.Email), "no active account in the app"
	case planner.DeprovisionApp:
		return !em.SCIM.Active(a.Target, r.Email), "still active in the app"
	case planner.DisableAccount:
		switch a.Directory {
		case "entra":
			u, _ := em.Graph.UserByEmployeeID(r.EmployeeID)
			return !u.AccountEnabled, "still enabled"
		case "okta":
			u, _ := em.Okta.UserByEmployeeNumber(r.EmployeeID)
			return u.Status == "SUSPENDED" || u.Status == "DEPROVISIONED", "status " + u.Status
		case "google":
			return em.Google.Suspended(r.Email), "not suspended"
		}
	}
	return false, "no read-back for this action"
}

// waitApplied waits until the Employee workflow has nothing pending or
// running and its last change is ev, done without error.
func waitApplied(t *testing.T, e *harness.Env, employeeID string, ev domain.Event) {
	t.Helper()
	eventually(t, e, employeeID, string(ev)+" applied", func() (bool, string) {
		st := planState(t, e, employeeID)
		ok := st.Current == nil && len(st.Pending) == 0 && st.LastChange != nil && st.LastChange.Event == ev
		if ok && st.LastChange.Error != "" {
			t.Fatalf("%s of %s failed: %s", ev, employeeID, st.LastChange.Error)
		}
		return ok, "still working"
	})
}

func planState(t *testing.T, e *harness.Env, employeeID string) contract.EmployeeState {
	t.Helper()
	st, err := planner.WorkflowStates{Client: e.Client}.State(context.Background(), employeeID)
	require.NoError(t, err)
	if st == nil {
		return contract.EmployeeState{}
	}
	return *st
}

package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeJoinerReconcilesProfile guards the joiner's profile update of an
// account it finds rather than creates.
const changeJoinerReconcilesProfile = "joiner-reconciles-profile"

// managerOutcome: whether a lane tried to set the manager, and the lanes
// where the manager has no account yet.
func managerOutcome(lanes []*contract.DirectoryResult) (tried bool, pending []string) {
	for _, r := range lanes {
		for _, a := range r.Actions {
			if a.Step != "set manager" {
				continue
			}
			tried = true
			if a.Outcome == string(domain.ManagerPending) {
				pending = append(pending, r.Directory)
			}
		}
	}
	return tried, pending
}

// JoinerWorkflow provisions a new employee in every enabled directory at
// once: find-or-create the account (disabled during the lead time), set the
// manager, grant what the role catalog justifies, provision SCIM apps and
// tell the manager what was provisioned. With ActivateOnly it enables the
// accounts created during the lead time, on the start date.
func JoinerWorkflow(ctx workflow.Context, in contract.JoinerInput) (contract.LifecycleResult, error) {
	if in.ActivateOnly {
		return activate(ctx, in)
	}
	return provision(ctx, domain.EventJoiner, in)
}

// RehireWorkflow brings a terminated employee back: the same steps as a
// joiner, finding and re-enabling the accounts the leaver disabled and
// granting the catalog access of the new role from scratch.
func RehireWorkflow(ctx workflow.Context, in contract.JoinerInput) (contract.LifecycleResult, error) {
	return provision(ctx, domain.EventRehire, in)
}

// activate enables, on the start date, the accounts a lead-time joiner
// created disabled, and tells the manager.
func activate(ctx workflow.Context, in contract.JoinerInput) (contract.LifecycleResult, error) {
	res := contract.LifecycleResult{StartedAt: workflow.Now(ctx), Granted: in.Granted}
	l, err := newLifecycle(ctx, domain.EventActivate, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) {
			id, err := l.account(ctx, lane, in.Accounts, in.Record)
			if err != nil || id == "" {
				return
			}
			do(ctx, l, lane, "enable", contract.EnableAccount, contract.AccountInput{Directory: dir, AccountID: id, EmployeeID: in.EmployeeID})
		})
	}
	parallel(ctx, fns...)
	if err := ctx.Err(); err != nil {
		return l.stopped(ctx, res, in.Granted, nil, err)
	}
	l.notifyManager(ctx, in.Record.ManagerEmployeeID, fmt.Sprintf("%s (employee %s) starts today: their accounts are now enabled.", in.Record.Name(), in.EmployeeID))
	return l.finish(ctx, res), nil
}

// provision is the joiner and the rehire: plan, then one lane per directory
// and per SCIM app to add, then the manager told.
func provision(ctx workflow.Context, event domain.Event, in contract.JoinerInput) (contract.LifecycleResult, error) {
	res := contract.LifecycleResult{StartedAt: workflow.Now(ctx), Granted: in.Granted}
	l, err := newLifecycle(ctx, event, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	plan, err := l.plan(ctx, in.Record, in.Granted)
	if err != nil {
		return l.stopped(ctx, res, in.Granted, nil, err)
	}
	res.Changes = plan.Changes
	match := false
	if in.Policy.Login != nil && workflow.GetVersion(ctx, changeJoinerAllocatesLogin, workflow.DefaultVersion, 1) >= 1 {
		match = true
		if in.Record.Email == "" {
			login, err := l.allocateLogin(ctx, in)
			if err != nil {
				return l.stopped(ctx, res, in.Granted, nil, err)
			}
			in.Record.Email, res.Login = login, login
		}
	}
	person := personFor(in.Record, in.Policy)
	reconcile := workflow.GetVersion(ctx, changeJoinerReconcilesProfile, workflow.DefaultVersion, 1) >= 1

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) {
			l.provisionDirectory(ctx, lane, in, person, plan.Changes, reconcile, match)
		})
	}
	addApps, _ := appChanges(plan.Changes, in.Policy.Apps)
	fns = append(fns, l.appLanes(addApps, "provision app", contract.ProvisionApp, person)...)
	// The owner of a manual app is asked to create the account; the
	// joiner does not wait for it (apptask_open.go).
	create, _ := manualAppChanges(in.Policy, plan.Changes)
	res.AppTasks = l.openAppTasks(ctx, contract.AppTaskCreate, create, in.Record)
	parallel(ctx, fns...)
	if err := ctx.Err(); err != nil {
		return l.stopped(ctx, res, in.Granted, &plan.Entitlements, err)
	}
	res.Granted = l.granted(in.Granted, plan.Entitlements)
	res.Accounts = accountsOf(l.lanes)
	res.ManagerTried, res.ManagerPending = managerOutcome(l.lanes)

	state := "enabled"
	if !in.Enable {
		state = "created disabled until the start date " + in.Record.StartDate
	}
	l.notifyManager(ctx, in.Record.ManagerEmployeeID, fmt.Sprintf("%s (employee %s) is provisioned (%s) in %s: %s.%s",
		in.Record.Name(), in.EmployeeID, state, strings.Join(in.Policy.Directories, ", "), summarize(plan.Changes), laneProblems(l.lanes)))
	return l.finish(ctx, res), nil
}

// provisionDirectory is one directory's joiner lane: ensure the account,
// reconcile the profile of one found rather than created, enable it if
// found disabled and the start has come, set the manager, apply the
// catalog's access.
func (l *lifecycle) provisionDirectory(ctx workflow.Context, lane *contract.DirectoryResult, in contract.JoinerInput, person domain.Person, changes []domain.Change, reconcile, match bool) {
	dir := lane.Directory
	if l.hybrid && syncedLane(in.Policy, dir) && l.provisionSynced(ctx, lane, in, person, changes) {
		return
	}
	var acct contract.AccountOutput
	if match {
		// An existing account is matched first; two candidates block
		// this lane only, and the alert names both account ids.
		m, ok, err := l.matchAccount(ctx, lane, in, person.Email)
		if err != nil || !ok {
			return
		}
		acct = m
	}
	if !acct.Found {
		a, ok, err := step(ctx, l, lane, "ensure account", "", contract.EnsureAccount,
			contract.EnsureAccountInput{Directory: dir, Person: person, Enabled: in.Enable})
		if err != nil || !ok {
			return
		}
		acct = a
	}
	lane.AccountID = acct.AccountID
	lane.Actions = append(lane.Actions, contract.Action{Step: "ensure account", Outcome: acct.Outcome})
	if reconcile && acct.Outcome != string(domain.Created) {
		// Found, not created: HR is the source of truth for the profile
		// (name, department, title, usage location) before anything is
		// licensed.
		if _, err := do(ctx, l, lane, "update profile", contract.UpdateProfile,
			contract.UpdateProfileInput{Directory: dir, AccountID: acct.AccountID, Person: person}); err != nil {
			return
		}
	}
	if in.Enable && !acct.Enabled {
		// Found disabled (a rehire, or created during the lead time).
		if _, err := do(ctx, l, lane, "enable", contract.EnableAccount,
			contract.AccountInput{Directory: dir, AccountID: acct.AccountID, EmployeeID: in.EmployeeID}); err != nil {
			return
		}
	}
	if m := in.Record.ManagerEmployeeID; m != "" {
		if _, err := do(ctx, l, lane, "set manager", contract.SetManager,
			contract.SetManagerInput{Directory: dir, AccountID: acct.AccountID, EmployeeID: in.EmployeeID, ManagerEmployeeID: m}); err != nil {
			return
		}
	}
	l.applyAccess(ctx, lane, acct.AccountID, changes)
}

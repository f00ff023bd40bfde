package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/hr"
)

// changeJoinerReconcilesProfile guards the joiner's profile update of an
// account it finds rather than creates.
const changeJoinerReconcilesProfile = "joiner-reconciles-profile"

// JoinerWorkflow provisions a new employee in every enabled directory at
// once: find-or-create the account (disabled during the lead time), set the
// manager, grant what the role catalog justifies, provision SCIM apps and
// tell the manager what was provisioned. With ActivateOnly it enables the
// accounts created during the lead time, on the start date.
func JoinerWorkflow(ctx workflow.Context, in JoinerInput) (LifecycleResult, error) {
	return provision(ctx, EventJoiner, in)
}

// RehireWorkflow brings a terminated employee back: the same steps as a
// joiner, finding and re-enabling the accounts the leaver disabled and
// granting the catalog access of the new role from scratch.
func RehireWorkflow(ctx workflow.Context, in JoinerInput) (LifecycleResult, error) {
	return provision(ctx, EventRehire, in)
}

func provision(ctx workflow.Context, event string, in JoinerInput) (LifecycleResult, error) {
	res := LifecycleResult{StartedAt: workflow.Now(ctx), Granted: in.Granted}
	if in.ActivateOnly {
		event = EventActivate
	}
	l, err := newLifecycle(ctx, event, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	person := personFor(in.Record, in.Policy)

	if in.ActivateOnly {
		var fns []func(workflow.Context)
		for _, dir := range in.Policy.Directories {
			lane := l.lane(dir)
			fns = append(fns, func(ctx workflow.Context) {
				id, err := l.account(ctx, lane, in.Accounts, in.Record)
				if err != nil || id == "" {
					return
				}
				l.do(ctx, lane, "enable", directoryOptions(false), ActEnableAccount, AccountInput{Directory: dir, AccountID: id, EmployeeID: in.EmployeeID})
			})
		}
		parallel(ctx, fns...)
		if err := ctx.Err(); err != nil {
			return l.stopped(ctx, res, in.Granted, nil, err)
		}
		l.notifyManager(ctx, in.Record.ManagerEmployeeID, fmt.Sprintf("%s (employee %s) starts today: their accounts are now enabled.", in.Record.Name(), in.EmployeeID))
		return l.finish(ctx, res), nil
	}

	plan, err := l.plan(ctx, in.Record, in.Granted)
	if err != nil {
		return l.stopped(ctx, res, in.Granted, nil, err)
	}
	res.Changes = plan.Changes
	reconcile := workflow.GetVersion(ctx, changeJoinerReconcilesProfile, workflow.DefaultVersion, 1) >= 1

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) {
			var acct AccountOutput
			ok, err := l.step(ctx, lane, "ensure account", directoryOptions(false), ActEnsureAccount,
				EnsureAccountInput{Directory: dir, Person: person, Enabled: in.Enable}, &acct)
			if err != nil || !ok {
				return
			}
			lane.AccountID = acct.AccountID
			lane.Actions = append(lane.Actions, Action{Step: "ensure account", Outcome: acct.Outcome})
			if reconcile && acct.Outcome != string(directory.Created) {
				// Found, not created: HR is the source of truth for the
				// profile (name, department, title, usage location) before
				// anything is licensed.
				if _, err := l.do(ctx, lane, "update profile", directoryOptions(false), ActUpdateProfile,
					UpdateProfileInput{Directory: dir, AccountID: acct.AccountID, Person: person}); err != nil {
					return
				}
			}
			if in.Enable && !acct.Enabled {
				// Found disabled (a rehire, or created during the lead time).
				if _, err := l.do(ctx, lane, "enable", directoryOptions(false), ActEnableAccount,
					AccountInput{Directory: dir, AccountID: acct.AccountID, EmployeeID: in.EmployeeID}); err != nil {
					return
				}
			}
			if m := in.Record.ManagerEmployeeID; m != "" {
				if _, err := l.do(ctx, lane, "set manager", directoryOptions(false), ActSetManager,
					SetManagerInput{Directory: dir, AccountID: acct.AccountID, EmployeeID: in.EmployeeID, ManagerEmployeeID: m}); err != nil {
					return
				}
			}
			l.applyAccess(ctx, lane, acct.AccountID, plan.Changes)
		})
	}
	addApps, _ := appChanges(plan.Changes, in.Policy.Apps)
	fns = append(fns, l.appLanes(addApps, "provision app", ActProvisionApp, person)...)
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

// managerOutcome: whether a lane tried to set the manager, and the lanes
// where the manager has no account yet.
func managerOutcome(lanes []*DirectoryResult) (tried bool, pending []string) {
	for _, r := range lanes {
		for _, a := range r.Actions {
			if a.Step != "set manager" {
				continue
			}
			tried = true
			if a.Outcome == OutcomeManagerPending {
				pending = append(pending, r.Directory)
			}
		}
	}
	return tried, pending
}

// laneProblems tells a reader which lanes did not complete.
func laneProblems(lanes []*DirectoryResult) string {
	var bad []string
	for _, r := range lanes {
		if r.Result != ResultOK {
			bad = append(bad, r.Directory+" "+r.Result)
		}
	}
	if len(bad) == 0 {
		return ""
	}
	return " Not done: " + strings.Join(bad, ", ") + "."
}

func (l *lifecycle) finish(ctx workflow.Context, res LifecycleResult) LifecycleResult {
	res.Directories = l.results()
	res.Decisions = l.decisions
	res.CompletedAt = workflow.Now(ctx)
	l.upsert(ctx, StatusCompleted)
	// An operator's update accepted in the last task finishes before the
	// run completes (its caller gets an answer, not an error).
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return res
}

// MoverWorkflow applies the catalog diff of a role change in each directory,
// manager change included, and tells the old and new managers. The diff is
// against what the catalog granted, so access granted outside the catalog
// (an elevation) is never removed.
func MoverWorkflow(ctx workflow.Context, in MoverInput) (LifecycleResult, error) {
	res := LifecycleResult{StartedAt: workflow.Now(ctx), Granted: in.Granted}
	l, err := newLifecycle(ctx, EventMover, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	plan, err := l.plan(ctx, in.New, in.Granted)
	if err != nil {
		return l.stopped(ctx, res, in.Granted, nil, err)
	}
	res.Changes = plan.Changes
	person := personFor(in.New, in.Policy)
	managerChanged := in.Old.ManagerEmployeeID != in.New.ManagerEmployeeID && in.New.ManagerEmployeeID != ""

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) {
			id, err := l.account(ctx, lane, in.Accounts, in.New)
			if err != nil || id == "" {
				return
			}
			if _, err := l.do(ctx, lane, "update profile", directoryOptions(false), ActUpdateProfile,
				UpdateProfileInput{Directory: dir, AccountID: id, Person: person}); err != nil {
				return
			}
			if managerChanged {
				if _, err := l.do(ctx, lane, "set manager", directoryOptions(false), ActSetManager,
					SetManagerInput{Directory: dir, AccountID: id, EmployeeID: in.EmployeeID, ManagerEmployeeID: in.New.ManagerEmployeeID}); err != nil {
					return
				}
			}
			l.applyAccess(ctx, lane, id, plan.Changes)
		})
	}
	addApps, removeApps := appChanges(plan.Changes, in.Policy.Apps)
	fns = append(fns, l.appLanes(addApps, "provision app", ActProvisionApp, person)...)
	fns = append(fns, l.appLanes(removeApps, "deprovision app", ActDeprovisionApp, person)...)
	parallel(ctx, fns...)
	if err := ctx.Err(); err != nil {
		return l.stopped(ctx, res, in.Granted, &plan.Entitlements, err)
	}
	res.Granted = l.granted(in.Granted, plan.Entitlements)
	res.Accounts = accountsOf(l.lanes)
	res.ManagerTried, res.ManagerPending = managerOutcome(l.lanes)

	text := fmt.Sprintf("%s (employee %s) moved: %s. Access: %s.%s", in.New.Name(), in.EmployeeID,
		moveSummary(in.Old, in.New), summarize(plan.Changes), laneProblems(l.lanes))
	l.notifyManager(ctx, in.Old.ManagerEmployeeID, text)
	if in.New.ManagerEmployeeID != in.Old.ManagerEmployeeID {
		l.notifyManager(ctx, in.New.ManagerEmployeeID, text)
	}
	return l.finish(ctx, res), nil
}

func moveSummary(a, b hr.Record) string {
	var parts []string
	for _, f := range moverFields(a, b) {
		if f.a != f.b {
			parts = append(parts, fmt.Sprintf("%s %q -> %q", strings.ReplaceAll(f.name, "_", " "), f.a, f.b))
		}
	}
	if len(parts) == 0 {
		return "no HR change"
	}
	return strings.Join(parts, ", ")
}

package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// MoverWorkflow applies the catalog diff of a role change in each directory,
// manager change included, and tells the old and new managers. The diff is
// against what the catalog granted, so access granted outside the catalog
// (an elevation) is never removed.
func MoverWorkflow(ctx workflow.Context, in contract.MoverInput) (contract.LifecycleResult, error) {
	res := contract.LifecycleResult{StartedAt: workflow.Now(ctx), Granted: in.Granted}
	l, err := newLifecycle(ctx, domain.EventMover, in.EmployeeID, in.Policy)
	if err != nil {
		return res, err
	}
	plan, err := l.plan(ctx, in.New, in.Granted)
	if err != nil {
		return l.stopped(ctx, res, in.Granted, nil, err)
	}
	res.Changes = plan.Changes
	person := personFor(in.New, in.Policy)

	var fns []func(workflow.Context)
	for _, dir := range in.Policy.Directories {
		lane := l.lane(dir)
		fns = append(fns, func(ctx workflow.Context) { l.moveDirectory(ctx, lane, in, person, plan.Changes) })
	}
	addApps, removeApps := appChanges(plan.Changes, in.Policy.Apps)
	fns = append(fns, l.appLanes(addApps, "provision app", contract.ProvisionApp, person)...)
	fns = append(fns, l.appLanes(removeApps, "deprovision app", contract.DeprovisionApp, person)...)
	create, remove := manualAppChanges(in.Policy, plan.Changes)
	res.AppTasks = append(l.openAppTasks(ctx, contract.AppTaskRemove, remove, in.New), l.openAppTasks(ctx, contract.AppTaskCreate, create, in.New)...)
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

// moveDirectory is one directory's mover lane: find the account, update
// the profile, set a changed manager, apply the diff.
func (l *lifecycle) moveDirectory(ctx workflow.Context, lane *contract.DirectoryResult, in contract.MoverInput, person domain.Person, changes []domain.Change) {
	dir := lane.Directory
	id, synced, err := l.findAccount(ctx, lane, in.Accounts, in.New)
	if err != nil || id == "" {
		return
	}
	if synced {
		l.moveSynced(ctx, lane, in, id, person, changes)
		return
	}
	if _, err := do(ctx, l, lane, "update profile", contract.UpdateProfile,
		contract.UpdateProfileInput{Directory: dir, AccountID: id, Person: person}); err != nil {
		return
	}
	if m := in.New.ManagerEmployeeID; m != "" && m != in.Old.ManagerEmployeeID {
		if _, err := do(ctx, l, lane, "set manager", contract.SetManager,
			contract.SetManagerInput{Directory: dir, AccountID: id, EmployeeID: in.EmployeeID, ManagerEmployeeID: m}); err != nil {
			return
		}
	}
	l.applyAccess(ctx, lane, id, changes)
}

func moveSummary(a, b domain.HRRecord) string {
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

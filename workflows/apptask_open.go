package workflows

import (
	"fmt"
	"slices"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeManualApps guards the owner tasks of manual apps in the joiner,
// mover and leaver. It is asked only when a run has a task to open, so the
// runs of a configuration without manual apps keep their history.
const changeManualApps = "manual-app-tasks"

// appTasksOn is the version check. Asked only where a run has manual apps
// to look at, so the runs of a configuration without them keep their
// history.
func appTasksOn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changeManualApps, workflow.DefaultVersion, 1) >= 1
}

// leaverManualApps are the manual apps a leaver holds: what the catalog
// granted through jml, and what the catalog grants their HR attributes (a
// person jml never onboarded has no grant record, and nobody can read a
// manual app to find out).
func (l *lifecycle) leaverManualApps(ctx workflow.Context, in contract.LeaverInput, local bool) []contract.ManualApp {
	if len(in.Policy.ManualApps) == 0 || !appTasksOn(ctx) {
		return nil
	}
	names := slices.Clone(in.Granted.Apps)
	planAccess := contract.PlanAccess
	if local {
		planAccess = planAccess.Locally() // the catalog is in this worker's memory (leaver-fewer-round-trips)
	}
	plan, err := planAccess.Execute(ctx, summary("plan", "manual apps", "catalog"), contract.PlanAccessInput{Attributes: domain.AttributesOf(in.Record)})
	if err == nil {
		names = append(names, plan.Entitlements.Apps...)
	} else {
		workflow.GetLogger(ctx).Warn("catalog not evaluated for manual apps", "employee_id", l.employeeID, "error", err.Error())
	}
	return manualAppsAmong(in.Policy, names)
}

// manualAppsAmong is the policy's manual apps among names, in policy order.
func manualAppsAmong(p contract.Policy, names []string) []contract.ManualApp {
	var out []contract.ManualApp
	for _, m := range p.ManualApps {
		if slices.Contains(names, m.Name) {
			out = append(out, m)
		}
	}
	return out
}

// manualAppChanges splits the plan's app changes into the manual apps to
// create and to remove.
func manualAppChanges(p contract.Policy, changes []domain.Change) (create, remove []contract.ManualApp) {
	var add, rem []string
	for _, c := range changes {
		if c.Kind == domain.KindApp {
			add, rem = append(add, c.Add...), append(rem, c.Remove...)
		}
	}
	return manualAppsAmong(p, add), manualAppsAmong(p, rem)
}

// openAppTasks starts one AppTask child per app, abandoned: this run waits
// only for each to start, never for the owner. A task that cannot start
// is named in the result with its error, and alerted.
func (l *lifecycle) openAppTasks(ctx workflow.Context, action string, apps []contract.ManualApp, rec domain.HRRecord) []contract.ManualAppRef {
	if len(apps) == 0 || !appTasksOn(ctx) {
		return nil
	}
	parent := workflow.GetInfo(ctx).WorkflowExecution.ID
	var refs []contract.ManualAppRef
	for _, app := range apps {
		id := contract.AppTaskWorkflowID(parent, app.Name)
		ref := contract.ManualAppRef{App: app.Name, TaskID: id, Owner: app.Owner, DueAt: workflow.Now(ctx).Add(app.Deadline)}
		opts := workflow.ChildWorkflowOptions{
			WorkflowID:        id,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			StaticSummary:     fmt.Sprintf("app task · %s %s · employee %s · owner %s", action, app.Name, l.employeeID, app.Owner),
		}
		in := contract.AppTaskInput{EmployeeID: l.employeeID, Login: rec.Email, App: app.Name, Action: action, Owner: app.Owner, Fallback: app.Fallback,
			Deadline: app.Deadline, SecurityChannel: l.policy.SecurityChannel, Lifecycle: parent, Event: l.event}
		f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), contract.AppTaskWorkflowName, in)
		if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
			ref.Error = failureMessage(err)
			l.notify(ctx, fmt.Sprintf("jml: the owner task to %s employee %s's account in %s did not start (%s): tell owner %s by hand.",
				action, l.employeeID, app.Name, ref.Error, app.Owner))
		}
		refs = append(refs, ref)
	}
	return refs
}

package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// A manager HR names before their own record arrives has no account yet.
// The joiner does not wait for them: it records the wait, and the Employee
// workflow tries again on a durable timer, backing off from
// managerRetryFirst to managerRetryMax, until the manager's account exists
// or managerWaitMax has passed (then IT is told to look).
const (
	managerRetryFirst = time.Minute
	managerRetryMax   = time.Hour
	managerWaitMax    = 14 * 24 * time.Hour
)

// managerRetryDelay is the wait before attempt n+1 (n attempts made).
func managerRetryDelay(n int) time.Duration {
	d := managerRetryFirst
	for i := 0; i < n && d < managerRetryMax; i++ {
		d *= 2
	}
	return min(d, managerRetryMax)
}

// followManager folds a joiner's, rehire's or mover's manager outcome into
// the wait: a run that set the manager decides it (pending somewhere: wait
// there; nowhere: done).
func (e *employee) followManager(now time.Time, managerID string, res contract.LifecycleResult) {
	if !res.ManagerTried {
		return
	}
	e.st.Pending = dropPending(e.st.Pending, func(w contract.WorkItem) bool { return w.Event == domain.EventManager })
	if len(res.ManagerPending) == 0 || managerID == "" {
		e.st.ManagerWait = nil
		return
	}
	e.st.ManagerWait = &contract.ManagerWait{ManagerEmployeeID: managerID, Directories: slices.Clone(res.ManagerPending), Since: now}
	e.queueManagerRetry(now)
}

func (e *employee) queueManagerRetry(now time.Time) {
	e.st.Seq++
	e.st.Pending = append(e.st.Pending, contract.WorkItem{
		Seq: e.st.Seq, Event: domain.EventManager, DueAt: now.Add(managerRetryDelay(e.st.ManagerWait.Attempts)),
		Record: *e.st.Record, AcceptedAt: now,
	})
	e.version++
}

// retryManager tries to set the awaited manager where it is still missing.
// It is no child workflow: a few SetManager calls, each with its summary.
func (e *employee) retryManager(ctx workflow.Context, item contract.WorkItem) {
	w := e.st.ManagerWait
	if w == nil || e.st.Terminated || e.st.Record == nil || e.st.Record.ManagerEmployeeID != w.ManagerEmployeeID {
		// Left, or HR names another manager now: the mover that follows sets it.
		e.st.ManagerWait = nil
		return
	}
	now := workflow.Now(ctx)
	var still []string
	var lanes []contract.DirectoryResult
	var fns []func(workflow.Context)
	for _, dir := range w.Directories {
		id := e.st.Accounts[dir]
		if id == "" {
			continue // no account of the employee there any more
		}
		fns = append(fns, func(ctx workflow.Context) {
			out, err := contract.SetManager.Execute(ctx, summary("set manager", w.ManagerEmployeeID, dir), contract.SetManagerInput{
				Directory: dir, AccountID: id, EmployeeID: e.st.EmployeeID, ManagerEmployeeID: w.ManagerEmployeeID,
			})
			lane := contract.DirectoryResult{Directory: dir, AccountID: id, Result: domain.ResultOK, Actions: out.Actions}
			if err != nil {
				lane.Errors = []string{"set manager: " + failureMessage(err)}
			}
			if err != nil || slices.ContainsFunc(out.Actions, func(a contract.Action) bool { return a.Outcome == string(domain.ManagerPending) }) {
				still = append(still, dir)
			}
			lanes = append(lanes, lane)
		})
	}
	parallel(ctx, fns...)
	slices.Sort(still)
	slices.SortFunc(lanes, func(a, b contract.DirectoryResult) int { return strings.Compare(a.Directory, b.Directory) })
	w.Attempts++
	w.Directories = still
	ch := contract.ChangeRecord{Seq: item.Seq, Event: domain.EventManager, StartedAt: now, CompletedAt: workflow.Now(ctx), Directories: lanes}
	switch {
	case len(still) == 0:
		e.st.ManagerWait = nil
	case workflow.Now(ctx).Sub(w.Since) >= managerWaitMax:
		e.st.ManagerWait = nil
		ch.Error = fmt.Sprintf("manager %s still has no account in %s after %s", w.ManagerEmployeeID, strings.Join(still, ", "), managerWaitMax)
		tellIT(ctx, e.policy, e.st.EmployeeID, fmt.Sprintf("jml: the manager of employee %s is not set in %s: manager %s has no account there after %s. Set it by hand or correct HR.",
			e.st.EmployeeID, strings.Join(still, ", "), w.ManagerEmployeeID, managerWaitMax))
	default:
		e.queueManagerRetry(workflow.Now(ctx))
		return // still waiting: no history entry per attempt
	}
	e.record(ch)
}

// tellIT posts to the IT channel (the security channel when none is set).
func tellIT(ctx workflow.Context, p contract.Policy, employeeID, text string) {
	channel := p.ITChannel
	if channel == "" {
		channel = p.SecurityChannel
	}
	alertSecurity(ctx, channel, employeeID, text)
}

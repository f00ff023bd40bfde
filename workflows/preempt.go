package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeTerminationPreempts guards (workflow.GetVersion) the pre-emption of
// a running joiner, rehire, activation or mover by a termination that falls
// due: the child is cancelled, hands back what it had done, and the leaver
// starts at once. Runs recorded before it wait for the child as they did.
const changeTerminationPreempts = "termination-preempts"

func preemptV1(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changeTerminationPreempts, workflow.DefaultVersion, 1) >= 1
}

// terminationDue reports whether a queued termination is due at now, or
// else how long until it is (0: none queued).
func terminationDue(items []contract.WorkItem, now time.Time) (bool, time.Duration) {
	i := pendingIndex(items, domain.EventLeaver)
	if i < 0 {
		return false, 0
	}
	if d := items[i].DueAt.Sub(now); !items[i].DueAt.IsZero() && d > 0 {
		return false, d
	}
	return true, 0
}

// execPreemptible runs a lifecycle child that is not a leaver and waits for
// it, unless a termination falls due first (already queued, accepted while
// the child runs, or reaching its effective time): then it cancels the
// child and waits for its partial result. It reports whether it did.
func (e *employee) execPreemptible(ctx workflow.Context, opts workflow.ChildWorkflowOptions, name string, in any, res *contract.LifecycleResult) (bool, error) {
	if !preemptV1(ctx) {
		return false, workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), name, in).Get(ctx, res)
	}
	opts.WaitForCancellation = true // the cancelled child's result comes back
	cctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	fut := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(cctx, opts), name, in)
	cancelled := false
	for !fut.IsReady() {
		due, wait := terminationDue(e.st.Pending, workflow.Now(ctx))
		if due {
			cancel()
			cancelled = true
			break
		}
		seen := e.version
		tctx, stopTimer := workflow.WithCancel(ctx)
		var timer workflow.Future
		if wait > 0 {
			timer = workflow.NewTimer(tctx, wait)
		}
		err := workflow.Await(ctx, func() bool { return fut.IsReady() || e.version != seen || (timer != nil && timer.IsReady()) })
		stopTimer()
		if err != nil {
			break // the Employee workflow itself is cancelled; the child goes with it
		}
	}
	err := fut.Get(ctx, res)
	var canceled *temporal.CanceledError
	if !cancelled || !errors.As(err, &canceled) {
		return false, err // finished before the cancellation reached it
	}
	if canceled.HasDetails() {
		var partial contract.LifecycleResult
		if derr := canceled.Details(&partial); derr == nil {
			*res = partial
		}
	}
	return true, err
}

// preempted folds in what a cancelled child had done: its accounts (after
// the switch in run) and the access it had granted, so the leaver that
// follows knows them without a look-up.
func (e *employee) preempted(item contract.WorkItem, res contract.LifecycleResult) {
	if res.Granted.Groups != nil || res.Granted.Licenses != nil || res.Granted.Apps != nil {
		e.st.Access = res.Granted
	}
	e.st.Preempted = fmt.Sprintf("%s %s", item.Event, item.WorkflowID)
}

// leaverFirst: once a termination is due, nothing queued before it runs
// (a mover would grant access, an activation enable accounts): the leaver
// goes next.
func (e *employee) leaverFirst(ctx workflow.Context, now time.Time) {
	if due, _ := terminationDue(e.st.Pending, now); !due || len(e.st.Pending) == 1 {
		return
	}
	if e.st.Preempted == "" && !preemptV1(ctx) {
		return
	}
	e.st.Pending = dropPending(e.st.Pending, func(w contract.WorkItem) bool { return w.Event != domain.EventLeaver })
}

// stopped is a lifecycle child's answer when its context is cancelled: the
// partial result (accounts, lanes, access granted so far) as the details of
// the cancellation, its status recorded on a disconnected context.
func (l *lifecycle) stopped(ctx workflow.Context, res contract.LifecycleResult, before domain.Entitlements, plan *domain.Entitlements, err error) (contract.LifecycleResult, error) {
	if !preemptV1(ctx) {
		return res, err
	}
	if plan != nil {
		res.Granted = l.granted(before, *plan)
	}
	res.Accounts = accountsOf(l.lanes)
	res.Directories = l.results()
	res.Decisions = l.decisions
	res.CompletedAt = workflow.Now(ctx)
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	l.upsert(dctx, domain.StatusCancelled)
	return res, temporal.NewCanceledError(res)
}

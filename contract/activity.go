package contract

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/domain"
)

// Activity is one activity declared once: the name it is registered and
// scheduled under, its input and output types, and its default options.
// Workflows call it with Execute or Start and workers bind it with
// Register, so a wrong input type or a wrong implementation fails go build.
type Activity[In, Out any] struct {
	Name    string
	Options func() workflow.ActivityOptions
	local   bool // Locally
}

// Empty is the input or output of an activity that has none.
type Empty struct{}

// Execute runs the activity with its default options and waits for it.
// summary is what the Temporal UI shows for the call: the step and the
// directory ("disable · entra"), never a name or an email (it is not
// encrypted).
func (a Activity[In, Out]) Execute(ctx workflow.Context, summary string, in In) (Out, error) {
	return a.Start(ctx, summary, in).Get(ctx)
}

// Locally is the handle run as a local activity, in the workflow's own
// worker with the handle's timeouts and retry policy: for a cheap step that
// calls no directory (the catalog in memory), where the server's
// scheduling round trip costs more than the step itself.
func (a Activity[In, Out]) Locally() Activity[In, Out] {
	a.local = true
	return a
}

// Start schedules the activity and returns its typed future.
func (a Activity[In, Out]) Start(ctx workflow.Context, summary string, in In) Future[Out] {
	o := a.Options()
	o.Summary = summary
	if a.local {
		lo := workflow.LocalActivityOptions{StartToCloseTimeout: o.StartToCloseTimeout, ScheduleToCloseTimeout: o.ScheduleToCloseTimeout,
			RetryPolicy: o.RetryPolicy, Summary: summary}
		return Future[Out]{f: workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, lo), a.Name, in)}
	}
	return Future[Out]{f: workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), a.Name, in)}
}

// Future is a started activity whose result is an Out.
type Future[Out any] struct{ f workflow.Future }

// Get waits for the result.
func (f Future[Out]) Get(ctx workflow.Context) (Out, error) {
	var out Out
	err := f.f.Get(ctx, &out)
	return out, err
}

// Registry is where activities are registered: a worker, a replayer or a
// test environment.
type Registry interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

// Register binds fn to the handle's name. fn must take the handle's input
// and return its output, or this does not compile.
func Register[In, Out any](r Registry, a Activity[In, Out], fn func(context.Context, In) (Out, error)) {
	r.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: a.Name})
}

// NonRetryableErrorTypes are never retried by the activity retry policies.
var NonRetryableErrorTypes = func() []string {
	out := make([]string, len(domain.NonRetryable))
	for i, t := range domain.NonRetryable {
		out[i] = string(t)
	}
	return out
}()

// DirectoryOptions: directory calls are retried with backoff (throttling
// honours the server's delay through NextRetryDelay). A permanent failure
// blocks the lane for an operator at once; transient ones (429, 5xx, a
// dropped connection) are retried for DirectoryRetryWindow, not for a count
// of attempts: a step making several calls must not need a person because a
// directory had a bad few minutes (the chaos run found a leaver blocked by
// eight 502s in a row).
//
// On a layoff day a step's calls queue for the tenant's rate budget, so a
// step can take minutes without anything being wrong: the attempt is bounded
// by the retry window, and a lost worker is noticed by the heartbeat the
// limiter sends while a call waits (directory.WithKeepAlive), not by a
// short StartToClose that the queue alone would exceed.
func DirectoryOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    DirectoryRetryWindow,
		HeartbeatTimeout:       time.Minute,
		ScheduleToCloseTimeout: DirectoryRetryWindow,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
}

// DirectoryRetryWindow bounds the retries of one directory step: well inside
// the leaver's 1-hour SLA, so a directory that stays down blocks the lane
// and alerts with time left to act.
const DirectoryRetryWindow = 20 * time.Minute

// HeartbeatDirectoryOptions: a directory step that walks a list heartbeats,
// so a lost worker is noticed in 30 s, not at the timeout.
func HeartbeatDirectoryOptions() workflow.ActivityOptions {
	o := DirectoryOptions()
	o.HeartbeatTimeout = 30 * time.Second
	return o
}

// NotifyOptions: a notification is worth a few tries, never a blocked lane.
func NotifyOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
			MaximumAttempts: 3, NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
}

// PlanOptions: the catalog lives in the worker's memory; a few quick tries.
func PlanOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 5, NonRetryableErrorTypes: NonRetryableErrorTypes}}
}

// EvidenceOptions: directory reads with retries; a heartbeat so a lost
// worker is noticed in a minute, not at the end of a long export.
func EvidenceOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Minute,
		HeartbeatTimeout:    time.Minute,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			MaximumAttempts: 6, NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
}

package workers

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/workflows"
)

// StopTimeout is how long a stopping worker lets in-flight activities
// finish before cancelling them.
const StopTimeout = 30 * time.Second

// New creates a worker on the configured task queue with every workflow and
// activity of jml registered.
func New(c client.Client, cfg *config.Config, deps *Deps, z zerolog.Logger) worker.Worker {
	w := worker.New(c, cfg.Temporal.TaskQueue, worker.Options{
		MaxConcurrentActivityExecutionSize: cfg.Temporal.ActivitySlots(),
		WorkerStopTimeout:                  StopTimeout,
		// A call waiting for its rate budget heartbeats its activity.
		Interceptors: []interceptor.WorkerInterceptor{activities.KeepAliveInterceptor()},
	})
	if deps.Visibility == nil || deps.People == nil || deps.HR == nil || deps.Released == nil || deps.HRSink == nil {
		d := *deps
		if d.HR == nil {
			d.HR = employees.Sink{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()} // HR batches fan out through it
		}
		if d.Released == nil {
			d.Released = hrDelivery{c: c, cfg: cfg}
		}
		if d.Visibility == nil {
			d.Visibility = c // the KPI report lists active employees and elevations
		}
		if d.People == nil {
			d.People = HRRecords{Client: c} // DMs go to HR work emails
		}
		if d.HRSink == nil {
			sink := employees.Sink{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()} // scheduled imports signal
			d.HRSink = sink
			if p := cfg.GuardPolicy(); p.Enabled {
				d.HRSink = &guardedSink{sink: sink, guard: &employees.Guard{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: p}, runs: map[string]*employees.GuardRun{}}
			}
		}
		deps = &d
	}
	Register(w, cfg, deps, z)
	return w
}

// Register puts every workflow and activity on r (a worker or a replayer).
func Register(r worker.Registry, cfg *config.Config, deps *Deps, z zerolog.Logger) {
	workflows.Register(r)
	acts := &activities.Activities{
		Directories: deps.Directories,
		Apps:        deps.Apps,
		Catalog:     cfg.Catalog.Domain(),
		EvidenceDir: cfg.Evidence.Dir,
		Logger:      z.With().Str("component", "activities").Logger(),
		Visibility:  deps.Visibility,
		People:      deps.People,
		Namespace:   cfg.Temporal.Namespace,
		HR:          deps.HR,
		Released:    deps.Released,
		AppModes:    cfg.AppModes(),
	}
	if deps.Slack != nil {
		acts.Holds = Notifier{Slack: deps.Slack}
		acts.Notifier = Notifier{Slack: deps.Slack}
		acts.Approvals = Notifier{Slack: deps.Slack}
		acts.Reviews = Notifier{Slack: deps.Slack} // workers/review.go
		acts.Tasks = Notifier{Slack: deps.Slack}
		acts.Sweeps = Notifier{Slack: deps.Slack} // workers/sweepnotice.go
	}
	acts.Register(r)
	hrImports(r, cfg, deps)
}

// Run starts w and blocks until ctx ends, then stops it gracefully:
// pollers stop, in-flight activities get StopTimeout to finish.
func Run(ctx context.Context, w worker.Worker) error {
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}

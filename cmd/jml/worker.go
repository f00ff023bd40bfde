package main

import (
	"context"
	"fmt"
	"io"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/starters/hrimport"
	"github.com/jml-dev/jml/starters/sweep"
	"github.com/jml-dev/jml/workers"
)

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "Runs the Temporal worker: every jml workflow and activity, on the configured task queue.\nStops gracefully on SIGINT/SIGTERM: in-flight activities finish or are cancelled.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	sm := metricsFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := connectWith(ctx, *cfgPath, config.NeedDirectories, stderr, sm.hook)
	if err != nil {
		return err
	}
	defer s.client.Close()
	if sm.m != nil {
		sm.m.ObserveDirectories()
		sm.m.ObserveImports()
		sm.m.CountLeaversInFlight(s.client)
	}
	stopMetrics, err := sm.serve(s)
	if err != nil {
		return err
	}
	defer stopMetrics()
	deps, err := workers.BuildDeps(ctx, s.cfg)
	if err != nil {
		return usageError{err}
	}
	// The worker owns the schedules: every deployment runs it, and the
	// schedules' input (directories, task queue) follows its configuration.
	ids, err := evidence.EnsureSchedules(ctx, s.client, s.cfg)
	if err != nil {
		return fmt.Errorf("evidence schedules: %w", err)
	}
	s.log.Info().Strs("schedules", ids).Msg("evidence schedules ensured")
	if ids, err = hrimport.EnsureSchedules(ctx, s.client, s.cfg); err != nil {
		return fmt.Errorf("HR import schedules: %w", err)
	}
	s.log.Info().Strs("schedules", ids).Msg("HR import schedules ensured")
	if _, err := sweep.EnsureSchedule(ctx, s.client, s.cfg); err != nil {
		return err
	}
	w := workers.New(s.client, s.cfg, deps, s.log)
	// One budget per tenant or app, whatever the number of workers.
	workers.ShareBudget(ctx, s.client, s.cfg.Temporal.TaskQueue, s.log)
	s.log.Info().Str("task_queue", s.cfg.Temporal.TaskQueue).Str("namespace", s.cfg.Temporal.Namespace).Msg("worker started")
	return workers.Run(ctx, w)
}

package main

import (
	"context"
	"io"

	"github.com/jml-dev/jml/workers"
)

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "Runs the Temporal worker: every jml workflow and activity, on the configured task queue.\nStops gracefully on SIGINT/SIGTERM: in-flight activities finish or are cancelled.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := connect(ctx, *cfgPath, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	deps, err := workers.BuildDeps(ctx, s.cfg)
	if err != nil {
		return usageError{err}
	}
	w := workers.New(s.client, s.cfg, deps, s.log)
	s.log.Info().Str("task_queue", s.cfg.Temporal.TaskQueue).Str("namespace", s.cfg.Temporal.Namespace).Msg("worker started")
	return workers.Run(ctx, w)
}

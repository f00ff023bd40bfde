package main

import (
	"context"
	"io"

	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("worker", "Runs the Temporal worker: every jml workflow and activity, on the configured task queue.\nStops gracefully on SIGINT/SIGTERM: in-flight activities finish or are cancelled.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, z, err := loadConfig(*cfgPath, stderr)
	if err != nil {
		return err
	}
	keys, err := codec.LoadKeys(envOf())
	if err != nil {
		return usageError{err}
	}
	deps, err := workers.BuildDeps(ctx, cfg)
	if err != nil {
		return usageError{err}
	}
	c, err := workers.Dial(ctx, cfg, z, keys)
	if err != nil {
		return err
	}
	defer c.Close()
	w := workers.New(c, cfg, deps, z)
	z.Info().Str("task_queue", cfg.Temporal.TaskQueue).Str("namespace", cfg.Temporal.Namespace).Msg("worker started")
	return workers.Run(ctx, w)
}

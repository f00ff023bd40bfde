package main

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

func envOf() func(string) string { return os.Getenv }

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Runs the intake server: signed HR webhooks (POST /hr/records), the codec endpoint\nthe Temporal UI decrypts payloads with (/codec/encode, /codec/decode), and /healthz.", stderr)
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
	c, err := workers.Dial(ctx, cfg, z, keys)
	if err != nil {
		return err
	}
	defer c.Close()
	srv := intake.FromConfig(cfg, c, keys, z)
	if err := srv.Start(); err != nil {
		return usagef("intake.listen %s: %v", cfg.Intake.Listen, err)
	}
	z.Info().Str("listen", srv.Addr()).Msg("intake server started")
	<-ctx.Done()
	return shutdownIntake(srv)
}

func shutdownIntake(srv *intake.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

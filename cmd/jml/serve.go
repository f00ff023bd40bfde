package main

import (
	"context"
	"io"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/intake"
)

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Runs the intake server: signed HR webhooks (POST /hr/records), the codec endpoint\nthe Temporal UI decrypts payloads with (/codec/encode, /codec/decode), and /healthz.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	sm := metricsFlag(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	// Every mounted route must be able to verify what it receives.
	s, err := connectWith(ctx, *cfgPath, config.NeedDirectories|config.NeedIntake, stderr, sm.hook)
	if err != nil {
		return err
	}
	defer s.client.Close()
	srv, err := intake.FromConfig(s.cfg, s.client, s.keys, s.log)
	if err != nil {
		return usageError{err}
	}
	if sm.m != nil {
		srv.Wrap(sm.m.Intake)
		sm.m.ObserveImports()
	}
	stopMetrics, err := sm.serve(s)
	if err != nil {
		return err
	}
	defer stopMetrics()
	if err := srv.Start(); err != nil {
		return usagef("intake.listen %s: %v", s.cfg.Intake.Listen, err)
	}
	s.log.Info().Str("listen", srv.Addr()).Msg("intake server started")
	<-ctx.Done()
	return shutdownIntake(srv)
}

func shutdownIntake(srv *intake.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

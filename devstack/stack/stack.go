// Package stack builds one whole jml environment in-process: emulators seeded
// with an organisation, a worker and the intake, configured from
// config/demo.yaml exactly as `jml dev` does. `jml bench` and the end-to-end
// harness use it.
package stack

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

// Env is one whole environment: a dev server, emulators seeded with an organisation, a jml worker on a fresh
// task queue and the intake server, all configured from config/demo.yaml
// exactly as `jml dev` does.
type Env struct {
	Server    *sdktest.DevServer
	Client    client.Client
	Config    *config.Config
	Emulators *emulators.Set
	Worker    worker.Worker
	Intake    *intake.Server
	Keys      *codec.Keyring
	Org       demoorg.Org
	// Logs holds every line the worker and intake logged, for leak checks.
	Logs *SyncBuffer
	// AD is the Env's Samba AD DC (EnvOptions.AD), ADSeed what was seeded.
	AD     *samba.DC
	ADSeed samba.Seeded

	cleanup []func()
}

// EnvOptions tune an Env.
type EnvOptions struct {
	Employees, Joiners int            // demo organisation size (default 50, 3)
	Keys               *codec.Keyring // payload encryption; nil = none
	Configure          func(*config.Config)
	Server             *sdktest.DevServer // required
	Namespace          string             // "" = the configuration's
	LogTo              io.Writer          // nil = Env.Logs
	AD                 bool               // a real Samba AD DC as directories.ad
	Sweep              bool               // seed demoorg.SweepAccounts (the privilege sweep's accounts outside HR)
}

// SyncBuffer is a goroutine-safe log sink.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// New builds an Env on o.Server; Close stops it.
func New(o EnvOptions) (_ *Env, err error) {
	if o.Employees == 0 {
		o.Employees, o.Joiners = 50, 3
	}
	e := &Env{Keys: o.Keys, Org: demoorg.New(o.Employees, o.Joiners), Logs: &SyncBuffer{}}
	defer func() {
		if err != nil {
			e.Close()
		}
	}()
	root, err := devserver.RepoRoot()
	if err != nil {
		return nil, err
	}
	if o.Server == nil {
		return nil, fmt.Errorf("stack: no dev server given")
	}
	e.Server = o.Server
	creds := emulators.DemoCredentials()
	env := creds.Env()
	cfg, err := config.LoadWithEnv(root+"/config/demo.yaml", func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	e.Config = cfg
	cfg.Temporal.Address = e.Server.FrontendHostPort()
	if o.Namespace != "" {
		cfg.Temporal.Namespace = o.Namespace
	}
	cfg.Temporal.TaskQueue = "jml-test-" + uuid.NewString()
	if cfg.Evidence.Dir, err = os.MkdirTemp("", "jml-evidence-"); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = os.RemoveAll(cfg.Evidence.Dir) })
	cfg.Intake.Listen = "127.0.0.1:0"
	cfg.Log.Format = "json"
	cfg.Log.Level = "debug"

	if e.Emulators, err = emulators.Start(emulators.Options{Org: e.Org, Creds: creds, SweepAccounts: sweepAccounts(o.Sweep)}); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = e.Emulators.Close() })
	e.Emulators.Configure(cfg)
	if o.AD {
		if err := e.startAD(context.Background(), cfg); err != nil {
			return nil, err
		}
	}
	if o.Configure != nil {
		o.Configure(cfg)
	}
	var out io.Writer = e.Logs
	if o.LogTo != nil {
		out = o.LogTo
	}
	z := zerolog.New(out).Level(zerolog.DebugLevel).With().Timestamp().Logger()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if e.Client, err = workers.Dial(ctx, cfg, z, o.Keys); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, e.Client.Close)
	deps, err := workers.BuildDeps(ctx, cfg)
	if err != nil {
		return nil, err
	}
	e.Worker = workers.New(e.Client, cfg, deps, z)
	if err := e.Worker.Start(); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, e.Worker.Stop)
	if e.Intake, err = intake.FromConfig(cfg, e.Client, o.Keys, z); err != nil {
		return nil, err
	}
	if err := e.Intake.Start(); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Intake.Shutdown(ctx)
	})
	e.Emulators.BambooHR.SetWebhook(e.IntakeURL()+"/hr/bamboohr", creds.HRWebhook)
	e.Emulators.Slack.SetCallbackURLs(e.IntakeURL()+"/slack/interactivity", e.IntakeURL()+"/slack/commands")
	return e, nil
}

// Close stops what New started, newest first (not the shared dev server).
func (e *Env) Close() {
	for i := len(e.cleanup) - 1; i >= 0; i-- {
		e.cleanup[i]()
	}
	e.cleanup = nil
}

// IntakeURL is the intake server's base URL.
func (e *Env) IntakeURL() string { return "http://" + e.Intake.Addr() }

func sweepAccounts(on bool) []demoorg.SweepAccount {
	if !on {
		return nil
	}
	return demoorg.SweepAccounts()
}

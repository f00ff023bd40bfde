package harness

import (
	"bytes"
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/testsuite/demoorg"
	"github.com/jml-dev/jml/testsuite/emulators"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

// Env is one end-to-end environment: a dev server (shared by the tests of a
// package), emulators seeded with an organisation, a jml worker on a fresh
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
}

// EnvOptions tune an Env.
type EnvOptions struct {
	Employees, Joiners int       // demo organisation size (default 50, 3)
	Keys               *codec.Keyring // payload encryption; nil = none
	Configure          func(*config.Config)
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

var (
	sharedMu     sync.Mutex
	sharedServer *sdktest.DevServer
)

// SharedServer starts the package's dev server once; TestMain should call
// StopSharedServer.
func SharedServer() (*sdktest.DevServer, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedServer != nil {
		return sharedServer, nil
	}
	s, err := StartServer(context.Background(), ServerOptions{UIPort: -1})
	if err != nil {
		return nil, err
	}
	sharedServer = s
	return s, nil
}

// StopSharedServer stops the package's dev server, if started.
func StopSharedServer() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedServer != nil {
		_ = sharedServer.Stop()
		sharedServer = nil
	}
}

// Start builds an Env; everything stops when the test ends.
func Start(t testing.TB, o EnvOptions) *Env {
	t.Helper()
	if o.Employees == 0 {
		o.Employees, o.Joiners = 50, 3
	}
	root, err := RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	server, err := SharedServer()
	if err != nil {
		t.Fatalf("dev server: %v", err)
	}
	creds := emulators.DemoCredentials()
	env := creds.Env()
	cfg, err := config.LoadWithEnv(root+"/config/demo.yaml", func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("demo config: %v", err)
	}
	e := &Env{Server: server, Config: cfg, Keys: o.Keys, Org: demoorg.New(o.Employees, o.Joiners), Logs: &SyncBuffer{}}
	cfg.Temporal.Address = server.FrontendHostPort()
	cfg.Temporal.TaskQueue = "jml-test-" + uuid.NewString()
	cfg.Evidence.Dir = t.TempDir()
	cfg.Intake.Listen = "127.0.0.1:0"
	cfg.Log.Format = "json"
	cfg.Log.Level = "debug"

	e.Emulators, err = emulators.Start(emulators.Options{Org: e.Org, Creds: creds})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Emulators.Close() })
	e.Emulators.Configure(cfg)
	if o.Configure != nil {
		o.Configure(cfg)
	}
	z := zerolog.New(e.Logs).Level(zerolog.DebugLevel).With().Timestamp().Logger()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	e.Client, err = workers.Dial(ctx, cfg, z, o.Keys)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Client.Close)
	deps, err := workers.BuildDeps(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.Worker = workers.New(e.Client, cfg, deps, z)
	if err := e.Worker.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Worker.Stop)
	e.Intake = intake.FromConfig(cfg, e.Client, o.Keys, z)
	if err := e.Intake.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = e.Intake.Shutdown(ctx)
	})
	return e
}

// IntakeURL is the intake server's base URL.
func (e *Env) IntakeURL() string { return "http://" + e.Intake.Addr() }

// Main is a TestMain body: run the tests, then stop the shared dev server.
func Main(m interface{ Run() int }) {
	code := m.Run()
	StopSharedServer()
	os.Exit(code)
}

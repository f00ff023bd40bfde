package harness

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

	cleanup []func()
}

// EnvOptions tune an Env.
type EnvOptions struct {
	Employees, Joiners int            // demo organisation size (default 50, 3)
	Keys               *codec.Keyring // payload encryption; nil = none
	Configure          func(*config.Config)
	Server             *sdktest.DevServer // nil = the package's shared server
	LogTo              io.Writer          // nil = Env.Logs
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
	// Each Env on the shared server gets a namespace of its own, so
	// workflow ids (employee/E0042) never collide between tests.
	namespaces []string
)

// maxEnvs is how many Envs one test package can start on its shared server.
const maxEnvs = 32

// SharedServer starts the package's dev server once; TestMain should call
// StopSharedServer.
func SharedServer() (*sdktest.DevServer, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedServer != nil {
		return sharedServer, nil
	}
	var pool []string
	for i := 1; i <= maxEnvs; i++ {
		pool = append(pool, fmt.Sprintf("jml-test-%02d", i))
	}
	s, err := StartServer(context.Background(), ServerOptions{UIPort: -1, Namespaces: pool})
	if err != nil {
		return nil, err
	}
	sharedServer, namespaces = s, pool
	return s, nil
}

// takeNamespace hands out the next unused namespace of the shared server.
func takeNamespace() (string, error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if len(namespaces) == 0 {
		return "", fmt.Errorf("more than %d environments in one test package: raise harness.maxEnvs", maxEnvs)
	}
	ns := namespaces[0]
	namespaces = namespaces[1:]
	return ns, nil
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

// Start builds an Env for a test; everything stops when the test ends.
func Start(t testing.TB, o EnvOptions) *Env {
	t.Helper()
	e, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// New builds an Env outside a test (jml bench); Close stops it.
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
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	if o.Server != nil {
		e.Server = o.Server
	} else if e.Server, err = SharedServer(); err != nil {
		return nil, fmt.Errorf("dev server: %w", err)
	}
	creds := emulators.DemoCredentials()
	env := creds.Env()
	cfg, err := config.LoadWithEnv(root+"/config/demo.yaml", func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	e.Config = cfg
	cfg.Temporal.Address = e.Server.FrontendHostPort()
	if o.Server == nil {
		if cfg.Temporal.Namespace, err = takeNamespace(); err != nil {
			return nil, err
		}
	}
	cfg.Temporal.TaskQueue = "jml-test-" + uuid.NewString()
	if cfg.Evidence.Dir, err = os.MkdirTemp("", "jml-evidence-"); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = os.RemoveAll(cfg.Evidence.Dir) })
	cfg.Intake.Listen = "127.0.0.1:0"
	cfg.Log.Format = "json"
	cfg.Log.Level = "debug"

	if e.Emulators, err = emulators.Start(emulators.Options{Org: e.Org, Creds: creds}); err != nil {
		return nil, err
	}
	e.cleanup = append(e.cleanup, func() { _ = e.Emulators.Close() })
	e.Emulators.Configure(cfg)
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

// Main is a TestMain body: run the tests, then stop the shared dev server.
func Main(m interface{ Run() int }) {
	code := m.Run()
	StopSharedServer()
	os.Exit(code)
}

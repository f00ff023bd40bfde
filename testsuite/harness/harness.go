// Package harness gives end-to-end tests a whole jml environment
// (devstack/stack) on one dev server shared by the tests of a package, each
// environment in a namespace of its own.
package harness

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"

	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/devstack/stack"
)

// Env and EnvOptions are the stack's; the harness only chooses the server.
type (
	Env        = stack.Env
	EnvOptions = stack.EnvOptions
)

var (
	sharedMu     sync.Mutex
	sharedServer *sdktest.DevServer
	// Each Env on the shared server gets a namespace of its own, so
	// workflow ids (employee/E0042) never collide between tests.
	namespaces []string
)

// maxEnvs is how many Envs one test package can start on its shared server.
const maxEnvs = 64

// SharedServer starts the package's dev server once; TestMain should call
// StopSharedServer (Main does).
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
	s, err := devserver.StartServer(context.Background(), devserver.ServerOptions{UIPort: -1, Namespaces: pool})
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

// Namespace hands a test the shared dev server and a namespace of its own,
// for a test that builds its environment itself (the chaos test runs the
// worker as a process of its own).
func Namespace(t testing.TB) (*sdktest.DevServer, string) {
	t.Helper()
	s, err := SharedServer()
	if err != nil {
		t.Fatalf("dev server: %v", err)
	}
	ns, err := takeNamespace()
	if err != nil {
		t.Fatal(err)
	}
	return s, ns
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

// Start builds an Env for a test, on the shared server unless o.Server is
// set; everything stops when the test ends.
func Start(t testing.TB, o EnvOptions) *Env {
	t.Helper()
	if o.Server == nil {
		s, err := SharedServer()
		if err != nil {
			t.Fatalf("dev server: %v", err)
		}
		ns, err := takeNamespace()
		if err != nil {
			t.Fatal(err)
		}
		o.Server, o.Namespace = s, ns
	}
	e, err := stack.New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// Main is a TestMain body: run the tests, then stop the shared dev server.
func Main(m interface{ Run() int }) {
	code := m.Run()
	StopSharedServer()
	samba.StopAll()
	os.Exit(code)
}

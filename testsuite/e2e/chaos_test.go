package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/chaos"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestChaos runs 20 leavers and 10 joiners on a `jml worker` process that
// is SIGKILLed at 5 random points, while the dev server and the emulators
// stay up and fault 20% of calls (429, 5xx before and after the call took
// effect, dropped connections, latency). Every workflow must complete with
// every directory in its intended end state, one offboarding row per
// leaver and no duplicate account or membership anywhere.
// JML_CHAOS_SEED replays a run; the seed is always logged.
func TestChaos(t *testing.T) {
	seed := time.Now().UnixNano()
	if s := os.Getenv("JML_CHAOS_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseInt(s, 10, 64)
		require.NoError(t, err, "JML_CHAOS_SEED")
	}
	t.Logf("chaos seed %d (replay: JML_CHAOS_SEED=%d go test ./testsuite/e2e -run TestChaos)", seed, seed)

	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "jml")
	build := exec.Command("go", "build", "-o", bin, "./cmd/jml")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/jml: %s", out)

	server, ns := harness.Namespace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	rep, err := chaos.Run(ctx, chaos.Options{
		Leavers: 20, Joiners: 10, Kills: 5, FaultRate: 0.2, Seed: seed,
		Server: server, Namespace: ns, WorkerBin: bin, Dir: dir,
		Deadline: 10 * time.Minute, Progress: testWriter{t},
	})
	require.NoError(t, err)
	var report strings.Builder
	rep.Print(&report)
	t.Log("\n" + report.String())

	// The run really did what it claims: kills, faults of every kind on
	// every emulator the worker calls, and every workflow waited for.
	assert.Len(t, rep.Kills, 5, "SIGKILLs of the worker")
	for _, emu := range []string{"graph", "okta", "google", "scim"} { // hundreds of calls each
		inj := rep.Injected[emu]
		assert.Positive(t, inj["429"]+inj["500"]+inj["503"], "%s: 429/5xx injected", emu)
		assert.Positive(t, inj["latency"], "%s: latency injected", emu)
	}
	assert.NotEmpty(t, rep.Injected["slack"], "slack: faults injected") // a few dozen calls
	var lost int
	for _, inj := range rep.Injected {
		lost += inj["502 after"]
	}
	assert.Positive(t, lost, "answers lost after the call took effect")
	assert.Equal(t, 30, rep.Completed, "lifecycle workflows completed")
	assert.Empty(t, rep.Exits, "the worker exited only when killed")
	assert.Empty(t, rep.Problems, "chaos seed %d", seed)
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

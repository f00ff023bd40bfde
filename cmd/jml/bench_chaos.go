package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/jml-dev/jml/devstack/chaos"
	"github.com/jml-dev/jml/devstack/devserver"
)

func runBenchChaos(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench chaos", "Runs leavers and joiners on a `jml worker` process (this binary) that is SIGKILLed at\nrandom points, while a Temporal dev server and every emulator stay up and fault a share of\ncalls: 429, 5xx (some after the call took effect), dropped connections, latency. Then checks\nthat every workflow completed, every directory is in its intended end state, each leaver has\nexactly one offboarding row and no account or membership is duplicated. Prints what it\ninjected and what it found; exits 1 when a check failed. The same seed replays the choices.", stderr)
	leavers := fs.Int("leavers", 20, "how many employees leave")
	joiners := fs.Int("joiners", 10, "how many new hires join")
	kills := fs.Int("kills", 5, "how many times the worker process is SIGKILLed")
	rate := fs.Float64("fault-rate", 0.2, "share of emulator calls that get a fault (0 to 0.9)")
	seed := fs.Int64("seed", 0, "random seed (0: a new one, printed)")
	employees := fs.Int("employees", 0, "size of the demo organisation (default: 100, or twice --leavers)")
	deadline := fs.Duration("deadline", 20*time.Minute, "how long to wait for every workflow")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *leavers < 0 || *joiners < 0 || *leavers+*joiners == 0 || *kills < 0 || *rate < 0 || *rate > 0.9 {
		return usagef("--leavers and --joiners are at least 0 and not both 0, --kills at least 0, --fault-rate between 0 and 0.9")
	}
	if *employees == 0 {
		*employees = max(100, 2**leavers)
	}
	if *seed == 0 {
		*seed = time.Now().UnixNano()
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "jml-chaos-")
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "jml bench chaos: starting the dev server...")
	server, err := devserver.StartServer(ctx, devserver.ServerOptions{UIPort: -1, Output: io.Discard})
	if err != nil {
		return err
	}
	defer server.Stop()
	rep, err := chaos.Run(ctx, chaos.Options{
		Leavers: *leavers, Joiners: *joiners, Kills: *kills, FaultRate: *rate, Seed: *seed, Employees: *employees,
		Server: server, WorkerBin: self, Dir: dir, Deadline: *deadline, Progress: stdout,
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout)
	rep.Print(stdout)
	if !rep.Passed() {
		return fmt.Errorf("%d problems (seed %d; config, evidence and worker logs kept in %s)", len(rep.Problems), rep.Seed, dir)
	}
	return os.RemoveAll(dir)
}

// Package chaos runs jml's chaos scenario: leavers and joiners on a worker
// that runs as a process of its own (the jml binary's `worker` command) and
// is SIGKILLed at random points, while the Temporal server and every
// emulator stay up and answer a share of calls with 429s, 5xx (some after
// the call took effect), dropped connections and latency. It then checks
// the end state through the emulators' inspection APIs and the evidence
// files. The end-to-end test and `jml bench chaos` both run it; everything
// random comes from one seed, printed, so a failure can be replayed.
package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/rs/zerolog"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/workers"
)

// Options describe one run.
type Options struct {
	Leavers, Joiners int
	Kills            int     // SIGKILLs of the worker process
	FaultRate        float64 // share of emulator calls that get a fault, 0..1
	Seed             int64
	Employees        int // demo organisation size (default 100)

	Server    *sdktest.DevServer // required; stays up throughout
	Namespace string             // "" = the configuration's
	WorkerBin string             // a jml binary, run as `jml worker --config ...`
	Dir       string             // working folder: config, evidence, worker logs
	Deadline  time.Duration      // how long to wait for every workflow (default 10m)
	Progress  io.Writer          // a line per event; nil = none
}

// Kill is one SIGKILL of the worker.
type Kill struct {
	AfterCalls int           // emulator calls seen when it was sent
	PID        int           // the process killed
	Down       time.Duration // how long no worker ran
}

// Report is what a run injected and what it found.
type Report struct {
	Seed             int64
	FaultRate        float64
	Leavers, Joiners []string // employee ids
	Kills            []Kill
	Exits            []string                  // worker exits the run did not cause
	Injected         map[string]map[string]int // emulator → fault → count
	Calls            map[string]int            // emulator → calls
	Completed        int                       // lifecycle workflows completed
	Took             time.Duration
	Logs             []string // worker log files, for a failure's reader
	// Problems are the checks that failed; none means the run passed.
	Problems []string
}

// Passed reports whether every check held.
func (r *Report) Passed() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, a ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, a...))
}

// Print writes what was injected and what was found.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "chaos: seed %d (replay with --seed %d)\n", r.Seed, r.Seed)
	fmt.Fprintf(w, "  workload    %d leavers, %d joiners; took %v\n", len(r.Leavers), len(r.Joiners), r.Took.Round(time.Second))
	fmt.Fprintf(w, "  kills       %d SIGKILLs of the worker:", len(r.Kills))
	for _, k := range r.Kills {
		fmt.Fprintf(w, " @%d calls (down %v)", k.AfterCalls, k.Down.Round(time.Millisecond))
	}
	fmt.Fprintln(w)
	if len(r.Exits) > 0 {
		fmt.Fprintf(w, "  exits       the worker also exited on its own %d times: %s\n", len(r.Exits), strings.Join(r.Exits, "; "))
	}
	fmt.Fprintf(w, "  faults      %.0f%% of calls on every emulator:\n", r.FaultRate*100)
	for _, name := range slices.Sorted(maps.Keys(r.Calls)) {
		inj := r.Injected[name]
		total := 0
		var parts []string
		for _, k := range slices.Sorted(maps.Keys(inj)) {
			total += inj[k]
			parts = append(parts, fmt.Sprintf("%s=%d", k, inj[k]))
		}
		fmt.Fprintf(w, "    %-9s %5d calls, %4d injected  %s\n", name, r.Calls[name], total, strings.Join(parts, " "))
	}
	fmt.Fprintf(w, "  workflows   %d of %d lifecycle workflows completed\n", r.Completed, len(r.Leavers)+len(r.Joiners))
	if r.Passed() {
		fmt.Fprintln(w, "  found       every workflow completed; every directory in its intended end state; one offboarding row per leaver; no duplicate account or membership")
		return
	}
	fmt.Fprintf(w, "  found       %d problems:\n", len(r.Problems))
	for _, p := range r.Problems {
		fmt.Fprintf(w, "    - %s\n", p)
	}
	if len(r.Logs) > 0 {
		fmt.Fprintf(w, "  worker logs %s\n", strings.Join(r.Logs, " "))
	}
}

// person is one employee of the workload and their lifecycle workflow.
type person struct {
	rec      domain.HRRecord
	emp      demoorg.Employee // a leaver's seeded accounts
	leaver   bool
	workflow string
}

// Run runs the scenario. An error means the run could not be set up; what
// the run found is in the report's Problems.
func Run(ctx context.Context, o Options) (*Report, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewSource(o.Seed))
	rep := &Report{Seed: o.Seed, FaultRate: o.FaultRate}
	say := func(format string, a ...any) { fmt.Fprintf(o.Progress, "chaos: "+format+"\n", a...) }
	say("seed %d: %d leavers, %d joiners, %d kills, %.0f%% faults", o.Seed, o.Leavers, o.Joiners, o.Kills, o.FaultRate*100)

	org := demoorg.New(o.Employees, o.Joiners)
	creds := emulators.DemoCredentials()
	emus, err := emulators.Start(emulators.Options{Org: org, Creds: creds})
	if err != nil {
		return nil, err
	}
	defer emus.Close()
	cfg, cfgPath, err := writeConfig(o, emus, creds)
	if err != nil {
		return nil, err
	}
	c, err := workers.Dial(ctx, cfg, zerolog.Nop(), nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()

	people := pick(org, o, rng, rep)
	injectFaults(emus, o.FaultRate, rng.Int63())

	sup := &supervisor{bin: o.WorkerBin, config: cfgPath, dir: o.Dir, env: workerEnv(creds), say: say}
	if err := sup.start(); err != nil {
		return nil, err
	}
	defer sup.stop()

	start := time.Now()
	sink := employees.Sink{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()}
	// HR holds everyone: the joiners' managers' records first, as HR would,
	// since the joiner's notice goes to the work email of the manager's HR
	// record (and so Slack takes its share of the faults too).
	for _, rec := range managersOf(org, people) {
		if _, err := sink.Submit(ctx, rec); err != nil {
			return nil, err
		}
	}
	for _, p := range people {
		if _, err := sink.Submit(ctx, p.rec); err != nil {
			return nil, err
		}
	}
	say("sent %d HR records; worker pid %d", len(people), sup.pid())

	runCtx, cancel := context.WithTimeout(ctx, o.Deadline)
	defer cancel()
	points := killPoints(rng, o.Kills, len(people))
	killsDone := make(chan struct{})
	go func() {
		defer close(killsDone)
		sup.killAt(runCtx, points, func() int { return totalCalls(emus) })
	}()
	results, waitErr := waitAll(runCtx, c, people, rep, say, sup.gaveUp)
	cancel()
	<-killsDone
	rep.Took = time.Since(start)
	if waitErr != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// The checks run with faults off: they read state, they do not test it.
	for _, s := range servers(emus) {
		s.ClearFaults()
	}
	rep.Kills, rep.Exits, rep.Logs = sup.kills, sup.exits, sup.logs
	for name, s := range servers(emus) {
		if rep.Injected == nil {
			rep.Injected, rep.Calls = map[string]map[string]int{}, map[string]int{}
		}
		rep.Injected[name] = s.Injected()
		n := 0
		for _, v := range s.Counts() {
			n += v
		}
		rep.Calls[name] = n
	}
	if len(rep.Kills) < o.Kills {
		rep.problem("only %d of %d kills happened before the work was done", len(rep.Kills), o.Kills)
	}
	check(rep, cfg, emus, people, results)
	say("done in %v: %d problems", rep.Took.Round(time.Second), len(rep.Problems))
	return rep, nil
}

func (o *Options) defaults() error {
	if o.Employees == 0 {
		o.Employees = 100
	}
	if o.Deadline == 0 {
		o.Deadline = 10 * time.Minute
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	switch {
	case o.Server == nil:
		return errors.New("chaos: no dev server given")
	case o.WorkerBin == "" || o.Dir == "":
		return errors.New("chaos: a worker binary and a working folder are required")
	case o.Leavers < 0 || o.Joiners < 0 || o.Leavers+o.Joiners == 0:
		return errors.New("chaos: at least one leaver or joiner")
	case o.Leavers > o.Employees-len(demoorg.Departments):
		return fmt.Errorf("chaos: at most %d leavers in an organisation of %d", o.Employees-len(demoorg.Departments), o.Employees)
	case o.FaultRate < 0 || o.FaultRate > 0.9:
		return errors.New("chaos: the fault rate is between 0 and 0.9")
	case o.Kills < 0:
		return errors.New("chaos: kills cannot be negative")
	}
	return nil
}

// pick chooses the leavers (never a department head: they manage the
// joiners) and readies the joiners, who started yesterday so they are
// provisioned and enabled at once.
func pick(org demoorg.Org, o Options, rng *rand.Rand, rep *Report) []person {
	var people []person
	pool := org.Employees[len(demoorg.Departments):]
	now := time.Now()
	for _, i := range rng.Perm(len(pool))[:o.Leavers] {
		e := pool[i]
		rec := e.Record
		rec.Status = domain.HRTerminated
		rec.TerminationEffectiveAt = now.UTC().Truncate(time.Second)
		people = append(people, person{rec: rec, emp: e, leaver: true, workflow: contract.LifecycleWorkflowID(rec.EmployeeID, domain.EventLeaver, 1)})
		rep.Leavers = append(rep.Leavers, rec.EmployeeID)
	}
	for _, rec := range org.Joiners {
		rec.StartDate = now.In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
		people = append(people, person{rec: rec, workflow: contract.LifecycleWorkflowID(rec.EmployeeID, domain.EventJoiner, 1)})
		rep.Joiners = append(rep.Joiners, rec.EmployeeID)
	}
	sort.Strings(rep.Leavers)
	rng.Shuffle(len(people), func(i, j int) { people[i], people[j] = people[j], people[i] })
	return people
}

// managersOf are the HR records of the joiners' managers (department heads,
// never leavers).
func managersOf(org demoorg.Org, people []person) []domain.HRRecord {
	want := map[string]bool{}
	for _, p := range people {
		if !p.leaver && p.rec.ManagerEmployeeID != "" {
			want[p.rec.ManagerEmployeeID] = true
		}
	}
	var out []domain.HRRecord
	for _, e := range org.Employees {
		if want[e.EmployeeID] {
			out = append(out, e.Record)
		}
	}
	return out
}

// writeConfig writes config/demo.yaml pointed at the emulators, the dev
// server and a fresh task queue, for the worker process to load as in
// production; the credentials go to it as environment variables.
func writeConfig(o Options, emus *emulators.Set, creds emulators.Credentials) (*config.Config, string, error) {
	cfg, err := demoConfig(emus, creds)
	if err != nil {
		return nil, "", err
	}
	cfg.Temporal.Address = o.Server.FrontendHostPort()
	if o.Namespace != "" {
		cfg.Temporal.Namespace = o.Namespace
	}
	cfg.Temporal.TaskQueue = "jml-chaos-" + uuid.NewString()
	cfg.Evidence.Dir = filepath.Join(o.Dir, "evidence")
	cfg.Log.Format, cfg.Log.Level = "json", "info"
	data, err := marshalConfig(cfg)
	if err != nil {
		return nil, "", err
	}
	path := filepath.Join(o.Dir, "jml.yaml")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return nil, "", err
	}
	// Read back exactly as the worker will, so a bad file fails here.
	env := creds.Env()
	back, err := config.LoadWithEnv(path, func(k string) string { return env[k] })
	if err != nil {
		return nil, "", fmt.Errorf("generated config: %w", err)
	}
	return back, path, nil
}

// demoConfig is config/demo.yaml pointed at the emulators.
func demoConfig(emus *emulators.Set, creds emulators.Credentials) (*config.Config, error) {
	root, err := devserver.RepoRoot()
	if err != nil {
		return nil, err
	}
	env := creds.Env()
	cfg, err := config.LoadWithEnv(filepath.Join(root, "config", "demo.yaml"), func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("demo config: %w", err)
	}
	emus.Configure(cfg)
	return cfg, nil
}

// workerEnv is this process's environment without jml's own variables
// (a stray codec key would split the two sides), plus the credentials.
func workerEnv(creds emulators.Credentials) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JML_") {
			env = append(env, kv)
		}
	}
	for k, v := range creds.Env() {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	return env
}

// killPoints are the emulator-call counts at which to kill: random gaps
// spread over well under half the calls the workload makes, so every kill
// lands while work is in flight.
// Each kill is followed by up to 1.5 s with no worker at all.
func killPoints(rng *rand.Rand, kills, people int) []killPoint {
	if kills == 0 {
		return nil
	}
	// A leaver or joiner makes some 50 calls across the directories with
	// no fault at all (more with them); kills spread over 20 a person.
	span := 20 * people
	mean := max(span/(kills+1), 2)
	var out []killPoint
	at := 0
	for range kills {
		at += mean/2 + rng.Intn(mean)
		out = append(out, killPoint{at: at, down: time.Duration(rng.Intn(1500)) * time.Millisecond})
	}
	return out
}

// marshalConfig renders a loaded configuration back to YAML (secrets are
// never part of it: they come from the environment).
func marshalConfig(cfg *config.Config) ([]byte, error) {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("render the chaos config: %w", err)
	}
	return append([]byte("# written by the chaos run: config/demo.yaml pointed at its emulators\n"), b...), nil
}

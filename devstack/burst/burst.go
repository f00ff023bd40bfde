// Package burst is `jml bench burst`: a layoff day on the dev stack. It
// sets the emulators to the vendors' published rate limits (or scaled, or
// none), sends N leavers through the signed intake in one batch, waits for
// every Leaver workflow, and reports the time against the floor the limits
// set, the calls per leaver, 429s, SLA breaches and the workers' cost.
// Run is a plain function so other harnesses (the cluster test) can drive
// the same burst.
package burst

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"go.temporal.io/api/serviceerror"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/workers"
)

// Options configure one burst.
type Options struct {
	Leavers int    // leavers in the one batch (at most 1000 with Joiners)
	Joiners int    // joiners in the same batch, as load (not timed)
	Limits  string // published, scaled or none
	// Workers is the number of worker processes: the bench's own plus
	// Workers-1 `jml worker` processes (WorkerBin) on the same task queue.
	Workers   int
	WorkerBin string
	// WorkerMemoryLimit is the GOMEMLIMIT of those processes ("": none).
	WorkerMemoryLimit string
	// Latency > 0 injects this latency on every directory call (the
	// latency target; use Leavers 1).
	Latency time.Duration
	Server  *sdktest.DevServer // nil: start a dev server
	Say     func(format string, args ...any)
	Timeout time.Duration // for the whole burst; 0: 1 hour
}

// Directory is one directory's (or SCIM app's) line of the report.
type Directory struct {
	Directory      string         `json:"directory"`
	Calls          int            `json:"calls"`
	CallsPerLeaver float64        `json:"calls_per_leaver"`
	MinPerLeaver   float64        `json:"min_calls_per_leaver"` // what the guarantees need (see README)
	Throttled      int            `json:"throttled"`
	Floor          time.Duration  `json:"floor"`       // its binding quota's calls / limit
	FloorQuota     string         `json:"floor_quota"` // which quota
	LimiterWait    time.Duration  `json:"limiter_wait"`
	Families       map[string]int `json:"families"` // calls per endpoint family ("GET users" ...)
	// LongestLane is one leaver's calls in this lane (latency mode).
	LongestLane int `json:"-"`
}

// Report is what a burst measured.
type Report struct {
	Leavers, Joiners, Workers int
	Limits                    string
	Total                     time.Duration
	Floor                     time.Duration
	FloorDirectory            string
	Ratio                     float64
	Directories               []Directory
	Calls, Throttled          int
	ThrottledPct              float64
	SLABreaches, Unverified   int
	P50, P95, P99, Max        time.Duration
	PeakRSSMB                 []float64 // per worker process (the first: the bench's own, emulators included)
	PeakGoroutines            int       // the bench's own process
	HistoryEventsPerLeaver    float64
	// Latency mode: the leaver's time and its critical path.
	Latency      time.Duration `json:",omitempty"`
	CriticalPath time.Duration `json:",omitempty"`
	// ToStart is the batch sent until the Leaver workflow started (intake,
	// HR batch, Employee workflow); the rest of Latency is the leaver's run.
	ToStart time.Duration `json:",omitempty"`
	// Timeline is the Leaver's scheduling cost (latency mode).
	Timeline *Timeline `json:",omitempty"`
	// Binding is how the quota that sets the floor was spent.
	Binding *Usage `json:",omitempty"`
	// ThrottledByFamily is the 429s by emulator and endpoint family.
	ThrottledByFamily map[string]int `json:",omitempty"`
}

// minPerLeaver is the fewest calls each lane's guarantees need with the
// demo organisation's holdings (README: "Calls per leaver"), before the
// per-item removals, which are added from the leaver's actions (and, for
// Google, the OAuth tokens deleted, counted on the emulator).
var minPerLeaver = map[string]float64{
	// find (the search's id), deactivate, its read-back (DEPROVISIONED:
	// disabled and every session ended), clear sessions, list groups, list
	// roles.
	"okta": 6,
	// find, disable, revoke sign-in sessions, list memberOf, list role
	// assignments, list licences, list managed devices, read back. (It was
	// 7: the licence listing was left out, but Graph's assignLicense takes
	// the SKU ids the user holds, so they must be read once.)
	"entra": 8,
	// find, suspend, sign out, list tokens, list groups, list role
	// assignments, list devices, read back: the user (suspended) and its
	// tokens again (none left). (It was 8: the read-back was counted as one
	// call, but Google has no session read-back but the token list.)
	"google": 9,
	// find, deactivate.
	"scim": 2,
}

// tokenDeletes counts the OAuth tokens the burst deleted in Google (the
// only writes on its tokens family): one call each, which the guarantee
// "sessions revoked" needs and no action of the leaver's lists.
func tokenDeletes(s *emulator.Server) int { return s.Writes()["tokens"] }

// Run runs one burst and reports it.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Say == nil {
		o.Say = func(string, ...any) {}
	}
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = time.Hour
	}
	if o.Leavers < 1 || o.Leavers+o.Joiners > 1000 {
		return nil, errors.New("burst: --leavers must be at least 1 and --leavers + --joiners at most 1000 (one webhook batch)")
	}
	if o.Workers > 1 && o.WorkerBin == "" {
		return nil, errors.New("burst: --workers above 1 needs the jml binary")
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	if o.Server == nil {
		srv, err := devserver.StartServer(ctx, devserver.ServerOptions{UIPort: -1, Output: io.Discard})
		if err != nil {
			return nil, err
		}
		defer func() { _ = srv.Stop() }()
		o.Server = srv
	}
	var qs []quota
	var qerr error
	env, err := stack.New(stack.EnvOptions{Employees: o.Leavers + 20, Joiners: 1, Server: o.Server, LogTo: io.Discard,
		Configure: func(c *config.Config) {
			c.Intake.MaxBodyBytes = 8 << 20
			var apps []string
			for _, a := range c.SCIMApps {
				apps = append(apps, a.Name)
			}
			if qs, qerr = quotas(o.Limits, apps); qerr == nil {
				clientBudgets(qs, c)
			}
		}})
	if err == nil && qerr != nil {
		env.Close()
		err = qerr
	}
	if err != nil {
		return nil, err
	}
	defer env.Close()
	limit(qs, env.Emulators)
	sctx, stopShare := context.WithCancel(ctx)
	defer stopShare()
	workers.ShareBudget(sctx, env.Client, env.Config.Temporal.TaskQueue, zerolog.Nop())

	var procs []*workerProc
	if o.Workers > 1 {
		dir, err := os.MkdirTemp("", "jml-burst-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "jml.yaml")
		if err := writeConfig(env.Config, path); err != nil {
			return nil, err
		}
		for i := 1; i < o.Workers; i++ {
			p, err := startWorker(o.WorkerBin, path, dir, i, o.WorkerMemoryLimit)
			if err != nil {
				return nil, err
			}
			defer p.stop()
			procs = append(procs, p)
		}
		if err := waitWorkers(ctx, env, o.Workers); err != nil {
			return nil, err
		}
		o.Say("%d workers polling the task queue", o.Workers)
	}
	if o.Latency > 0 {
		for _, s := range servers(env) {
			s.AddFault(emulator.Fault{Latency: o.Latency})
		}
	}
	for _, s := range servers(env) {
		s.ResetLog()
	}
	base := map[string]directory.LimiterStats{}
	for name, l := range directory.Limiters() {
		base[name] = l.Stats()
	}

	mon := startMonitor(procs)
	leavers := env.Org.Employees[10 : 10+o.Leavers] // skip the department heads
	recs := make([]domain.HRRecord, 0, o.Leavers+o.Joiners)
	now := time.Now().UTC().Truncate(time.Second)
	for _, e := range leavers {
		r := e.Record
		r.Status, r.TerminationEffectiveAt = domain.HRTerminated, now
		recs = append(recs, r)
	}
	for i := range o.Joiners {
		recs = append(recs, domain.HRRecord{EmployeeID: fmt.Sprintf("J%06d", i+1), Email: fmt.Sprintf("burst.hire%d@demo.jml.test", i+1),
			GivenName: "Burst", FamilyName: fmt.Sprintf("Hire%d", i+1), Department: "Engineering", Title: "Engineer",
			EmploymentType: "full_time", Status: domain.HRActive, StartDate: now.Format(time.DateOnly), Country: "GB", Timezone: "Europe/London"})
	}
	o.Say("sending %d leavers (and %d joiners) in one signed batch, limits %s", o.Leavers, o.Joiners, o.Limits)
	start := time.Now()
	if err := post(ctx, env, recs, o.Say); err != nil {
		return nil, err
	}
	rep := &Report{Leavers: o.Leavers, Joiners: o.Joiners, Workers: o.Workers, Limits: o.Limits}
	took, results, events, err := waitLeavers(ctx, env, leavers, start, o.Say)
	if err != nil {
		return nil, err
	}
	rep.Total = time.Since(start)
	rep.PeakRSSMB, rep.PeakGoroutines = mon.stop()
	summarise(rep, env, qs, took, results, events, base, start)
	if o.Latency > 0 {
		rep.Latency = took[0]
		id := contract.LifecycleWorkflowID(leavers[0].Record.EmployeeID, "leaver", 1)
		if d, err := env.Client.DescribeWorkflow(ctx, id, ""); err == nil {
			rep.ToStart = d.RawResponse.GetWorkflowExecutionInfo().GetStartTime().AsTime().Sub(start)
		}
		if tl, err := leaverTimeline(ctx, env.Client, id); err == nil {
			rep.Timeline = &tl
		}
		for _, d := range rep.Directories {
			rep.CriticalPath = max(rep.CriticalPath, time.Duration(d.Calls)*o.Latency)
		}
	}
	return rep, nil
}

func servers(env *stack.Env) map[string]*emulator.Server {
	return map[string]*emulator.Server{"entra": env.Emulators.Graph.Server, "okta": env.Emulators.Okta.Server,
		"google": env.Emulators.Google.Server, "scim": env.Emulators.SCIM.Server}
}

// post sends the batch, signed like HR's webhook, and sends again the
// records the intake answered "retry later" (a batch is answered by its
// deadline, so a loaded machine queues only part of it), as HR would.
func post(ctx context.Context, env *stack.Env, recs []domain.HRRecord, say func(string, ...any)) error {
	for try := 1; len(recs) > 0; try++ {
		results, err := postOnce(ctx, env, recs)
		if err != nil {
			return err
		}
		byID := map[string]domain.HRRecord{}
		for _, r := range recs {
			byID[r.EmployeeID] = r
		}
		var again []domain.HRRecord
		for _, r := range results {
			switch {
			case r.Error == "":
			case strings.Contains(r.Error, "retry later"):
				again = append(again, byID[r.EmployeeID])
			default:
				return fmt.Errorf("intake refused %s: %s", r.Ref, r.Error)
			}
		}
		if len(again) > 0 {
			if try >= 20 {
				return fmt.Errorf("intake: %d records still not queued after %d batches", len(again), try)
			}
			say("the intake queued %d of %d by its deadline; sending the other %d again", len(recs)-len(again), len(recs), len(again))
		}
		recs = again
	}
	return nil
}

func postOnce(ctx context.Context, env *stack.Env, recs []domain.HRRecord) ([]intake.Result, error) {
	body, err := json.Marshal(map[string]any{"records": recs})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.IntakeURL()+"/hr/records", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	ts, sig := intake.Sign(env.Config.Secrets.HRWebhookSecret.Reveal(), time.Now(), body)
	req.Header.Set(intake.HeaderTimestamp, ts)
	req.Header.Set(intake.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusMultiStatus {
		return nil, fmt.Errorf("intake answered %d: %.300s", resp.StatusCode, b)
	}
	var ans struct {
		Results []intake.Result `json:"results"`
	}
	if err := json.Unmarshal(b, &ans); err != nil {
		return nil, fmt.Errorf("intake answer: %w", err)
	}
	return ans.Results, nil
}

// waitLeavers waits for every Leaver workflow and reads its result, its
// close time and its history length from the server.
func waitLeavers(ctx context.Context, env *stack.Env, leavers []demoorg.Employee, start time.Time, say func(string, ...any)) ([]time.Duration, []contract.LifecycleResult, []int64, error) {
	n := len(leavers)
	took, results, events := make([]time.Duration, n), make([]contract.LifecycleResult, n), make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	var mu sync.Mutex
	done := 0
	for i, e := range leavers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			id := contract.LifecycleWorkflowID(e.Record.EmployeeID, "leaver", 1)
			for {
				err := env.Client.GetWorkflow(ctx, id, "").Get(ctx, &results[i])
				var nf *serviceerror.NotFound
				if errors.As(err, &nf) && ctx.Err() == nil {
					time.Sleep(50 * time.Millisecond)
					continue
				}
				if err != nil {
					errs[i] = fmt.Errorf("%s: %w", id, err)
					return
				}
				break
			}
			d, err := env.Client.DescribeWorkflow(ctx, id, "")
			if err != nil {
				errs[i] = err
				return
			}
			info := d.RawResponse.GetWorkflowExecutionInfo()
			took[i] = info.GetCloseTime().AsTime().Sub(start)
			events[i] = info.GetHistoryLength()
			mu.Lock()
			done++
			if done%max(1, n/10) == 0 {
				say("%d/%d leavers done after %s", done, n, time.Since(start).Round(time.Second))
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	return took, results, events, errors.Join(errs...)
}

// summarise fills the report from the emulators' counters, the limiters
// and the leavers' results.
func summarise(rep *Report, env *stack.Env, qs []quota, took []time.Duration, results []contract.LifecycleResult, events []int64, base map[string]directory.LimiterStats, start time.Time) {
	n := float64(rep.Leavers)
	removals := map[string]int{}
	for _, r := range results {
		if r.SLABreached {
			rep.SLABreaches++
		}
		for _, d := range r.Directories {
			if d.Result == domain.ResultOK && !d.Verified && !strings.HasPrefix(d.Directory, "scim:") {
				rep.Unverified++
			}
			for _, a := range d.Actions {
				if strings.HasPrefix(a.Step, "remove ") || strings.HasPrefix(a.Step, "revoke admin") || a.Step == "retire device" {
					removals[d.Directory]++
				}
			}
		}
	}
	removals["google"] += tokenDeletes(env.Emulators.Google.Server)
	byDir := map[string]*Directory{}
	get := func(name string) *Directory {
		if byDir[name] == nil {
			byDir[name] = &Directory{Directory: name}
		}
		return byDir[name]
	}
	scimThrottled := 0
	for name, s := range servers(env) {
		for fam, c := range s.Counts() {
			dir := name
			if name == "scim" {
				app, _, _ := strings.Cut(fam, ":")
				dir = "scim:" + app
			}
			d := get(dir)
			d.Calls += c
			if d.Families == nil {
				d.Families = map[string]int{}
			}
			d.Families[fam] += c
		}
		if name != "scim" {
			get(name).Throttled = s.Throttled()
		} else {
			scimThrottled = s.Throttled() // one server for every app
		}
	}
	serverOf := func(q quota) *emulator.Server { kind, _, _ := strings.Cut(q.Directory, ":"); return servers(env)[kind] }
	var binding *quota
	var bindingFloor time.Duration
	var bindingCalls int
	for _, q := range qs {
		calls := meteredCalls(qs, q, serverOf(q))
		floor := time.Duration(float64(calls) / float64(q.Limit.Requests) * float64(q.Limit.Window))
		if floor > bindingFloor {
			binding, bindingFloor, bindingCalls = &q, floor, calls
		}
		d := get(q.Directory)
		if floor > d.Floor {
			d.Floor, d.FloorQuota = floor, fmt.Sprintf("%s %d/%s", q.Family, q.Limit.Requests, q.Limit.Window)
		}
	}
	for name, l := range directory.Limiters() {
		if d, ok := byDir[name]; ok {
			d.LimiterWait = l.Stats().Waited - base[name].Waited
		}
	}
	for _, d := range byDir {
		if d.Calls == 0 {
			continue
		}
		d.CallsPerLeaver = float64(d.Calls) / n
		kind, _, _ := strings.Cut(d.Directory, ":")
		d.MinPerLeaver = minPerLeaver[kind] + float64(removals[d.Directory])/n
		rep.Directories = append(rep.Directories, *d)
		rep.Calls += d.Calls
		rep.Throttled += d.Throttled
		if d.Floor > rep.Floor {
			rep.Floor, rep.FloorDirectory = d.Floor, d.Directory
		}
	}
	rep.Throttled += scimThrottled
	if binding != nil {
		u := usage(serverOf(*binding), qs, *binding, bindingCalls, start)
		rep.Binding = &u
	}
	rep.ThrottledByFamily = throttledByFamily(env)
	sort.Slice(rep.Directories, func(i, j int) bool { return rep.Directories[i].Directory < rep.Directories[j].Directory })
	if rep.Calls > 0 {
		rep.ThrottledPct = 100 * float64(rep.Throttled) / float64(rep.Calls)
	}
	if rep.Floor > 0 {
		rep.Ratio = rep.Total.Seconds() / rep.Floor.Seconds()
	}
	slices.Sort(took)
	pct := func(p float64) time.Duration { return took[int(p*float64(len(took)-1)+0.5)] }
	rep.P50, rep.P95, rep.P99, rep.Max = pct(0.5), pct(0.95), pct(0.99), took[len(took)-1]
	var ev int64
	for _, e := range events {
		ev += e
	}
	rep.HistoryEventsPerLeaver = float64(ev) / n
}

// Print renders the report as the bench's table.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\nBurst: %d leavers (+%d joiners) in one signed batch, limits %s, %d worker(s)\n", r.Leavers, r.Joiners, r.Limits, r.Workers)
	fmt.Fprintf(w, "  %-18s %7s %9s %9s %7s %10s %12s  %s\n", "directory", "calls", "/leaver", "min", "429s", "floor", "limiter wait", "binding quota")
	for _, d := range r.Directories {
		fmt.Fprintf(w, "  %-18s %7d %9.2f %9.2f %7d %10s %12s  %s\n", d.Directory, d.Calls, d.CallsPerLeaver, d.MinPerLeaver, d.Throttled,
			d.Floor.Round(100*time.Millisecond), d.LimiterWait.Round(time.Second), d.FloorQuota)
	}
	fmt.Fprintf(w, "  total time %s; floor %s (%s); ratio to the floor %.2f\n", r.Total.Round(100*time.Millisecond), r.Floor.Round(100*time.Millisecond), r.FloorDirectory, r.Ratio)
	if r.Binding != nil {
		r.Binding.print(w)
	}
	fmt.Fprintf(w, "  429s %d of %d calls (%.2f%%); SLA breaches %d; lanes not verified %d\n", r.Throttled, r.Calls, r.ThrottledPct, r.SLABreaches, r.Unverified)
	printThrottled(w, r.ThrottledByFamily)
	fmt.Fprintf(w, "  per leaver (batch sent -> workflow closed): p50 %s  p95 %s  p99 %s  max %s\n", r.P50.Round(time.Millisecond), r.P95.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond))
	rss := make([]string, len(r.PeakRSSMB))
	for i, m := range r.PeakRSSMB {
		rss[i] = fmt.Sprintf("%.0f MB", m)
	}
	fmt.Fprintf(w, "  worker peak RSS %s (the first is the bench process: worker, intake and emulators); peak goroutines %d; history events per leaver %.1f\n",
		strings.Join(rss, ", "), r.PeakGoroutines, r.HistoryEventsPerLeaver)
	if r.Latency > 0 {
		fmt.Fprintf(w, "  latency: one leaver took %s; critical path (longest lane's calls x injected latency) %s; ratio %.2f\n",
			r.Latency.Round(time.Millisecond), r.CriticalPath, r.Latency.Seconds()/r.CriticalPath.Seconds())
		if r.ToStart > 0 {
			run := r.Latency - r.ToStart
			fmt.Fprintf(w, "  of which: batch sent -> Leaver workflow started %s; the Leaver's own run %s (ratio %.2f)\n",
				r.ToStart.Round(time.Millisecond), run.Round(time.Millisecond), run.Seconds()/r.CriticalPath.Seconds())
		}
		if r.Timeline != nil {
			r.Timeline.print(w)
		}
	}
}

// monitor samples peak RSS (per worker process) and goroutines.
type monitor struct {
	procs []*workerProc
	quit  chan struct{}
	done  chan struct{}
	gor   int
	rss   []float64
}

func startMonitor(procs []*workerProc) *monitor {
	m := &monitor{procs: procs, quit: make(chan struct{}), done: make(chan struct{}), rss: make([]float64, len(procs)+1)}
	go func() {
		defer close(m.done)
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			m.gor = max(m.gor, runtime.NumGoroutine())
			m.rss[0] = max(m.rss[0], hwmMB(os.Getpid()))
			for i, p := range m.procs {
				m.rss[i+1] = max(m.rss[i+1], hwmMB(p.pid()))
			}
			select {
			case <-m.quit:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

func (m *monitor) stop() ([]float64, int) {
	close(m.quit)
	<-m.done
	return m.rss, m.gor
}

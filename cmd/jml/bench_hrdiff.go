package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/starters/hrimport"
	"github.com/jml-dev/jml/starters/planner"
)

// runBenchHRDiff is `jml bench hrdiff`: the scheduled import's diff of a
// large export with a few rows changed, and the scheduled run end to end.
func runBenchHRDiff(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench hrdiff", "Times the scheduled HR import (HRImport) on a Temporal dev server with the worker on\nloopback: parse + validate + diff of an export of --rows rows against the last accepted\nsnapshot of the same people with --changed of them changed (the DiffHRImport activity,\nin process, median of 5), then one scheduled run of it: signals sent (must equal the\nchanged rows) and the time until every changed row is accepted by its Employee workflow.\nEvery row is a future-dated joiner, so no directory is called.", stderr)
	rows := fs.Int("rows", 10000, "rows in the export")
	changed := fs.Int("changed", 100, "rows changed since the last accepted export")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *rows < 1 || *changed < 0 || *changed > *rows {
		return usagef("--rows must be at least 1 and --changed between 0 and --rows")
	}
	drop, err := os.MkdirTemp("", "jml-bench-hrdiff-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(drop)
	fmt.Fprintln(stdout, "jml bench hrdiff: starting the dev server, emulators and worker...")
	server, err := devserver.StartServer(ctx, devserver.ServerOptions{UIPort: -1, Output: io.Discard})
	if err != nil {
		return err
	}
	defer server.Stop()
	env, err := stack.New(stack.EnvOptions{Employees: 20, Joiners: 1, Server: server, LogTo: io.Discard,
		Configure: func(c *config.Config) {
			c.HR.Sources = append(c.HR.Sources, config.HRSource{Name: "bench", Kind: "csv", Schedule: "24h", DropFolder: drop})
			c.HR.Guard.MaxMissing = 10
		}})
	if err != nil {
		return err
	}
	defer env.Close()

	// The last accepted export, then the same people with some changed.
	start := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
	export := func(title func(i int) string) string {
		var b strings.Builder
		b.WriteString("employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,timezone,country\n")
		for i := range *rows {
			fmt.Fprintf(&b, "D%06d,bench.diff%d@demo.jml.test,Bench,Diff%d,Engineering,%s,full_time,pending,%s,Europe/London,GB\n", i, i, i, title(i), start)
		}
		return b.String()
	}
	step := max(1, *rows/max(1, *changed))
	isChanged := func(i int) bool { return *changed > 0 && i%step == 0 && i/step < *changed }
	oldPath, newPath := filepath.Join(drop, "export-1.csv"), filepath.Join(drop, "export-2.csv")
	if err := os.WriteFile(oldPath, []byte(export(func(int) string { return "Engineer" })), 0o600); err != nil {
		return err
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(oldPath, old, old); err != nil {
		return err
	}
	prof, err := env.Config.HRProfile("bench")
	if err != nil {
		return err
	}
	h := &activities.HRImports{EvidenceDir: env.Config.Evidence.Dir, MaxMissing: 10,
		Sources: map[string]activities.HRImportSource{"bench": {Name: "bench", Kind: "csv", DropFolder: drop, Profile: prof}}}
	// The baseline is accepted without signalling, as if an earlier run
	// had applied it: the bench is about the diff of the next file.
	base, err := h.DiffHRImport(ctx, contract.HRImportDiffInput{Source: "bench", Run: "bench-baseline"})
	if err != nil || base.Refused != "" {
		return fmt.Errorf("baseline: %v %s", err, base.Refused)
	}
	if _, err := h.CommitHRImport(ctx, contract.HRImportCommitInput{Source: "bench", Run: "bench-baseline", Diff: base}); err != nil {
		return err
	}
	if err := os.WriteFile(newPath, []byte(export(func(i int) string {
		if isChanged(i) {
			return "Senior Engineer"
		}
		return "Engineer"
	})), 0o600); err != nil {
		return err
	}
	var took []time.Duration
	var diff contract.HRImportDiffOutput
	for i := range 5 {
		begin := time.Now()
		diff, err = h.DiffHRImport(ctx, contract.HRImportDiffInput{Source: "bench", Run: fmt.Sprintf("bench-diff-%d", i)})
		took = append(took, time.Since(begin))
		if err != nil || diff.Refused != "" {
			return fmt.Errorf("diff: %v %s", err, diff.Refused)
		}
		os.Remove(diff.Staged)
	}
	slices.Sort(took)
	fmt.Fprintf(stdout, "\nscheduled HR import, %d rows, %d changed\n", *rows, *changed)
	fmt.Fprintf(stdout, "  parse + validate + diff:         %s median of 5 (min %s), %d to signal, %d unchanged\n",
		took[2].Round(time.Millisecond), took[0].Round(time.Millisecond), diff.Counts.Delivered, diff.Counts.Unchanged)

	ids, err := hrimport.EnsureSchedules(ctx, env.Client, env.Config)
	if err != nil || len(ids) != 1 {
		return fmt.Errorf("schedule: %v", err)
	}
	sh := env.Client.ScheduleClient().GetHandle(ctx, ids[0])
	begin := time.Now()
	if err := sh.Trigger(ctx, client.ScheduleTriggerOptions{}); err != nil {
		return err
	}
	var wid string
	for wid == "" {
		d, err := sh.Describe(ctx)
		if err != nil {
			return err
		}
		if n := len(d.Info.RecentActions); n > 0 {
			wid = d.Info.RecentActions[n-1].StartWorkflowResult.WorkflowID
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	var res contract.HRImportResult
	if err := env.Client.GetWorkflow(ctx, wid, "").Get(ctx, &res); err != nil {
		return err
	}
	ran := time.Since(begin)
	var want []string
	for i := range *rows {
		if isChanged(i) {
			want = append(want, fmt.Sprintf("D%06d", i))
		}
	}
	states := planner.WorkflowStates{Client: env.Client}
	for len(want) > 0 {
		var mu sync.Mutex
		var wg sync.WaitGroup
		var left []string
		sem := make(chan struct{}, 16)
		for _, id := range want {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer wg.Done()
				defer func() { <-sem }()
				st, err := states.State(ctx, id)
				if err != nil || st == nil || st.Received < 1 {
					mu.Lock()
					left = append(left, id)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		want = left
		if time.Since(begin) > 5*time.Minute {
			return fmt.Errorf("%d changed rows not accepted after 5 minutes", len(want))
		}
	}
	applied := time.Since(begin)
	fmt.Fprintf(stdout, "  scheduled run (HRImport):        %s, %d signals sent for %d changed rows (report %s)\n", ran.Round(time.Millisecond), res.Signalled, *changed, res.Report)
	fmt.Fprintf(stdout, "  until every changed row applied: %s (accepted by its Employee workflow)\n", applied.Round(time.Millisecond))
	if res.Signalled != *changed {
		return fmt.Errorf("signals sent %d, changed rows %d", res.Signalled, *changed)
	}
	return nil
}

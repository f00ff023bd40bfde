package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/intake"
)

// benchSubcommands are the benches beside the leaver latency one, each in
// its own file: `jml bench chaos`, `jml bench import` (also `intake`).
var benchSubcommands = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"burst":  runBenchBurst,
	"chaos":  runBenchChaos,
	"import": runBenchImport,
	"intake": runBenchImport, // its first name: `jml bench import` it is
	"hrdiff": runBenchHRDiff,
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if sub, ok := benchSubcommands[args[0]]; ok {
			return sub(ctx, args[1:], stdout, stderr)
		}
	}
	fs := newFlags("bench", "Measures jml end to end on this machine: a Temporal dev server, the worker, the intake\nand the emulators (no throttling), all on loopback. For each leaver it times the HR record\nsent to the signed webhook until the Leaver workflow has disabled, revoked, removed and\nverified every directory and written the offboarding log.", stderr)
	leavers := fs.Int("leavers", 30, "how many leavers to time in each scenario")
	employees := fs.Int("employees", 500, "size of the demo organisation")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *leavers < 1 || 2**leavers > *employees-10 {
		return usagef("--leavers must be between 1 and (--employees - 10) / 2")
	}
	fmt.Fprintln(stdout, "jml bench: starting the dev server, emulators and worker...")
	server, err := devserver.StartServer(ctx, devserver.ServerOptions{UIPort: -1, Output: io.Discard})
	if err != nil {
		return err
	}
	defer server.Stop()
	env, err := stack.New(stack.EnvOptions{Employees: *employees, Joiners: 1, Server: server, LogTo: io.Discard})
	if err != nil {
		return err
	}
	defer env.Close()

	fmt.Fprintf(stdout, "\nLeaver, HR record sent -> every directory (%d + %d SCIM apps) disabled, revoked, emptied, verified and logged\n",
		len(env.Config.EnabledDirectories()), len(env.Config.SCIMApps))
	// Skip the department heads: they manage everyone else.
	next := 10
	for _, sc := range []struct {
		name string
		gap  time.Duration
	}{
		// A second apart, the client-side limiters have refilled: the latency
		// of one leaver on its own.
		{"one at a time, 1s apart", time.Second},
		// Back to back, Google's limiter paces calls at its default quota
		// (2,400/min), as it would in production.
		{"back to back", 0},
	} {
		var took []time.Duration
		for i := 0; i < *leavers; i++ {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(sc.gap):
			}
			rec := env.Org.Employees[next].Record
			next++
			d, err := timeLeaver(ctx, env, rec)
			if err != nil {
				return fmt.Errorf("leaver %s: %w", rec.EmployeeID, err)
			}
			took = append(took, d)
		}
		fmt.Fprintf(stdout, "  %-24s %s\n", sc.name+":", summary(took))
	}
	return nil
}

// summary renders percentiles of the durations.
func summary(took []time.Duration) string {
	slices.Sort(took)
	pct := func(p float64) time.Duration { return took[int(p*float64(len(took)-1)+0.5)].Round(time.Millisecond) }
	var sum time.Duration
	for _, d := range took {
		sum += d
	}
	return fmt.Sprintf("n=%d  p50 %v  p90 %v  p99 %v  max %v  mean %v", len(took), pct(0.5), pct(0.9), pct(0.99),
		took[len(took)-1].Round(time.Millisecond), (sum / time.Duration(len(took))).Round(time.Millisecond))
}

// timeLeaver terminates rec now and waits for its Leaver workflow to finish,
// then checks the directories really are disabled.
func timeLeaver(ctx context.Context, env *stack.Env, rec domain.HRRecord) (time.Duration, error) {
	rec.Status = domain.HRTerminated
	rec.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	body, err := json.Marshal(rec)
	if err != nil {
		return 0, err
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.IntakeURL()+"/hr/records", bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	ts, sig := intake.Sign(env.Config.Secrets.HRWebhookSecret.Reveal(), start, body)
	req.Header.Set(intake.HeaderTimestamp, ts)
	req.Header.Set(intake.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return 0, fmt.Errorf("intake answered %d", resp.StatusCode)
	}
	// The first record of a seeded employee is their termination: run 1.
	id := contract.LifecycleWorkflowID(rec.EmployeeID, "leaver", 1)
	if err := waitWorkflow(ctx, env.Client, id); err != nil {
		return 0, err
	}
	took := time.Since(start)
	if u, ok := env.Emulators.Graph.UserByEmployeeID(rec.EmployeeID); !ok || u.AccountEnabled {
		return 0, errors.New("the leaver finished with the Entra account still enabled")
	}
	if !env.Emulators.Google.Suspended(rec.Email) {
		return 0, errors.New("the leaver finished with the Google account not suspended")
	}
	return took, nil
}

// waitWorkflow waits for a workflow to exist and then to complete.
func waitWorkflow(ctx context.Context, c client.Client, id string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		err := c.GetWorkflow(ctx, id, "").Get(ctx, nil)
		var nf *serviceerror.NotFound
		if !errors.As(err, &nf) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s did not start: %w", id, ctx.Err())
		case <-time.After(2 * time.Millisecond):
		}
	}
}

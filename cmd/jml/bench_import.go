package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/starters/intake"
)

func runBenchImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench import", "Times HR records into their Employee workflows on a Temporal dev server with the worker and\nthe intake on loopback: one signed webhook batch until it is answered, two such batches at\nonce, and an import of rows through the same path as `jml import`. A batch or import of more\nthan 100 records is answered once it is durably accepted (HRBatch workflows); each phase then\nalso waits until the worker has fanned every record out to its Employee workflow. Every\nrecord is a future-dated joiner, so each starts one Employee workflow that waits for its\nstart date. (`jml bench intake` is the same bench.)", stderr)
	batch := fs.Int("batch", 1000, "records in one webhook batch (at most 1000)")
	rows := fs.Int("rows", 500, "rows in the import")
	conc := fs.Int("concurrency", 32, "intake.concurrency: records delivered at once")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *batch < 1 || *batch > 1000 || *rows < 1 || *conc < 1 {
		return usagef("--batch must be 1..1000, --rows and --concurrency at least 1")
	}
	fmt.Fprintln(stdout, "jml bench intake: starting the dev server, emulators and worker...")
	server, err := devserver.StartServer(ctx, devserver.ServerOptions{UIPort: -1, Output: io.Discard})
	if err != nil {
		return err
	}
	defer server.Stop()
	env, err := stack.New(stack.EnvOptions{Employees: 20, Joiners: 1, Server: server, LogTo: io.Discard,
		Configure: func(c *config.Config) {
			c.Intake.Concurrency = *conc
			c.Intake.MaxBodyBytes = 4 << 20
		}})
	if err != nil {
		return err
	}
	defer env.Close()

	next := 0
	hires := func(n int) []domain.HRRecord {
		start := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
		out := make([]domain.HRRecord, n)
		for i := range out {
			next++
			out[i] = domain.HRRecord{EmployeeID: fmt.Sprintf("B%06d", next), Email: fmt.Sprintf("bench.hire%d@demo.jml.test", next),
				GivenName: "Bench", FamilyName: fmt.Sprintf("Hire%d", next), Department: "Engineering", Title: "Engineer",
				EmploymentType: "full_time", Status: domain.HRPending, StartDate: start, Country: "GB", Timezone: "Europe/London"}
		}
		return out
	}
	fmt.Fprintf(stdout, "\nHR records into Employee workflows (intake.concurrency %d)\n", *conc)
	start := time.Now()
	d, n, err := postBatch(ctx, env, hires(*batch))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "  webhook, one batch of %d:             answered in %s, %d accepted\n", *batch, d.Round(time.Millisecond), n)
	if err := fannedOut(ctx, env, stdout, start); err != nil {
		return err
	}
	var wg sync.WaitGroup
	took, queued, errs := make([]time.Duration, 2), make([]int, 2), make([]error, 2)
	recs := [][]domain.HRRecord{hires(*batch), hires(*batch)}
	start = time.Now()
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); took[i], queued[i], errs[i] = postBatch(ctx, env, recs[i]) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "  webhook, two batches of %d at once:   answered in %s and %s, %d and %d accepted\n",
		*batch, took[0].Round(time.Millisecond), took[1].Round(time.Millisecond), queued[0], queued[1])
	if err := fannedOut(ctx, env, stdout, start); err != nil {
		return err
	}

	in := make([]hr.Row, *rows)
	for i, r := range hires(*rows) {
		in[i] = hr.Row{Ref: fmt.Sprintf("line %d", i+2), Record: r}
	}
	sink := employees.Sink{Client: env.Client, TaskQueue: env.Config.Temporal.TaskQueue, Policy: env.Config.Policy()}
	begin := time.Now()
	res := importer.Import(ctx, in, importer.Options{Source: "import:bench", Concurrency: *conc, Known: sink.Known,
		Submit: func(ctx context.Context, _ int, rec domain.HRRecord) (string, error) { return sink.Submit(ctx, rec) },
		Accept: func(ctx context.Context, idx []int, recs []domain.HRRecord) []error {
			return acceptImport(ctx, sink, idx, recs, *conc)
		}})
	d = time.Since(begin)
	if res.Counts.Delivered != *rows {
		return fmt.Errorf("import: %+v, first problem: %v", res.Counts, res.Quarantined[0].Reason)
	}
	fmt.Fprintf(stdout, "  import, %d rows:                       delivered in %s\n", *rows, d.Round(time.Millisecond))
	return fannedOut(ctx, env, stdout, begin)
}

// fannedOut waits until no HRBatch runs (every accepted record is in its
// Employee workflow) and none failed, and prints how long that took.
func fannedOut(ctx context.Context, env *stack.Env, stdout io.Writer, since time.Time) error {
	count := func(q string) (int64, error) {
		r, err := env.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: env.Config.Temporal.Namespace, Query: q})
		return r.GetCount(), err
	}
	for {
		n, err := count("WorkflowType = 'HRBatch' AND ExecutionStatus = 'Running'")
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	took := time.Since(since)
	if bad, err := count("WorkflowType = 'HRBatch' AND ExecutionStatus != 'Completed' AND ExecutionStatus != 'Running'"); err != nil || bad > 0 {
		return fmt.Errorf("%d HR batches did not complete (%v)", bad, err)
	}
	fmt.Fprintf(stdout, "    ... and all in their Employee workflows %s after it was sent\n", took.Round(time.Millisecond))
	return nil
}

// postBatch sends one signed batch and times it until answered, returning
// how many records were queued; a record refused as invalid is an error.
func postBatch(ctx context.Context, env *stack.Env, recs []domain.HRRecord) (time.Duration, int, error) {
	body, err := json.Marshal(map[string]any{"records": recs})
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, env.IntakeURL()+"/hr/records", bytes.NewReader(body))
	if err != nil {
		return 0, 0, err
	}
	ts, sig := intake.Sign(env.Config.Secrets.HRWebhookSecret.Reveal(), start, body)
	req.Header.Set(intake.HeaderTimestamp, ts)
	req.Header.Set(intake.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	var ans struct {
		Counts  importer.Counts `json:"counts"`
		Results []intake.Result `json:"results"`
	}
	err = json.NewDecoder(resp.Body).Decode(&ans)
	took := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusAccepted && resp.StatusCode != http.StatusMultiStatus || !ans.Counts.Balanced() {
		return took, 0, fmt.Errorf("intake answered %d with counts %+v (%v)", resp.StatusCode, ans.Counts, err)
	}
	for _, r := range ans.Results {
		if r.Error != "" && r.Error != "could not be queued; retry later" {
			return took, 0, fmt.Errorf("%s refused: %s", r.Ref, r.Error)
		}
	}
	return took, ans.Counts.Delivered, nil
}

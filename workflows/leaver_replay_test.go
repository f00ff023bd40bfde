package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

const roundTripsLeaverHistory = "leaver-fewer-round-trips"

// The three-step lanes and the local catalog plan are covered by
// replay only if a committed history took them.
func TestLeaverHistoryTakesTheFewerRoundTrips(t *testing.T) {
	if v := versionMarker(t, filepath.Join("testdata", roundTripsLeaverHistory+".json"), "leaver-fewer-round-trips"); v < 1 {
		t.Errorf("%s does not take the leaver-fewer-round-trips branch (version %d)", roundTripsLeaverHistory, v)
	}
}

// TestRecordHistoriesLeaverRoundTrips records a leaver on a real dev
// server with stub activities: okta's account is looked up (its id not
// known), the others known; okta's lock-out fails once and waits for an
// operator's retry; the catalog is asked about a manual app. Run with
// JML_RECORD_HISTORIES=1 (TestRecordHistories' switch).
func TestRecordHistoriesLeaverRoundTrips(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-round-trips"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	stubs := newStubs(testCatalog())
	stubs.register(w)
	for _, d := range dirs {
		stubs.enabled[d+"/E0042"] = true
	}
	stubs.fail[contract.DisableAccount.Name+"/okta"] = 1
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	p := testPolicy()
	// A manual app the leaver does not hold: the catalog is asked (a local
	// activity), no owner task opens.
	p.ManualApps = []contract.ManualApp{{Name: "expensify", Owner: "E0004", Deadline: 72 * time.Hour}}
	now := time.Now().UTC().Truncate(time.Second)
	wid := contract.LifecycleWorkflowID("E0042", "leaver", 1)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: tq}, contract.LeaverWorkflowName,
		contract.LeaverInput{EmployeeID: "E0042", Record: rec(terminated(now)), EffectiveAt: now, Policy: p,
			Accounts: map[string]string{"entra": "entra/E0042", "google": "google/E0042"}})
	if err != nil {
		t.Fatal(err)
	}
	for ctx.Err() == nil {
		uh, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wid, UpdateName: contract.UpdateRetry,
			Args: []any{contract.OperatorDecision{Directory: "okta", Operator: "alice", Reason: "recording"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil && uh.Get(ctx, nil) == nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // the lane is not blocked yet
	}
	var res contract.LifecycleResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	for _, d := range dirs {
		if !lane(res, d).Verified {
			t.Fatalf("%s lane not verified: %+v", d, lane(res, d))
		}
	}
	if stubs.count(contract.LockOutAccount.Name, "okta") != 2 || stubs.count(contract.LookupAccount.Name, "okta") != 2 {
		t.Fatalf("okta: %d lock-outs, %d look-ups; want 2 of each (failed once, retried)", stubs.count(contract.LockOutAccount.Name, "okta"), stubs.count(contract.LookupAccount.Name, "okta"))
	}
	saveHistory(ctx, t, c, roundTripsLeaverHistory, wid)
}

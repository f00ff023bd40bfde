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

const syncedLeaverHistory = "leaver-synced-from-ad"

// The synced-user lane is covered by replay only if a committed history
// took it (TestReplayCommittedHistories replays every file).
func TestSyncedLeaverHistoryTakesTheSyncedLane(t *testing.T) {
	if v := versionMarker(t, filepath.Join("testdata", syncedLeaverHistory+".json"), "entra-synced-from-ad"); v < 1 {
		t.Errorf("%s does not take the entra-synced-from-ad branch (version %d)", syncedLeaverHistory, v)
	}
}

// TestRecordHistoriesSynced records a leaver of a user synced from AD on a
// real dev server with stub activities: the emulated sync disables the
// Entra account two seconds in, while the lane reads it back every second.
// Run with JML_RECORD_HISTORIES=1 (TestRecordHistories' switch).
func TestRecordHistoriesSynced(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-synced"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	stubs := newStubs(testCatalog())
	stubs.register(w)
	for _, k := range []string{"ad/E0042", "entra/E0042"} {
		stubs.enabled[k] = true
	}
	stubs.synced["entra/E0042"] = true
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	p := hybridPolicy()
	p.EntraSyncWait = 40 * time.Second // a read back every second
	now := time.Now().UTC().Truncate(time.Second)
	wid := contract.LifecycleWorkflowID("E0042", "leaver", 1)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: tq}, contract.LeaverWorkflowName,
		contract.LeaverInput{EmployeeID: "E0042", Record: rec(terminated(now)), EffectiveAt: now, Policy: p,
			Accounts: map[string]string{"ad": "ad/E0042", "entra": "entra/E0042"}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	stubs.mu.Lock()
	stubs.enabled["entra/E0042"] = stubs.enabled["ad/E0042"] // Entra Connect's cycle
	stubs.mu.Unlock()
	var res contract.LifecycleResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if !lane(res, "entra").Verified {
		t.Fatalf("entra lane not verified: %+v", lane(res, "entra"))
	}
	saveHistory(ctx, t, c, syncedLeaverHistory, wid)
}

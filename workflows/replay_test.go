package workflows_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/workflows"
)

// TestReplayCommittedHistories replays every committed history against the
// current workflow code: a change that breaks determinism fails here (use
// workflow.GetVersion for such changes).
func TestReplayCommittedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/*.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no histories under workflows/testdata (record them: JML_RECORD_HISTORIES=1 go test -run TestRecordHistories ./workflows/)")
	}
	kinds := map[string]bool{}
	for _, f := range files {
		r := worker.NewWorkflowReplayer()
		workflows.Register(r)
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
			t.Errorf("%s: %v", f, err)
		}
		kinds[strings.SplitN(filepath.Base(f), "-", 2)[0]] = true
	}
	for _, k := range []string{"employee", "joiner", "mover", "leaver"} {
		if !kinds[k] {
			t.Errorf("no committed %s history", k)
		}
	}
}

// TestRecordHistories runs a joiner, a mover and a leaver (with an operator
// retry) on a real dev server with the stub activities and writes their
// histories to testdata/. Run it when the workflows change shape on purpose.
func TestRecordHistories(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The dev server directly (not testsuite/harness): this package's tests
	// must not depend on the worker wiring.
	bin := os.Getenv("JML_TEMPORAL_BIN")
	if bin == "" {
		bin = "../.bin/temporal" // make temporal
	}
	var args []string
	for _, n := range slices.Sorted(maps.Keys(workflows.SearchAttributes())) {
		args = append(args, "--search-attribute", n+"="+workflows.SearchAttributes()[n].String())
	}
	srv, err := sdktest.StartDevServer(ctx, sdktest.DevServerOptions{ExistingPath: bin, LogLevel: "error", ExtraArgs: args, EnableUI: false})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-histories"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	stubs := newStubs(testCatalog())
	stubs.register(w)
	stubs.fail[workflows.ActDisableAccount+"/okta"] = 1
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	id := workflows.EmployeeWorkflowID("E0042")
	policy := testPolicy()
	state := func() workflows.EmployeeState {
		v, err := c.QueryWorkflow(ctx, id, "", workflows.QueryState)
		if err != nil {
			t.Fatal(err)
		}
		var st workflows.EmployeeState
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor := func(what string, ok func(workflows.EmployeeState) bool) workflows.EmployeeState {
		for ctx.Err() == nil {
			if st := state(); ok(st) {
				return st
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
		return workflows.EmployeeState{}
	}

	// Joiner through signal-with-start.
	join := rec(func(r *hr.Record) { r.StartDate = time.Now().AddDate(0, 0, -1).Format(time.DateOnly) })
	_, err = c.SignalWithStartWorkflow(ctx, id, workflows.SignalHRRecord, workflows.HRRecordInput{Record: join},
		client.StartWorkflowOptions{ID: id, TaskQueue: tq}, workflows.EmployeeWorkflowName, workflows.EmployeeInput{EmployeeID: "E0042", Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	waitFor("joiner", func(st workflows.EmployeeState) bool {
		return st.LastChange != nil && st.LastChange.Event == workflows.EventJoiner
	})

	// Mover through the update, which answers with the classification.
	move := join
	move.Department, move.ManagerEmployeeID = "Sales", "E0009"
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: workflows.UpdateApplyHRRecord,
		Args: []any{workflows.HRRecordInput{Record: move}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.ApplyHRRecordResult
	if err := h.Get(ctx, &res); err != nil || res.Classification != workflows.ClassMove {
		t.Fatalf("move classified %+v (%v)", res, err)
	}
	waitFor("mover", func(st workflows.EmployeeState) bool {
		return st.LastChange != nil && st.LastChange.Event == workflows.EventMover
	})

	// Leaver, immediate; okta fails once and waits for an operator's retry.
	leave := move
	leave.Status, leave.TerminationEffectiveAt = hr.StatusTerminated, time.Now().UTC()
	if err := c.SignalWorkflow(ctx, id, "", workflows.SignalHRRecord, workflows.HRRecordInput{Record: leave}); err != nil {
		t.Fatal(err)
	}
	st := waitFor("leaver blocked", func(st workflows.EmployeeState) bool {
		return st.Current != nil && stubs.count(workflows.ActDisableAccount, "okta") == 1
	})
	child := st.Current.WorkflowID
	for ctx.Err() == nil {
		uh, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: child, UpdateName: workflows.UpdateRetry,
			Args: []any{workflows.OperatorDecision{Directory: "okta", Operator: "alice", Reason: "recording"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil && uh.Get(ctx, nil) == nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // the lane is not blocked yet
	}
	st = waitFor("leaver", func(st workflows.EmployeeState) bool { return st.Status == workflows.StatusTerminated })

	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	save := func(name, wid string) {
		var hist historypb.History
		it := c.GetWorkflowHistory(ctx, wid, "", false, 0)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			hist.Events = append(hist.Events, ev)
		}
		b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(&hist)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("testdata", name+".json"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	save("employee-joiner-mover-leaver", id)
	for _, ch := range st.History {
		save(ch.Event+"-"+strings.ReplaceAll(ch.WorkflowID, "/", "_"), ch.WorkflowID)
	}
}

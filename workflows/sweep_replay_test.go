package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

// sweepKeptHistory is an orphan kept in Slack: a stranger's press
// refused, the owner's press answered with the form, the keep submitted.
const sweepKeptHistory = "sweeporphan-kept-in-slack"

// The general replay test replays it; this one checks it takes the
// buttons' branch.
func TestSweepHistoryIsCommitted(t *testing.T) {
	if v := versionMarker(t, filepath.Join("testdata", sweepKeptHistory+".json"), "sweep-slack-buttons"); v != 1 {
		t.Errorf("%s does not take the sweep-slack-buttons branch (version %d)", sweepKeptHistory, v)
	}
}

// TestRecordSweepHistories records it (JML_RECORD_HISTORIES=1, with
// TestRecordHistories), writing only its own file.
func TestRecordSweepHistories(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-sweep"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	registerRecordingStubs(w)
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.PostSweepNotice.Name, func(_ context.Context, in contract.PostSweepNoticeInput) (contract.SweepNotice, error) {
		if in.Outcome != "" {
			return contract.SweepNotice{Messages: in.Messages}, nil
		}
		return contract.SweepNotice{Messages: []contract.SweepMessageRef{{Channel: "DE0007", TS: "1.000001"}, {Channel: "C0SEC", TS: "1.000002"}},
			DeciderSlackIDs: map[string]string{"E0007": "UE0007"}}, nil
	})
	reg(contract.AppendSweepDecision.Name, func(context.Context, contract.SweepDecisionEvent) (contract.OffboardingLogOutput, error) {
		return contract.OffboardingLogOutput{Appended: true}, nil
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	o := contract.SweepOrphan{Key: "k1", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner, Enabled: true}
	in := contract.OrphanInput{Date: "2026-12-02", Orphan: o, Policy: contract.SweepPolicy{OrphanGrace: time.Hour, MaxKeep: 90 * 24 * time.Hour,
		SecurityChannel: "#security", Owners: map[string]string{"okta": "E0007"}, Remediate: true}}
	id := contract.SweepChildID("orphan", o.Key)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.OrphanAccountWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	decide := func(uid string, d contract.SweepDecision) {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.UpdateSweepDecision, UpdateID: uid,
			WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{d}})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			t.Fatalf("%s: %v", uid, err)
		}
	}
	owner := contract.Actor{EmployeeID: "E0007", SlackUserID: "UE0007", Via: "slack"}
	decide("stranger", contract.SweepDecision{Actor: contract.Actor{EmployeeID: "E0002", SlackUserID: "UE0002", Via: "slack"}, Decision: contract.SweepKeep})
	decide("press", contract.SweepDecision{Actor: owner, Decision: contract.SweepKeep})
	decide("keep", contract.SweepDecision{Actor: owner, Decision: contract.SweepKeep, Sponsor: "E0001", Expires: time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(24 * time.Hour)})
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	saveHistory(ctx, t, c, sweepKeptHistory, id)
}

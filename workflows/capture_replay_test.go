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

const (
	sealedHistory  = "identitylogexport-sealed-2026-10"
	captureHistory = "identitylogcapture-daily"
)

// The committed histories of the capture era: a month sealed after the
// catch-up (the changeSealCaptured branch) and a daily capture. The
// general replay test replays them; this one checks the branch is in.
func TestCaptureHistoriesAreCommitted(t *testing.T) {
	if v := versionMarker(t, filepath.Join("testdata", sealedHistory+".json"), "identity-logs-seal-captured"); v != 1 {
		t.Errorf("%s does not take the identity-logs-seal-captured branch (version %d)", sealedHistory, v)
	}
	if _, err := os.Stat(filepath.Join("testdata", captureHistory+".json")); err != nil {
		t.Error(err)
	}
}

// TestRecordCaptureHistories records them (JML_RECORD_HISTORIES=1, with
// TestRecordHistories), writing only its own two files: the older
// identitylogexport-2026-11 history keeps the pre-capture path covered.
func TestRecordCaptureHistories(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-capture"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	registerRecordingStubs(w)
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.CaptureIdentityLog.Name, func(_ context.Context, in contract.CaptureInput) (contract.CaptureResult, error) {
		return contract.CaptureResult{Directory: in.Directory, Read: contract.TimeRange{From: in.Until.Add(-24 * time.Hour), To: in.Until}, Appended: 5}, nil
	})
	reg(contract.SealIdentityLogMonth.Name, func(_ context.Context, in contract.SealLogInput) (contract.IdentityLogResult, error) {
		return contract.IdentityLogResult{Month: in.Month, Folder: "/ev/IdentityLogs/" + in.Month, Manifest: "/ev/IdentityLogs/" + in.Month + "/manifest.json", TotalEvents: 15}, nil
	})
	reg(contract.SealEvidenceMonth.Name, func(_ context.Context, in contract.MonthInput) (contract.SealEvidenceResult, error) {
		return contract.SealEvidenceResult{Month: in.Month, Manifest: "/ev/Manifests/" + in.Month + ".json"}, nil
	})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	save := func(name, wid string) { saveHistory(ctx, t, c, name, wid) }
	in := contract.EvidenceInput{Month: "2026-10", Directories: []string{"entra", "okta", "google"}, LogRetentionDays: map[string]int{"entra": 30, "okta": 90, "google": 180}}
	id := contract.IdentityLogExportWorkflowID(in.Month)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.IdentityLogExportWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	save(sealedHistory, id)
	in.Month = ""
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.IdentityLogCaptureWorkflowID, TaskQueue: tq}, contract.IdentityLogCaptureWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	save(captureHistory, contract.IdentityLogCaptureWorkflowID)
}

package workflows_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

const (
	reviewPartsHistory = "accessreview-parts"
	reviewPartHistory  = "accessreview-part-sso-removal"
)

// The committed access-review histories: a campaign reviewed in parts
// (the review-parts branch) and one of its parts, which removed an Okta
// app (the review-sso-app-removal branch). The general replay test
// replays them; this one checks the branches are in.
func TestReviewHistoriesAreCommitted(t *testing.T) {
	if v := versionMarker(t, filepath.Join("testdata", reviewPartsHistory+".json"), "review-parts"); v != 1 {
		t.Errorf("%s does not take the review-parts branch (version %d)", reviewPartsHistory, v)
	}
	if v := versionMarker(t, filepath.Join("testdata", reviewPartHistory+".json"), "review-sso-app-removal"); v != 1 {
		t.Errorf("%s does not take the review-sso-app-removal branch (version %d)", reviewPartHistory, v)
	}
}

// TestRecordReviewHistories records them (JML_RECORD_HISTORIES=1), writing
// only its own two files: five people in parts of two, nobody answers, and
// the non-response policy removes E1's items, an Okta app among them.
func TestRecordReviewHistories(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-review"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	s := newReviewStubs()
	s.access["E1"] = append(s.access["E1"], item("okta", contract.EntitlementSSOApp, "AWS Console", false))
	s.register(w)
	w.RegisterActivityWithOptions(func(_ context.Context, in contract.SSOAppInput) (contract.SSOAppOutput, error) {
		return contract.SSOAppOutput{Outcome: s.drop(strings.TrimPrefix(in.AccountID, "acct-"), in.Directory, contract.EntitlementSSOApp, in.App)}, nil
	}, activity.RegisterOptions{Name: contract.RemoveSSOApp.Name})
	w.RegisterActivityWithOptions(func(_ context.Context, st contract.ReviewState) (contract.ReviewMergeOutput, error) {
		return contract.ReviewMergeOutput{DecisionsCSV: "Reviews/" + st.Campaign + "/decisions.csv", SummaryJSON: "Reviews/" + st.Campaign + "/summary.json",
			SnapshotPath: "Reviews/" + st.Campaign + "/snapshot.json", SnapshotSHA256: "merged"}, nil
	}, activity.RegisterOptions{Name: contract.MergeReviewEvidence.Name})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	pol := policy(contract.NonResponseRemove)
	pol.Due, pol.PartSize = 3*time.Second, 2
	wid := contract.AccessReviewWorkflowID("rec")
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wid, TaskQueue: tq}, contract.AccessReviewWorkflowName, contract.AccessReviewInput{Campaign: "rec", Policy: pol})
	if err != nil {
		t.Fatal(err)
	}
	var st contract.ReviewState
	if err := run.Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Parts) != 3 || s.holds("E1", "okta/sso_app/AWS Console") {
		t.Fatalf("campaign %+v: want three parts and E1's Okta app removed", st.Parts)
	}
	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	saveHistory(ctx, t, c, reviewPartsHistory, wid)
	saveHistory(ctx, t, c, reviewPartHistory, st.Parts[0].WorkflowID)
}

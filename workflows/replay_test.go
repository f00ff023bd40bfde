package workflows_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
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
	for _, k := range []string{"employee", "joiner", "mover", "leaver", "elevation", "identitylogexport", "kpireport"} {
		if !kinds[k] {
			t.Errorf("no committed %s history", k)
		}
	}
	// The versioned branch is only covered if its marker is in a history.
	if v := versionMarker(t, filepath.Join("testdata", pendingStartHistory+".json"), "pending-start-follows-hr"); v < 1 {
		t.Errorf("%s does not take the pending-start-follows-hr branch (version %d)", pendingStartHistory, v)
	}
}

// versionMarker is the version a history recorded for changeID (-2 when it
// recorded none).
func versionMarker(t *testing.T, file, changeID string) workflow.Version {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	hist, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dc := converter.GetDefaultDataConverter()
	for _, ev := range hist.Events {
		m := ev.GetMarkerRecordedEventAttributes()
		if m == nil || m.MarkerName != "Version" {
			continue
		}
		var id string
		var v workflow.Version
		if err := dc.FromPayloads(m.Details["change-id"], &id); err != nil {
			t.Fatal(err)
		}
		if err := dc.FromPayloads(m.Details["version"], &v); err != nil {
			t.Fatal(err)
		}
		if id == changeID {
			return v
		}
	}
	return -2
}

const pendingStartHistory = "employee-pending-start-follows-hr"

// TestRecordHistories runs a joiner, a mover and a leaver (with an operator
// retry), a pending joiner whose start date moves, an elevation (refused and
// accepted approvals, grant, early revoke) and one month's identity-log
// export and KPI report on a real dev server with stub activities, and
// writes their histories to testdata/. Run it when the workflows change
// shape on purpose.
func TestRecordHistories(t *testing.T) {
	if os.Getenv("JML_RECORD_HISTORIES") != "1" {
		t.Skip("set JML_RECORD_HISTORIES=1 to record workflow histories into testdata/")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	srv := recordingServer(ctx, t)
	defer srv.Stop()
	c := srv.Client()
	const tq = "record-histories"
	w := worker.New(c, tq, worker.Options{})
	workflows.Register(w)
	stubs := newStubs(testCatalog())
	stubs.register(w)
	stubs.fail[contract.DisableAccount.Name+"/okta"] = 1
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	if err := os.MkdirAll("testdata", 0o755); err != nil {
		t.Fatal(err)
	}
	save := func(name, wid string) { saveHistory(ctx, t, c, name, wid) }
	id := contract.EmployeeWorkflowID("E0042")
	policy := testPolicy()
	state := func() contract.EmployeeState {
		v, err := c.QueryWorkflow(ctx, id, "", contract.QueryState)
		if err != nil {
			t.Fatal(err)
		}
		var st contract.EmployeeState
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		return st
	}
	waitFor := func(what string, ok func(contract.EmployeeState) bool) contract.EmployeeState {
		for ctx.Err() == nil {
			if st := state(); ok(st) {
				return st
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("timed out waiting for %s", what)
		return contract.EmployeeState{}
	}

	// Joiner through signal-with-start.
	join := rec(func(r *domain.HRRecord) { r.StartDate = time.Now().AddDate(0, 0, -1).Format(time.DateOnly) })
	_, err := c.SignalWithStartWorkflow(ctx, id, contract.SignalHRRecord, contract.HRRecordInput{Record: join},
		client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.EmployeeWorkflowName, contract.EmployeeInput{EmployeeID: "E0042", Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	waitFor("joiner", func(st contract.EmployeeState) bool {
		return st.LastChange != nil && st.LastChange.Event == domain.EventJoiner
	})

	// Mover through the update, which answers with the classification.
	move := join
	move.Department, move.ManagerEmployeeID = "Sales", "E0009"
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.UpdateApplyHRRecord,
		Args: []any{contract.HRRecordInput{Record: move}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		t.Fatal(err)
	}
	var res contract.ApplyHRRecordResult
	if err := h.Get(ctx, &res); err != nil || res.Classification != domain.ClassMove {
		t.Fatalf("move classified %+v (%v)", res, err)
	}
	waitFor("mover", func(st contract.EmployeeState) bool {
		return st.LastChange != nil && st.LastChange.Event == domain.EventMover
	})

	// Leaver, immediate; okta fails once and waits for an operator's retry.
	leave := move
	leave.Status, leave.TerminationEffectiveAt = domain.HRTerminated, time.Now().UTC()
	if err := c.SignalWorkflow(ctx, id, "", contract.SignalHRRecord, contract.HRRecordInput{Record: leave}); err != nil {
		t.Fatal(err)
	}
	st := waitFor("leaver blocked", func(st contract.EmployeeState) bool {
		return st.Current != nil && stubs.count(contract.DisableAccount.Name, "okta") == 1
	})
	child := st.Current.WorkflowID
	for ctx.Err() == nil {
		uh, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: child, UpdateName: contract.UpdateRetry,
			Args: []any{contract.OperatorDecision{Directory: "okta", Operator: "alice", Reason: "recording"}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil && uh.Get(ctx, nil) == nil {
			break
		}
		time.Sleep(100 * time.Millisecond) // the lane is not blocked yet
	}
	st = waitFor("leaver", func(st contract.EmployeeState) bool { return st.Status == domain.StatusTerminated })

	save("employee-joiner-mover-leaver", id)
	for _, ch := range st.History {
		save(string(ch.Event)+"-"+strings.ReplaceAll(ch.WorkflowID, "/", "_"), ch.WorkflowID)
	}

	recordPendingStart(ctx, t, c, tq, policy, save)

	// Elevation and evidence on their own task queue, with their own stubs.
	const tq2 = "record-histories-evidence"
	w2 := worker.New(c, tq2, worker.Options{})
	workflows.Register(w2)
	registerRecordingStubs(w2)
	if err := w2.Start(); err != nil {
		t.Fatal(err)
	}
	defer w2.Stop()
	recordElevation(ctx, t, c, tq2, save)
	recordEvidence(ctx, t, c, tq2, save)
}

// recordPendingStart: a pending joiner whose start date HR moves twice,
// later then to today, so the queued joiner follows it (the
// pending-start-follows-hr branch) and runs.
func recordPendingStart(ctx context.Context, t *testing.T, c client.Client, tq string, policy contract.Policy, save func(name, wid string)) {
	id := contract.EmployeeWorkflowID("E0043")
	nyc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Now().In(nyc)
	pending := func(days int) domain.HRRecord {
		return rec(func(r *domain.HRRecord) {
			r.EmployeeID, r.Email, r.Status = "E0043", "grace.hopper@demo.jml.test", domain.HRPending
			r.StartDate = today.AddDate(0, 0, days).Format(time.DateOnly)
		})
	}
	_, err = c.SignalWithStartWorkflow(ctx, id, contract.SignalHRRecord, contract.HRRecordInput{Record: pending(30)},
		client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.EmployeeWorkflowName, contract.EmployeeInput{EmployeeID: "E0043", Policy: policy})
	if err != nil {
		t.Fatal(err)
	}
	apply := func(r domain.HRRecord) contract.ApplyHRRecordResult {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: contract.UpdateApplyHRRecord,
			Args: []any{contract.HRRecordInput{Record: r}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			t.Fatal(err)
		}
		var res contract.ApplyHRRecordResult
		if err := h.Get(ctx, &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	if res := apply(pending(40)); res.Classification != domain.ClassJoin || res.Seq != 1 || res.DueAt.IsZero() {
		t.Fatalf("start moved later: %+v", res)
	}
	if res := apply(pending(0)); res.Classification != domain.ClassJoin || res.Seq != 1 || !res.DueAt.IsZero() {
		t.Fatalf("start moved to today: %+v", res)
	}
	for {
		v, err := c.QueryWorkflow(ctx, id, "", contract.QueryState)
		if err != nil {
			t.Fatal(err)
		}
		var st contract.EmployeeState
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		if st.Status == domain.StatusActive && len(st.Pending) == 0 && st.Current == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("pending joiner never ran: %+v", st)
		}
		time.Sleep(100 * time.Millisecond)
	}
	save(pendingStartHistory, id)
}

// registerRecordingStubs registers stub activities for the Elevation and
// evidence workflows on w: fixed answers, no real system.
func registerRecordingStubs(w worker.Worker) {
	reg := func(name string, fn any) { w.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	delivered := func(context.Context, any) (contract.NotifyOutput, error) {
		return contract.NotifyOutput{Delivered: true}, nil
	}
	reg(contract.PostApproval.Name, func(context.Context, contract.PostApprovalInput) (contract.ApprovalMessageOutput, error) {
		return contract.ApprovalMessageOutput{Delivered: true, Channel: "D1", TS: "1.000001"}, nil
	})
	reg(contract.UpdateApprovalMessage.Name, func(ctx context.Context, in contract.UpdateApprovalInput) (contract.NotifyOutput, error) {
		return delivered(ctx, in)
	})
	reg(contract.NotifyEmployee.Name, func(ctx context.Context, in contract.NotifyManagerInput) (contract.NotifyOutput, error) {
		return delivered(ctx, in)
	})
	reg(contract.NotifyChannel.Name, func(ctx context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		return delivered(ctx, in)
	})
	reg(contract.CheckGates.Name, func(_ context.Context, in contract.CheckGatesInput) (contract.GatesOutput, error) {
		return contract.GatesOutput{Device: contract.GateResult{Required: in.RequireCompliantDevice, Checked: true, Passed: true},
			MFA: contract.GateResult{Required: in.RequireMFA, Checked: true, Passed: true}}, nil
	})
	reg(contract.LookupAccount.Name, func(_ context.Context, in contract.LookupAccountInput) (contract.AccountOutput, error) {
		return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: "acct-" + in.EmployeeID, Enabled: true}, nil
	})
	reg(contract.GrantAdminRole.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		return contract.AdminRoleOutput{Outcome: "added", ExpiresAt: in.Until}, nil
	})
	reg(contract.RevokeAdminRole.Name, func(context.Context, contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		return contract.AdminRoleOutput{Outcome: "removed"}, nil
	})
	reg(contract.VerifyAdminRoleRevoked.Name, func(context.Context, contract.AdminRoleInput) error { return nil })

	reg(contract.ExportIdentityLog.Name, func(_ context.Context, in contract.ExportLogInput) (contract.LogFile, error) {
		return contract.LogFile{Directory: in.Directory, File: in.Directory + ".jsonl", Events: len(in.Directory), Bytes: 100, SHA256: "h-" + in.Directory}, nil
	})
	reg(contract.WriteIdentityLogManifest.Name, func(_ context.Context, in contract.LogManifestInput) (contract.IdentityLogResult, error) {
		return contract.IdentityLogResult{Month: in.Month, Folder: "/ev/" + in.Month + "/IdentityLogs", Manifest: "/ev/" + in.Month + "/IdentityLogs/manifest.json"}, nil
	})
	reg(contract.ListActiveEmployees.Name, func(context.Context) (contract.PopulationOutput, error) {
		var ids []string
		for i := 1; i <= 150; i++ { // two assessment batches
			ids = append(ids, fmt.Sprintf("E%04d", i))
		}
		return contract.PopulationOutput{EmployeeIDs: ids, Source: "visibility"}, nil
	})
	reg(contract.ListActiveElevations.Name, func(context.Context) ([]contract.ActiveElevation, error) {
		return []contract.ActiveElevation{{EmployeeID: "E0042", RoleName: "entra-user-admin"}}, nil
	})
	reg(contract.AssessEmployees.Name, func(_ context.Context, in contract.AssessInput) (contract.AssessOutput, error) {
		out := contract.AssessOutput{Employees: len(in.EmployeeIDs), EnabledInAll: len(in.EmployeeIDs), MFAInAll: len(in.EmployeeIDs)}
		for _, d := range in.Directories {
			out.Directories = append(out.Directories, contract.DirectoryFacts{Directory: d, Accounts: len(in.EmployeeIDs), Enabled: len(in.EmployeeIDs), MFAEnrolled: len(in.EmployeeIDs)})
		}
		return out, nil
	})
	reg(contract.SummariseOffboarding.Name, func(context.Context, contract.MonthInput) (contract.OffboardingSummary, error) {
		return contract.OffboardingSummary{Leavers: 3, Met: 3, P50Seconds: 60, P95Seconds: 120, MaxSeconds: 130}, nil
	})
	reg(contract.ReadIdentityLogManifest.Name, func(context.Context, contract.MonthInput) (contract.LogManifestSummary, error) {
		return contract.LogManifestSummary{Present: true, Verified: true, Directories: []string{"entra", "google", "okta"}, TotalEvents: 15}, nil
	})
	reg(contract.WriteKPIReport.Name, func(_ context.Context, f contract.KPIFacts) (contract.KPIReportResult, error) {
		return contract.KPIReportResult{Month: f.Month, JSON: "/ev/Reports/KPI-" + f.Month + ".json", HTML: "/ev/Reports/KPI-" + f.Month + ".html"}, nil
	})
}

// recordElevation: request, a refused approval by someone else, the
// approver's approval, the grant, and an early revoke by the requester.
func recordElevation(ctx context.Context, t *testing.T, c client.Client, tq string, save func(name, wid string)) {
	in := contract.ElevationInput{
		RequestID: "3f1c9a2e-5b7d-4e10-8c2a-6d9e0f1a2b3c", RequesterEmployeeID: "E0042", RoleName: "entra-user-admin",
		Duration: time.Hour, Justification: "reset a locked account", ApproverEmployeeID: "E0002",
		Policy: contract.ElevationPolicy{Directory: "entra", Role: "User Administrator", MaxDuration: 4 * time.Hour,
			DefaultDuration: time.Hour, ApprovalTimeout: 4 * time.Hour, Approver: "manager",
			RequireCompliantDevice: true, RequireMFA: true, Directories: []string{"entra", "okta"}, SecurityChannel: "#security-alerts"},
	}
	id := contract.ElevationWorkflowID(in.RequestID)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.ElevationWorkflowName, in)
	if err != nil {
		t.Fatal(err)
	}
	waitStatus := func(status domain.ElevationStatus) {
		for ctx.Err() == nil {
			v, err := c.QueryWorkflow(ctx, id, "", contract.QueryState)
			if err != nil {
				t.Fatal(err)
			}
			var st contract.ElevationState
			if err := v.Get(&st); err != nil {
				t.Fatal(err)
			}
			// Pending counts once the approval message is out.
			if st.Status == status && (status != domain.ElevationPending || st.ApprovalMessage.Delivered) {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Fatalf("elevation never reached %s", status)
	}
	decide := func(action, actor string, want domain.DecisionResult) {
		h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: action,
			Args: []any{contract.ElevationDecision{Actor: contract.Actor{EmployeeID: actor, Via: "slack"}}}, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err != nil {
			t.Fatal(err)
		}
		var res contract.ElevationDecisionResult
		if err := h.Get(ctx, &res); err != nil || res.Result != want {
			t.Fatalf("%s by %s: %+v (%v), want %s", action, actor, res, err, want)
		}
	}
	waitStatus(domain.ElevationPending)
	decide(contract.UpdateApprove, "E0077", domain.DecisionRefused)
	decide(contract.UpdateApprove, "E0002", domain.DecisionAccepted)
	waitStatus(domain.ElevationActive)
	decide(contract.UpdateRevoke, "E0042", domain.DecisionAccepted)
	var st contract.ElevationState
	if err := run.Get(ctx, &st); err != nil {
		t.Fatal(err)
	}
	if st.Status != domain.ElevationRevoked || st.RevokeReason != "early, by E0042" || !st.RevokeVerified || len(st.Decisions) != 3 {
		t.Fatalf("elevation ended %s (%s), decisions %+v", st.Status, st.RevokeReason, st.Decisions)
	}
	save("elevation-approve-grant-early-revoke", id)
}

// recordEvidence: the identity-log export and the KPI report of one month.
func recordEvidence(ctx context.Context, t *testing.T, c client.Client, tq string, save func(name, wid string)) {
	const month = "2026-11"
	dirs := []string{"entra", "okta", "google"}
	id := contract.IdentityLogExportWorkflowID(month)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.IdentityLogExportWorkflowName,
		contract.EvidenceInput{Month: month, Directories: dirs})
	if err != nil {
		t.Fatal(err)
	}
	var logs contract.IdentityLogResult
	if err := run.Get(ctx, &logs); err != nil || len(logs.Files) != 3 || logs.Manifest == "" {
		t.Fatalf("identity-log export: %+v (%v)", logs, err)
	}
	save("identitylogexport-"+month, id)

	id = contract.KPIReportWorkflowID(month)
	run, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, contract.KPIReportWorkflowName,
		contract.EvidenceInput{Month: month, Directories: dirs,
			ElevationRoles: map[string]contract.ElevationRoleRef{"entra-user-admin": {Directory: "entra", Role: "User Administrator"}}})
	if err != nil {
		t.Fatal(err)
	}
	var kpi contract.KPIReportResult
	if err := run.Get(ctx, &kpi); err != nil || kpi.HTML == "" {
		t.Fatalf("KPI report: %+v (%v)", kpi, err)
	}
	save("kpireport-"+month, id)
}

// recordingServer starts a dev server for recording histories: the dev
// server directly (not testsuite/harness), so this package's tests do not
// depend on the worker wiring.
func recordingServer(ctx context.Context, t *testing.T) *sdktest.DevServer {
	t.Helper()
	bin := os.Getenv("JML_TEMPORAL_BIN")
	if bin == "" {
		bin = "../.bin/temporal" // make temporal
	}
	var args []string
	for _, n := range slices.Sorted(maps.Keys(contract.SearchAttributes())) {
		args = append(args, "--search-attribute", n+"="+contract.SearchAttributes()[n].String())
	}
	srv, err := sdktest.StartDevServer(ctx, sdktest.DevServerOptions{ExistingPath: bin, LogLevel: "error", ExtraArgs: args, EnableUI: false})
	if err != nil {
		t.Fatal(err)
	}
	return srv
}

// saveHistory writes a workflow's whole history to testdata/<name>.json,
// the form the replay tests read.
func saveHistory(ctx context.Context, t *testing.T, c client.Client, name, wid string) {
	t.Helper()
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

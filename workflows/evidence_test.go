package workflows_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

// evidenceStubs are the mocked evidence activities: they record inputs and
// answer from small scripted values.
type evidenceStubs struct {
	mu        sync.Mutex
	exports   []contract.ExportLogInput
	manifest  *contract.LogManifestInput
	failDir   string
	listed    int
	batches   []contract.AssessInput
	facts     *contract.KPIFacts
	active    []string
	elevation []contract.ActiveElevation
	priv      *contract.PrivilegedInput
	captures  []contract.CaptureInput
	sealed    *contract.SealLogInput
	swept     []string
}

func (s *evidenceStubs) register(env *sdktest.TestWorkflowEnvironment) {
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.ExportIdentityLog.Name, func(_ context.Context, in contract.ExportLogInput) (contract.LogFile, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.exports = append(s.exports, in)
		if in.Directory == s.failDir {
			return contract.LogFile{}, temporal.NewNonRetryableApplicationError("forbidden", string(domain.ErrDirectoryPermanent), nil)
		}
		return contract.LogFile{Directory: in.Directory, File: in.Directory + ".jsonl", Events: len(in.Directory), SHA256: "h-" + in.Directory}, nil
	})
	reg(contract.WriteIdentityLogManifest.Name, func(_ context.Context, in contract.LogManifestInput) (contract.IdentityLogResult, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.manifest = &in
		return contract.IdentityLogResult{Month: in.Month, Folder: "/ev/IdentityLogs", Manifest: "/ev/IdentityLogs/manifest.json"}, nil
	})
	reg(contract.CaptureIdentityLog.Name, func(_ context.Context, in contract.CaptureInput) (contract.CaptureResult, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.captures = append(s.captures, in)
		if in.Directory == s.failDir {
			return contract.CaptureResult{}, temporal.NewNonRetryableApplicationError("forbidden", string(domain.ErrDirectoryPermanent), nil)
		}
		return contract.CaptureResult{Directory: in.Directory, Appended: len(in.Directory)}, nil
	})
	reg(contract.SealIdentityLogMonth.Name, func(_ context.Context, in contract.SealLogInput) (contract.IdentityLogResult, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.sealed = &in
		return contract.IdentityLogResult{Month: in.Month, Folder: "/ev/IdentityLogs", Manifest: "/ev/IdentityLogs/manifest.json", TotalEvents: 7}, nil
	})
	reg(contract.SealEvidenceMonth.Name, func(_ context.Context, in contract.MonthInput) (contract.SealEvidenceResult, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.swept = append(s.swept, in.Month)
		return contract.SealEvidenceResult{Month: in.Month}, nil
	})
	reg(contract.ListActiveEmployees.Name, func(context.Context, contract.Empty) (contract.PopulationOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.listed++
		return contract.PopulationOutput{EmployeeIDs: s.active, Source: "visibility"}, nil
	})
	reg(contract.ListActiveElevations.Name, func(context.Context, contract.Empty) ([]contract.ActiveElevation, error) { return s.elevation, nil })
	reg(contract.AssessEmployees.Name, func(_ context.Context, in contract.AssessInput) (contract.AssessOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.batches = append(s.batches, in)
		out := contract.AssessOutput{Employees: len(in.EmployeeIDs), EnabledInAll: len(in.EmployeeIDs) - 1, MFAInAll: 1}
		for _, d := range in.Directories {
			out.Directories = append(out.Directories, contract.DirectoryFacts{Directory: d, Enabled: len(in.EmployeeIDs), MFAEnrolled: 1})
		}
		out.StandingAdmins = []contract.StandingAdmin{{EmployeeID: in.EmployeeIDs[0], Directory: in.Directories[0], Role: "User Administrator"}}
		return out, nil
	})
	reg(contract.SummariseOffboarding.Name, func(_ context.Context, in contract.MonthInput) (contract.OffboardingSummary, error) {
		return contract.OffboardingSummary{Leavers: 3, Met: 2, Breached: 1}, nil
	})
	reg(contract.ReadIdentityLogManifest.Name, func(_ context.Context, in contract.MonthInput) (contract.LogManifestSummary, error) {
		return contract.LogManifestSummary{Present: true, Verified: true, TotalEvents: 42}, nil
	})
	reg(contract.ReadPrivilegedGroups.Name, func(_ context.Context, in contract.PrivilegedInput) (contract.PrivilegedOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.priv = &in
		return contract.PrivilegedOutput{Directories: []contract.PrivilegedDirectory{{Directory: "ad", Accounts: 3, BreakGlass: 2,
			Permanent: []contract.PrivilegedHolder{{Group: "Domain Admins", Account: "jdoe7", EmployeeID: "E0007"}}}}}, nil
	})
	reg(contract.WriteKPIReport.Name, func(_ context.Context, f contract.KPIFacts) (contract.KPIReportResult, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.facts = &f
		return contract.KPIReportResult{Month: f.Month, JSON: "/ev/Reports/KPI-" + f.Month + ".json", HTML: "/ev/Reports/KPI-" + f.Month + ".html"}, nil
	})
}

func evidenceEnv(t *testing.T, id string) (*sdktest.TestWorkflowEnvironment, *evidenceStubs) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	workflows.Register(env)
	s := &evidenceStubs{}
	s.register(env)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: id})
	return env, s
}

var threeDirs = []string{"entra", "okta", "google"}

// beforeCapture runs IdentityLogExport as it was before the daily capture
// (the whole month read again), as histories started then replay.
func beforeCapture(env *sdktest.TestWorkflowEnvironment) {
	env.OnGetVersion("identity-logs-seal-captured", workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
}

func TestIdentityLogExportExportsEveryDirectoryThenTheManifest(t *testing.T) {
	env, s := evidenceEnv(t, contract.IdentityLogExportWorkflowID("2026-11"))
	beforeCapture(env)
	env.ExecuteWorkflow(contract.IdentityLogExportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.IdentityLogResult
	require.NoError(t, env.GetWorkflowResult(&res))
	from, to := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	require.Len(t, s.exports, 3)
	for _, e := range s.exports {
		assert.Equal(t, from, e.From)
		assert.Equal(t, to, e.To)
	}
	require.NotNil(t, s.manifest)
	assert.Equal(t, "evidence/identity-logs/2026-11", s.manifest.WorkflowID)
	assert.Equal(t, "2026-11", s.manifest.Month)
	assert.Len(t, s.manifest.Files, 3)
	assert.Equal(t, len("entra")+len("okta")+len("google"), res.TotalEvents)
	assert.Equal(t, "/ev/IdentityLogs/manifest.json", res.Manifest)
}

func TestIdentityLogExportRecordsAFailedDirectoryAndFails(t *testing.T) {
	env, s := evidenceEnv(t, contract.IdentityLogExportWorkflowID("2026-11"))
	beforeCapture(env)
	s.failDir = "okta"
	env.ExecuteWorkflow(contract.IdentityLogExportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs})
	require.True(t, env.IsWorkflowCompleted())
	err := env.GetWorkflowError()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "okta")
	require.NotNil(t, s.manifest, "the others are still written and the failure recorded")
	assert.Contains(t, s.manifest.Files[1].Error, "forbidden")
	assert.Equal(t, "h-entra", s.manifest.Files[0].SHA256)
}

func TestEvidenceRejectsABadMonth(t *testing.T) {
	env, _ := evidenceEnv(t, "evidence/kpi/x")
	env.ExecuteWorkflow(contract.KPIReportWorkflowName, contract.EvidenceInput{Month: "2026-13", Directories: threeDirs})
	var app *temporal.ApplicationError
	require.True(t, errors.As(env.GetWorkflowError(), &app))
	assert.Equal(t, string(domain.ErrBadInput), app.Type())
}

// A scheduled run (no month) on 1 December reports on November, as the
// month's canonical workflow id.
func TestScheduledRunReportsThePreviousMonthAsItsCanonicalChild(t *testing.T) {
	env, s := evidenceEnv(t, "evidence/identity-logs/scheduled-2026-12-01T02:00:00Z")
	env.SetStartTime(time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC))
	env.ExecuteWorkflow(contract.IdentityLogExportWorkflowName, contract.EvidenceInput{Directories: threeDirs})
	require.NoError(t, env.GetWorkflowError())
	require.NotNil(t, s.sealed)
	assert.Equal(t, "2026-11", s.sealed.Month)
	assert.Equal(t, contract.IdentityLogExportWorkflowID("2026-11"), s.sealed.WorkflowID)

	env, s = evidenceEnv(t, "evidence/kpi/scheduled-2027-01-01T02:00:00Z")
	env.SetStartTime(time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC))
	env.ExecuteWorkflow(contract.KPIReportWorkflowName, contract.EvidenceInput{Directories: threeDirs, Employees: []string{"E0001"}})
	require.NoError(t, env.GetWorkflowError())
	require.NotNil(t, s.facts)
	assert.Equal(t, "2026-12", s.facts.Month)
	assert.Equal(t, contract.KPIReportWorkflowID("2026-12"), s.facts.WorkflowID)
}

func TestKPIReportSumsBatchesAndMarksElevatedRoles(t *testing.T) {
	env, s := evidenceEnv(t, contract.KPIReportWorkflowID("2026-11"))
	var ids []string
	for i := 1; i <= 250; i++ {
		ids = append(ids, "E"+string(rune('A'+i/100))+string(rune('0'+i/10%10))+string(rune('0'+i%10)))
	}
	s.elevation = []contract.ActiveElevation{{EmployeeID: ids[120], RoleName: "entra-user-admin"}, {EmployeeID: "E9999", RoleName: "unknown-role"}}
	env.ExecuteWorkflow(contract.KPIReportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs, Employees: ids,
		ElevationRoles: map[string]contract.ElevationRoleRef{"entra-user-admin": {Directory: "entra", Role: "User Administrator"}}})
	require.NoError(t, env.GetWorkflowError())
	assert.Zero(t, s.listed, "an input list is the population: no visibility call")
	require.Len(t, s.batches, 3)
	elevated := 0
	for _, b := range s.batches {
		for id, refs := range b.Elevated {
			assert.Equal(t, ids[120], id)
			assert.Equal(t, []contract.ElevationRoleRef{{Directory: "entra", Role: "User Administrator"}}, refs)
			elevated++
		}
	}
	assert.Equal(t, 1, elevated)
	f := s.facts
	require.NotNil(t, f)
	assert.Equal(t, "input", f.PopulationSource)
	assert.Equal(t, 250, f.Assessment.Employees)
	assert.Equal(t, 247, f.Assessment.EnabledInAll)
	assert.Equal(t, 3, f.Assessment.MFAInAll)
	assert.Len(t, f.Assessment.StandingAdmins, 3)
	require.Len(t, f.Assessment.Directories, 3)
	assert.Equal(t, 250, f.Assessment.Directories[0].Enabled)
	assert.Equal(t, 3, f.Offboarding.Leavers)
	assert.Equal(t, 42, f.IdentityLogs.TotalEvents)
	// The privileged groups are read with the elevations, and reported.
	require.NotNil(t, s.priv)
	assert.Equal(t, threeDirs, s.priv.Directories)
	assert.Contains(t, s.priv.Elevated, ids[120])
	require.NotNil(t, f.Privileged)
	assert.Equal(t, "jdoe7", f.Privileged.Directories[0].Permanent[0].Account)
	assert.Equal(t, contract.KPIReportWorkflowID("2026-11"), f.WorkflowID)
	var res contract.KPIReportResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, "/ev/Reports/KPI-2026-11.html", res.HTML)
}

func TestKPIReportPopulationFromVisibility(t *testing.T) {
	env, s := evidenceEnv(t, contract.KPIReportWorkflowID("2026-11"))
	s.active = []string{"E0001", "E0002"}
	env.ExecuteWorkflow(contract.KPIReportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, 1, s.listed)
	require.Len(t, s.batches, 1)
	assert.Equal(t, []string{"E0001", "E0002"}, s.batches[0].EmployeeIDs)
	assert.Equal(t, "visibility", s.facts.PopulationSource)
}

func TestMonthHelpers(t *testing.T) {
	from, to, err := contract.MonthRange("2026-12")
	require.NoError(t, err)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), from)
	assert.Equal(t, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), to)
	_, _, err = contract.MonthRange("November")
	assert.Error(t, err)
	assert.Equal(t, "2026-12", contract.PreviousMonth(time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC)))
	assert.Equal(t, "2026-03", contract.PreviousMonth(time.Date(2026, 3, 31, 23, 0, 0, 0, time.FixedZone("x", -5*3600))), "UTC decides: 1 April 04:00")
}

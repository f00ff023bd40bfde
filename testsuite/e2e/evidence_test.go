package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestEvidenceReportEndToEnd runs `jml report`'s path for this month
// through the dev server and the worker: the identity-log files and their
// manifest, then the KPI report computed from the demo organisation.
func TestEvidenceReportEndToEnd(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	month := time.Now().UTC().Format(contract.MonthLayout)
	// this tenant keeps more than this month of logs (P1/P2's 30 days fall
	// short of the 1st late in a long month): nothing of it is past the horizon
	e.Config.Evidence.LogRetentionDays = map[string]int{"entra": 60}
	var ids []string
	wantMFA, wantAdmins := 0, 0
	for _, emp := range e.Org.Employees {
		ids = append(ids, emp.EmployeeID)
		if emp.MFA {
			wantMFA++
		}
		if len(emp.AdminRoles) > 0 {
			wantAdmins++
		}
	}
	res, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindAll, ids)
	require.NoError(t, err)
	require.NotNil(t, res.Logs)
	require.NotNil(t, res.KPI)

	folder, err := activities.IdentityLogFolder(e.Config.Evidence.Dir, month)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(folder, "manifest.json"), res.Logs.Manifest)
	var m activities.LogManifest
	b, err := os.ReadFile(res.Logs.Manifest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, contract.IdentityLogExportWorkflowID(month), m.WorkflowID)
	assert.True(t, m.Complete)
	require.Len(t, m.Files, len(e.Config.EnabledDirectories()))
	for _, f := range m.Files {
		sum, err := activities.FileSHA256(filepath.Join(folder, f.File))
		require.NoError(t, err)
		assert.Equal(t, f.SHA256, sum, f.File)
	}
	require.Positive(t, m.TotalEvents, "the emulators seed sign-ins in the last 30 days, today included")

	var rep activities.KPIReport
	b, err = os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, filepath.Join(e.Config.Evidence.Dir, "Reports", "KPI-"+month+".json"), res.KPI.JSON)
	as := rep.Facts.Assessment
	assert.Equal(t, len(ids), as.Employees)
	assert.Equal(t, len(ids), as.EnabledInAll)
	assert.Equal(t, wantMFA, as.MFAInAll)
	people := map[string]bool{}
	for _, s := range as.StandingAdmins {
		people[s.EmployeeID] = true
	}
	assert.Len(t, people, wantAdmins)
	assert.True(t, rep.Facts.IdentityLogs.Verified, "the KPI report checked the month's export: %+v", rep.Facts.IdentityLogs)
	assert.Equal(t, contract.KPIReportWorkflowID(month), rep.Facts.WorkflowID)
	_, err = os.Stat(res.KPI.HTML)
	require.NoError(t, err)

	// Re-running the month rewrites the same export under the same id.
	again, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindLogs, nil)
	require.NoError(t, err)
	assert.Equal(t, res.Logs.Manifest, again.Logs.Manifest)
}

// TestKPIPopulationFromActiveEmployeeWorkflows: without a list, the
// population is the Employee workflows whose LifecycleStatus is active.
func TestKPIPopulationFromActiveEmployeeWorkflows(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emp := e.Org.Employees[9].Record
	sendHR(t, e, emp)
	q := `WorkflowType = "Employee" AND ExecutionStatus = "Running" AND LifecycleStatus = "active"`
	eventually(t, e, emp.EmployeeID, "employee visible as active", func() (bool, string) {
		resp, err := e.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: e.Config.Temporal.Namespace, Query: q})
		if err != nil {
			return false, err.Error()
		}
		return len(resp.GetExecutions()) == 1, "not listed yet"
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := evidence.RunNow(ctx, e.Client, e.Config, "2026-01", evidence.KindKPI, nil)
	require.NoError(t, err)
	var rep activities.KPIReport
	b, err := os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Equal(t, "visibility", rep.Facts.PopulationSource)
	assert.Equal(t, 1, rep.Facts.Assessment.Employees)
	assert.Equal(t, 1, rep.Facts.Assessment.EnabledInAll)
	assert.False(t, rep.Facts.IdentityLogs.Present, "no export of that month")
}

// TestEvidenceSchedulesEnsured: both schedules exist after ensure, with
// the monthly spec (1st, 02:00 UTC) and their workflow; ensuring again
// updates rather than fails.
func TestEvidenceSchedulesEnsured(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	for range 2 {
		ids, err := evidence.EnsureSchedules(ctx, e.Client, e.Config)
		require.NoError(t, err)
		assert.Equal(t, []string{evidence.IdentityLogsScheduleID, evidence.KPIScheduleID, evidence.CaptureScheduleID}, ids)
	}
	d, err := e.Client.ScheduleClient().GetHandle(ctx, evidence.CaptureScheduleID).Describe(ctx)
	require.NoError(t, err)
	act, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
	require.True(t, ok)
	assert.Equal(t, contract.IdentityLogCaptureWorkflowName, act.Workflow)
	require.NotEmpty(t, d.Info.NextActionTimes)
	next := d.Info.NextActionTimes[0].UTC()
	assert.Equal(t, []int{1, 30}, []int{next.Hour(), next.Minute()}, "daily at 01:30 UTC by default")
	assert.True(t, next.Before(time.Now().Add(25*time.Hour)), "daily: %s", next)
	for id, wf := range map[string]string{evidence.IdentityLogsScheduleID: contract.IdentityLogExportWorkflowName, evidence.KPIScheduleID: contract.KPIReportWorkflowName} {
		d, err := e.Client.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		require.NoError(t, err, id)
		spec := d.Schedule.Spec
		require.Len(t, spec.Calendars, 1, id)
		c := spec.Calendars[0]
		assert.Equal(t, 2, c.Hour[0].Start, id)
		assert.Equal(t, 1, c.DayOfMonth[0].Start, id)
		assert.Equal(t, 0, c.Minute[0].Start, id)
		assert.Equal(t, "UTC", spec.TimeZoneName, id)
		require.NotEmpty(t, d.Info.NextActionTimes, id)
		next := d.Info.NextActionTimes[0].UTC()
		assert.Equal(t, 1, next.Day(), id)
		assert.Equal(t, 2, next.Hour(), id)
		assert.Zero(t, next.Minute(), id)
		assert.True(t, next.After(time.Now()), id)
		act, ok := d.Schedule.Action.(*client.ScheduleWorkflowAction)
		require.True(t, ok, id)
		assert.Equal(t, wf, act.Workflow, id)
		assert.Equal(t, e.Config.Temporal.TaskQueue, act.TaskQueue, id)
	}
}

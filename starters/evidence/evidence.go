// Package evidence starts the monthly evidence workflows: it keeps their
// Temporal Schedules in place (create-or-update, so a changed configuration
// reaches them at the next worker start) and runs a month now for
// `jml report`.
package evidence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
)

// Schedule ids.
const (
	IdentityLogsScheduleID = "evidence-identity-logs-monthly"
	KPIScheduleID          = "evidence-kpi-monthly"
)

// Kinds of `jml report --kind`.
const (
	KindLogs = "logs"
	KindKPI  = "kpi"
	KindAll  = "all"
)

// MonthlySpec fires on the 1st of every month at 02:00 UTC; the workflow
// then reports on the previous month.
func MonthlySpec() client.ScheduleSpec {
	return client.ScheduleSpec{
		Calendars: []client.ScheduleCalendarSpec{{
			Second:     []client.ScheduleRange{{Start: 0}},
			Minute:     []client.ScheduleRange{{Start: 0}},
			Hour:       []client.ScheduleRange{{Start: 2}},
			DayOfMonth: []client.ScheduleRange{{Start: 1}},
			Month:      []client.ScheduleRange{{Start: 1, End: 12}},
			DayOfWeek:  []client.ScheduleRange{{Start: 0, End: 6}},
			Comment:    "1st of the month, 02:00 UTC: the previous month",
		}},
		TimeZoneName: "UTC",
	}
}

// Input is the workflows' input from the configuration (no month: the
// scheduled run works it out).
func Input(cfg *config.Config) contract.EvidenceInput {
	in := contract.EvidenceInput{Directories: cfg.EnabledDirectories(), ElevationRoles: map[string]contract.ElevationRoleRef{},
		LogRetentionDays: cfg.LogRetentionDays()}
	for _, r := range cfg.Elevation.Roles {
		in.ElevationRoles[r.Name] = contract.ElevationRoleRef{Directory: r.Directory, Role: r.Role}
	}
	return in
}

type scheduled struct {
	id, workflow, workflowID string
	spec                     client.ScheduleSpec
}

func schedules(cfg *config.Config) []scheduled {
	return []scheduled{
		{IdentityLogsScheduleID, contract.IdentityLogExportWorkflowName, "evidence/identity-logs/scheduled", MonthlySpec()},
		{KPIScheduleID, contract.KPIReportWorkflowName, "evidence/kpi/scheduled", MonthlySpec()},
		{CaptureScheduleID, contract.IdentityLogCaptureWorkflowName, contract.IdentityLogCaptureWorkflowID, CaptureSpec(cfg)},
	}
}

// EnsureSchedules creates the schedules (the two monthly ones and the
// daily capture), or updates their spec and action
// when they exist. It returns the schedule ids.
func EnsureSchedules(ctx context.Context, c client.Client, cfg *config.Config) ([]string, error) {
	var ids []string
	for _, s := range schedules(cfg) {
		action := &client.ScheduleWorkflowAction{ID: s.workflowID, Workflow: s.workflow, TaskQueue: cfg.Temporal.TaskQueue,
			Args: []any{Input(cfg)}, WorkflowRunTimeout: 6 * time.Hour}
		_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
			ID: s.id, Spec: s.spec, Action: action,
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: 7 * 24 * time.Hour,
		})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = c.ScheduleClient().GetHandle(ctx, s.id).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					sc := in.Description.Schedule
					spec := s.spec
					sc.Spec, sc.Action = &spec, action
					if sc.Policy == nil {
						sc.Policy = &client.SchedulePolicies{}
					}
					sc.Policy.Overlap, sc.Policy.CatchupWindow = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, 7*24*time.Hour
					return &client.ScheduleUpdate{Schedule: &sc}, nil
				},
			})
		}
		if err != nil {
			return ids, fmt.Errorf("schedule %s: %w", s.id, err)
		}
		ids = append(ids, s.id)
	}
	return ids, nil
}

// Result is what `jml report` ran and the files it wrote.
type Result struct {
	Logs *contract.IdentityLogResult
	KPI  *contract.KPIReportResult
}

// RunNow runs the month's workflows (kind logs, kpi or all) and waits for
// them. The logs go first, so the KPI report can verify them. A workflow
// of the month already running is waited for, not started twice.
func RunNow(ctx context.Context, c client.Client, cfg *config.Config, month, kind string, employees []string) (Result, error) {
	var res Result
	if _, _, err := contract.MonthRange(month); err != nil {
		return res, err
	}
	if !slices.Contains([]string{KindLogs, KindKPI, KindAll}, kind) {
		return res, fmt.Errorf("kind %q: want logs, kpi or all", kind)
	}
	in := Input(cfg)
	in.Month, in.Employees = month, employees
	opts := func(id string) client.StartWorkflowOptions {
		return client.StartWorkflowOptions{ID: id, TaskQueue: cfg.Temporal.TaskQueue,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING}
	}
	if kind != KindKPI {
		run, err := c.ExecuteWorkflow(ctx, opts(contract.IdentityLogExportWorkflowID(month)), contract.IdentityLogExportWorkflowName, in)
		if err != nil {
			return res, err
		}
		var out contract.IdentityLogResult
		if err := run.Get(ctx, &out); err != nil {
			return res, fmt.Errorf("%s: %w", run.GetID(), err)
		}
		res.Logs = &out
	}
	if kind != KindLogs {
		run, err := c.ExecuteWorkflow(ctx, opts(contract.KPIReportWorkflowID(month)), contract.KPIReportWorkflowName, in)
		if err != nil {
			return res, err
		}
		var out contract.KPIReportResult
		if err := run.Get(ctx, &out); err != nil {
			return res, fmt.Errorf("%s: %w", run.GetID(), err)
		}
		res.KPI = &out
	}
	return res, nil
}

// Package sweep starts the privilege sweep: it keeps its Temporal Schedule
// in place (create-or-update, so a changed configuration reaches it at the
// next worker start) and runs a day now for `jml sweep`.
package sweep

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
)

// ScheduleID is the sweep's Temporal Schedule.
const ScheduleID = "privilege-sweep-daily"

// Spec is the schedule of the configuration's sweep.schedule (UTC).
func Spec(cfg *config.Config) client.ScheduleSpec {
	return client.ScheduleSpec{CronExpressions: []string{cfg.Sweep.CronSchedule()}, TimeZoneName: "UTC"}
}

// EnsureSchedule creates the schedule, or updates its spec and action.
func EnsureSchedule(ctx context.Context, c client.Client, cfg *config.Config) (string, error) {
	action := &client.ScheduleWorkflowAction{ID: "sweep/scheduled", Workflow: contract.PrivilegeSweepWorkflowName, TaskQueue: cfg.Temporal.TaskQueue,
		Args: []any{cfg.SweepInput()}, WorkflowRunTimeout: 6 * time.Hour}
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID: ScheduleID, Spec: Spec(cfg), Action: action, Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: 24 * time.Hour,
	})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = c.ScheduleClient().GetHandle(ctx, ScheduleID).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				sc := in.Description.Schedule
				spec := Spec(cfg)
				sc.Spec, sc.Action = &spec, action
				if sc.Policy == nil {
					sc.Policy = &client.SchedulePolicies{}
				}
				sc.Policy.Overlap, sc.Policy.CatchupWindow = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, 24*time.Hour
				return &client.ScheduleUpdate{Schedule: &sc}, nil
			},
		})
	}
	if err != nil {
		return "", fmt.Errorf("schedule %s: %w", ScheduleID, err)
	}
	return ScheduleID, nil
}

// RunNow runs the sweep of date (YYYY-MM-DD) and waits for it; a sweep of
// that date already running is waited for, not started twice. reportOnly
// overrides the configuration to start no remediation.
func RunNow(ctx context.Context, c client.Client, cfg *config.Config, date string, reportOnly bool) (contract.SweepResult, error) {
	var out contract.SweepResult
	if _, err := time.Parse(contract.DateLayout, date); err != nil {
		return out, fmt.Errorf("date %q: want YYYY-MM-DD", date)
	}
	in := cfg.SweepInput()
	in.Date = date
	if reportOnly {
		in.Policy.Remediate = false
	}
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.PrivilegeSweepWorkflowID(date), TaskQueue: cfg.Temporal.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "privilege sweep " + date}, contract.PrivilegeSweepWorkflowName, in)
	if err != nil {
		return out, err
	}
	if err := run.Get(ctx, &out); err != nil {
		return out, fmt.Errorf("%s: %w", run.GetID(), err)
	}
	return out, nil
}

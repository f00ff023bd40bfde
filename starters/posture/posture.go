// Package posture keeps the daily sign-in policy snapshot's Temporal
// Schedule in place and runs a snapshot now for `jml posture`.
package posture

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/hrimport"
)

// ScheduleID is the daily snapshot's schedule.
const ScheduleID = "posture-policies-daily"

// EnsureSchedule creates the schedule, updates it when it exists, and
// deletes it when posture.schedule is "off". It returns the schedule id,
// or "" when there is none.
func EnsureSchedule(ctx context.Context, c client.Client, cfg *config.Config) (string, error) {
	h := c.ScheduleClient().GetHandle(ctx, ScheduleID)
	s := cfg.PostureSchedule()
	if s == "" {
		if err := h.Delete(ctx); err != nil && !isNotFound(err) {
			return "", fmt.Errorf("schedule %s: %w", ScheduleID, err)
		}
		return "", nil
	}
	spec, err := hrimport.Spec(s) // the same cron-or-interval grammar
	if err != nil {
		return "", fmt.Errorf("posture.schedule: %w", err)
	}
	spec.TimeZoneName = "UTC"
	action := &client.ScheduleWorkflowAction{ID: "posture/policies/scheduled", Workflow: contract.PostureSnapshotWorkflowName,
		TaskQueue: cfg.Temporal.TaskQueue, Args: []any{cfg.PostureInput()}, WorkflowRunTimeout: time.Hour}
	_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: ScheduleID, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: 24 * time.Hour})
	if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		err = h.Update(ctx, client.ScheduleUpdateOptions{DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			sc := in.Description.Schedule
			sc.Spec, sc.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &sc}, nil
		}})
	}
	if err != nil {
		return "", fmt.Errorf("schedule %s: %w", ScheduleID, err)
	}
	return ScheduleID, nil
}

func isNotFound(err error) bool {
	var nf *serviceerror.NotFound
	return errors.As(err, &nf)
}

// RunNow snapshots the day's policies now and waits for the result; a
// second run on the same day diffs against the first.
func RunNow(ctx context.Context, c client.Client, cfg *config.Config, date string) (contract.PostureResult, error) {
	var res contract.PostureResult
	if _, err := time.Parse(contract.DateLayout, date); err != nil {
		return res, fmt.Errorf("date %q: want YYYY-MM-DD", date)
	}
	in := cfg.PostureInput()
	in.Date = date
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: contract.PostureSnapshotWorkflowID(date), TaskQueue: cfg.Temporal.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "PostureSnapshot " + date}, contract.PostureSnapshotWorkflowName, in)
	if err != nil {
		return res, err
	}
	if err := run.Get(ctx, &res); err != nil {
		return res, fmt.Errorf("%s: %w", run.GetID(), err)
	}
	return res, nil
}

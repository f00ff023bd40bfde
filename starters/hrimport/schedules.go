// Package hrimport keeps one Temporal Schedule per HR source with a
// schedule (hr.sources[].schedule), each running the HRImport workflow.
package hrimport

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

// ScheduleID is the schedule of one source.
func ScheduleID(source string) string { return "hr-import-" + source }

// Spec is a source's schedule as Temporal's: an interval or a cron spec.
func Spec(schedule string) (client.ScheduleSpec, error) {
	every, cron, err := config.ParseHRSchedule(schedule)
	if err != nil {
		return client.ScheduleSpec{}, err
	}
	if every > 0 {
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: every}}}, nil
	}
	return client.ScheduleSpec{CronExpressions: []string{cron}}, nil
}

// Action is what a source's schedule starts.
func Action(cfg *config.Config, source string) *client.ScheduleWorkflowAction {
	return &client.ScheduleWorkflowAction{ID: contract.HRImportWorkflowID(source), Workflow: contract.HRImportWorkflowName,
		TaskQueue: cfg.Temporal.TaskQueue, WorkflowRunTimeout: 6 * time.Hour,
		Args: []any{contract.HRImportInput{Source: source, SecurityChannel: cfg.Policy().SecurityChannel}}}
}

// EnsureSchedules creates each scheduled source's schedule, or updates its
// spec and action, like the evidence schedules. A run that would overlap
// the previous one is skipped: one import of a source at a time.
func EnsureSchedules(ctx context.Context, c client.Client, cfg *config.Config) ([]string, error) {
	var ids []string
	for _, s := range cfg.HR.Sources {
		if s.Schedule == "" {
			continue
		}
		spec, err := Spec(s.Schedule)
		if err != nil {
			return ids, fmt.Errorf("hr.sources %s: schedule: %w", s.Name, err)
		}
		id, action := ScheduleID(s.Name), Action(cfg, s.Name)
		_, err = c.ScheduleClient().Create(ctx, client.ScheduleOptions{ID: id, Spec: spec, Action: action,
			Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, CatchupWindow: time.Hour})
		if errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			err = c.ScheduleClient().GetHandle(ctx, id).Update(ctx, client.ScheduleUpdateOptions{
				DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
					sc := in.Description.Schedule
					sc.Spec, sc.Action = &spec, action
					if sc.Policy == nil {
						sc.Policy = &client.SchedulePolicies{}
					}
					sc.Policy.Overlap, sc.Policy.CatchupWindow = enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, time.Hour
					return &client.ScheduleUpdate{Schedule: &sc}, nil
				},
			})
		}
		if err != nil {
			return ids, fmt.Errorf("schedule %s: %w", id, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

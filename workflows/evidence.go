package workflows

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Evidence on autopilot: the monthly identity-log export and the monthly
// KPI report. A scheduled run (no month in its input) works out the
// previous month from its scheduled time and runs the month's canonical
// workflow as a child, so a scheduled run and `jml report` for the same
// month are the same workflow id and write the same files.

// scheduledStartTimeSAName is the search attribute a schedule sets on the
// runs it starts.
const scheduledStartTimeSAName = "TemporalScheduledStartTime"

// resolveMonth: the input's month, else the month before the scheduled
// time (the schedule's search attribute; the start time otherwise). It
// reports whether the month was resolved here (a scheduled run).
func resolveMonth(ctx workflow.Context, in contract.EvidenceInput) (string, bool, error) {
	if in.Month != "" {
		if _, _, err := contract.MonthRange(in.Month); err != nil {
			return "", false, temporal.NewNonRetryableApplicationError(err.Error(), string(domain.ErrBadInput), nil)
		}
		return in.Month, false, nil
	}
	at := workflow.Now(ctx)
	if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(temporal.NewSearchAttributeKeyTime(scheduledStartTimeSAName)); ok && !t.IsZero() {
		at = t
	}
	return contract.PreviousMonth(at), true, nil
}

// runForMonth runs the month's canonical workflow as a child (scheduled runs).
func runForMonth[T any](ctx workflow.Context, name, id string, in contract.EvidenceInput) (T, error) {
	var out T
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:    id,
		StaticSummary: fmt.Sprintf("%s %s · scheduled", name, in.Month),
		StaticDetails: fmt.Sprintf("month %s\ndirectories %s", in.Month, strings.Join(in.Directories, ", ")),
	})
	err := workflow.ExecuteChildWorkflow(cctx, name, in).Get(ctx, &out)
	return out, err
}

package burst

import (
	"context"
	"fmt"
	"io"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Timeline is what one leaver's run spent besides the directory calls
// (latency mode): the server's scheduling of each task, read from the
// Leaver workflow's history.
type Timeline struct {
	Activities      int           // activity tasks (each a round trip through the server)
	ActivityWait    time.Duration // their summed schedule-to-start wait
	LocalActivities int           // markers of local activities (no round trip)
	WorkflowTasks   int
	WorkflowWait    time.Duration // summed schedule-to-start of workflow tasks
	WorkflowRun     time.Duration // summed start-to-complete of workflow tasks
}

// leaverTimeline reads the Leaver workflow's history.
func leaverTimeline(ctx context.Context, c client.Client, id string) (Timeline, error) {
	var t Timeline
	scheduled := map[int64]time.Time{}
	started := map[int64]time.Time{}
	it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			return t, err
		}
		at := ev.GetEventTime().AsTime()
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			scheduled[ev.GetEventId()] = at
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			t.Activities++
			t.ActivityWait += at.Sub(scheduled[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()])
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED:
			t.WorkflowTasks++
			t.WorkflowWait += at.Sub(scheduled[ev.GetWorkflowTaskStartedEventAttributes().GetScheduledEventId()])
			started[ev.GetEventId()] = at
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			t.WorkflowRun += at.Sub(started[ev.GetWorkflowTaskCompletedEventAttributes().GetStartedEventId()])
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			if ev.GetMarkerRecordedEventAttributes().GetMarkerName() == "LocalActivity" {
				t.LocalActivities++
			}
		}
	}
	return t, nil
}

func (t Timeline) print(w io.Writer) {
	mean := func(d time.Duration, n int) time.Duration {
		if n == 0 {
			return 0
		}
		return (d / time.Duration(n)).Round(time.Millisecond)
	}
	fmt.Fprintf(w, "  the Leaver's tasks: %d activities (schedule-to-start %s each on average), %d local activities, %d workflow tasks (waited %s, ran %s each on average)\n",
		t.Activities, mean(t.ActivityWait, t.Activities), t.LocalActivities, t.WorkflowTasks, mean(t.WorkflowWait, t.WorkflowTasks), mean(t.WorkflowRun, t.WorkflowTasks))
}

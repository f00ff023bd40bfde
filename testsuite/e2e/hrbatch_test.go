package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestWebhookBatchAcceptedDurably: a signed batch of 150 records (over the
// 100 delivered one by one) is answered once HRBatch workflows hold it,
// with every row accounted for; the worker then fans each record out to
// its Employee workflow, the termination among them too. Accepting the
// same delivery again starts nothing new.
func TestWebhookBatchAcceptedDurably(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	ctx := context.Background()
	start := time.Now().AddDate(0, 2, 0).Format(time.DateOnly)
	var recs []domain.HRRecord
	for i := range 150 {
		recs = append(recs, domain.HRRecord{EmployeeID: fmt.Sprintf("HB%04d", i), Email: fmt.Sprintf("batch.hire%d@demo.jml.test", i),
			GivenName: "Batch", FamilyName: fmt.Sprintf("Hire%d", i), Department: "Engineering", Title: "Engineer",
			EmploymentType: "full_time", Status: domain.HRPending, StartDate: start, Country: "GB", Timezone: "Europe/London"})
	}
	leaver := e.Org.Employees[25].Record
	leaver.Status, leaver.TerminationDate = domain.HRTerminated, time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	recs = append(recs, leaver, domain.HRRecord{EmployeeID: "HBBAD", Email: "not-an-email", GivenName: "B", FamilyName: "Ad", Status: domain.HRActive})

	body, err := json.Marshal(map[string]any{"records": recs})
	require.NoError(t, err)
	status, b := postHR(t, e, body)
	var ans struct {
		Counts  importer.Counts `json:"counts"`
		Results []intake.Result `json:"results"`
	}
	require.NoError(t, json.Unmarshal(b, &ans), string(b))
	assert.Equal(t, http.StatusMultiStatus, status)
	assert.Equal(t, importer.Counts{Rows: 152, Delivered: 151, Quarantined: 1}, ans.Counts)
	require.Len(t, ans.Results, 152)
	assert.Equal(t, "employee/HB0000", ans.Results[0].WorkflowID)
	assert.Contains(t, ans.Results[151].Error, "field email")

	count := func(q string) int64 {
		r, err := e.Client.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: e.Config.Temporal.Namespace, Query: q})
		require.NoError(t, err)
		return r.GetCount()
	}
	// Visibility is eventually consistent: the count catches up with the
	// start the answer waited for.
	require.Eventually(t, func() bool { return count("WorkflowType = 'HRBatch'") >= 1 }, 30*time.Second, 200*time.Millisecond, "the batch's HRBatch is listed")
	assert.EqualValues(t, 1, count("WorkflowType = 'HRBatch'"), "151 records: one chunk")
	eventually(t, e, leaver.EmployeeID, "the termination in the batch is applied", func() (bool, string) {
		u, _ := e.Emulators.Graph.UserByEmployeeID(leaver.EmployeeID)
		return !u.AccountEnabled, "still enabled"
	})
	for _, id := range []string{"HB0000", "HB0149"} {
		eventually(t, e, id, "the batch's joiner reached its Employee workflow", func() (bool, string) {
			st, err := employeeState(e, id)
			return err == nil && st.Record != nil && st.Record.StartDate == start, fmt.Sprint(err)
		})
	}
	require.Eventually(t, func() bool { return count("WorkflowType = 'HRBatch' AND ExecutionStatus = 'Completed'") == 1 },
		2*time.Minute, 200*time.Millisecond, "the HRBatch completes")

	// Accepting the same batch id again (a replay reaching another replica)
	// is accepted and starts no second HRBatch.
	sink := employees.Sink{Client: e.Client, TaskQueue: e.Config.Temporal.TaskQueue, Policy: e.Config.Policy()}
	items := []contract.HRBatchItem{{Record: recs[0], DeliveryID: "x-0"}}
	first := sink.AcceptBatch(ctx, "replay-test", items, 4)
	again := sink.AcceptBatch(ctx, "replay-test", items, 4)
	assert.Equal(t, []error{nil}, first)
	assert.Equal(t, []error{nil}, again)
	require.Eventually(t, func() bool { return count("WorkflowType = 'HRBatch'") >= 2 }, 30*time.Second, 200*time.Millisecond, "the replay-test batch is listed")
	assert.EqualValues(t, 2, count("WorkflowType = 'HRBatch'"), "the same batch id accepted twice started one HRBatch")
}

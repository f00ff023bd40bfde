package main

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/reviews"
)

// demoReviewRuns checks the demo campaign jml dev starts (dev_review.go):
// it runs, its reviewee's DM went to the reviewer HR names (the HR manager
// of the record jml holds, an active employee, never the reviewee), and
// `jml review status` prints it, run as a reader would from the checkout.
func demoReviewRuns(t *testing.T, c client.Client, bin, dir, temporalAddr string) {
	t.Helper()
	ctx := context.Background()
	var campaign string
	var seen []string
	require.Eventually(t, func() bool {
		r, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", Query: `WorkflowType = "` + contract.AccessReviewWorkflowName + `"`})
		if err != nil {
			return false
		}
		seen = seen[:0]
		for _, ex := range r.GetExecutions() {
			id := ex.GetExecution().GetWorkflowId()
			seen = append(seen, id)
			if strings.HasPrefix(id, contract.AccessReviewWorkflowID("demo-")) {
				campaign = strings.TrimPrefix(id, contract.AccessReviewWorkflowID(""))
				return true
			}
		}
		return false
	}, 90*time.Second, time.Second, "the demo campaign; seen %v", seen)

	var st contract.ReviewState
	require.Eventually(t, func() bool {
		var err error
		st, err = reviews.Status(ctx, c, "default", campaign)
		if err != nil || st.Status != contract.ReviewStatusOpen || len(st.Reviewees) == 0 {
			return false
		}
		for _, rv := range st.Reviewees {
			if !rv.Delivered {
				return false
			}
		}
		return true
	}, 90*time.Second, time.Second, "the demo campaign opens and its DMs are delivered: %+v", &st)
	assert.NotEmpty(t, st.Scope.EmployeeID, "the demo reviews one employee")
	for _, rv := range st.Reviewees {
		assert.NotEmpty(t, rv.Items, "%s: the snapshot found their access", rv.EmployeeID)
		assert.NotEqual(t, rv.EmployeeID, rv.Reviewer, "never the reviewee")
		assert.NotContains(t, rv.Chain, rv.EmployeeID, "nor later in line")
		assert.NotEmpty(t, rv.ReviewerSlackUserID, "%s: the DM went to a Slack member", rv.EmployeeID)
		rec := heldRecord(t, c, rv.EmployeeID)
		assert.Equal(t, rec.ManagerEmployeeID, rv.Reviewer, "%s: the reviewer is the HR manager of the record jml holds", rv.EmployeeID)
		mgr := heldRecord(t, c, rv.Reviewer)
		assert.NotEqual(t, domain.HRTerminated, mgr.Status, "the reviewer has not left")
	}

	status := exec.Command(bin, "review", "status", "--config", "config/demo.yaml", campaign)
	status.Dir = dir
	status.Env = append(cleanEnv(), "JML_TEMPORAL_ADDRESS="+temporalAddr)
	out, err := status.CombinedOutput()
	require.NoError(t, err, "jml review status:\n%s", out)
	got := string(out)
	rv := st.Reviewees[0]
	assert.Contains(t, got, "campaign "+campaign+" (employee="+rv.EmployeeID+"): open")
	assert.Regexp(t, `(?m)^1 reviewees, \d+ items, \d+ decided`, got)
	assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(rv.EmployeeID)+` +`+regexp.QuoteMeta(rv.Reviewer)+` +\d+ +\d+ +(pending|decided)`, got)
	assert.Contains(t, got, "snapshot ", "the snapshot's path and SHA-256")
}

// heldRecord is the HR record an Employee workflow holds.
func heldRecord(t *testing.T, c client.Client, employeeID string) domain.HRRecord {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	require.NoError(t, err, "employee/%s", employeeID)
	var st contract.EmployeeState
	require.NoError(t, v.Get(&st))
	require.NotNil(t, st.Record, "employee/%s holds an HR record", employeeID)
	return *st.Record
}

// checkReviewBlock checks what README's `jml review` block printed against
// jml dev: the campaign started, its status, and the list with jml dev's
// own demo campaign.
func checkReviewBlock(t *testing.T, got string) {
	t.Helper()
	m := regexp.MustCompile(`(?m)^campaign (r-\d{8}-\d{6}) started \(workflow review/(r-\d{8}-\d{6}), scope department=Engineering\)$`).FindStringSubmatch(got)
	require.NotNil(t, m, "jml review start names the campaign:\n%s", got)
	assert.Equal(t, m[1], m[2])
	assert.Regexp(t, `(?m)^campaign `+m[1]+` \(department=Engineering\): (snapshot|open|done), started `, got, "jml review status prints it")
	assert.Regexp(t, `(?m)^CAMPAIGN +STATUS +STARTED +CLOSED$`, got)
	assert.Regexp(t, `(?m)^demo-\d{8}-\d{6} +Running +`, got, "jml review list lists jml dev's demo campaign")
}

package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
)

// demoAppTaskRuns waits for jml dev's demo leaver to open the owner task of
// the demo's manual app (expensify), as README's "In jml dev" says.
func demoAppTaskRuns(t *testing.T, c client.Client) {
	t.Helper()
	var seen []string
	require.Eventually(t, func() bool {
		r, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: "default", Query: `WorkflowType = "` + contract.AppTaskWorkflowName + `"`})
		if err != nil {
			return false
		}
		seen = seen[:0]
		for _, ex := range r.GetExecutions() {
			id := ex.GetExecution().GetWorkflowId()
			seen = append(seen, id)
			if strings.HasPrefix(id, "apptask/E0100/leaver/") && strings.HasSuffix(id, "/expensify") {
				return true
			}
		}
		return false
	}, 90*time.Second, time.Second, "the demo leaver's owner task; seen %v", seen)
}

package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/jml-dev/jml/starters/catalogreport"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestCatalogReportCountsTheActiveEmployeeWorkflows: the catalog report's
// population is read from Temporal (the active Employee workflows, each
// one's HR record by its state query), and the rules' counts follow it.
func TestCatalogReportCountsTheActiveEmployeeWorkflows(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	eng, it := e.Org.Employees[7].Record, e.Org.Employees[13].Record
	require.Equal(t, "Engineering", eng.Department, "fixture")
	require.Equal(t, "IT", it.Department, "fixture")
	sendHR(t, e, eng)
	sendHR(t, e, it)
	q := `WorkflowType = "Employee" AND ExecutionStatus = "Running" AND LifecycleStatus = "active"`
	eventually(t, e, eng.EmployeeID, "both employees visible as active", func() (bool, string) {
		resp, err := e.Client.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: e.Config.Temporal.Namespace, Query: q})
		if err != nil {
			return false, err.Error()
		}
		return len(resp.GetExecutions()) == 2, "not listed yet"
	})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	recs, err := catalogreport.Population(ctx, e.Client, e.Config.Temporal.Namespace)
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, eng.EmployeeID, recs[0].EmployeeID)
	assert.Equal(t, "Engineering", recs[0].Department, "the HR record as the workflow holds it")
	assert.Equal(t, it.EmployeeID, recs[1].EmployeeID)

	r := catalogreport.Build(catalogreport.FromConfig(e.Config, recs, time.Now()))
	matching := map[string]int{}
	for _, ru := range r.Rules {
		matching[ru.Name] = ru.Matching
	}
	assert.Equal(t, 2, matching[catalogreport.BirthrightRule])
	assert.Equal(t, 1, matching["engineering"])
	assert.Equal(t, 1, matching["it"])
	assert.Equal(t, 0, matching["sales"])
	assert.Equal(t, 2, r.Population)
}

package catalogreport

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workers"
)

// PopulationSource says where Population's records come from.
const PopulationSource = "running Employee workflows with LifecycleStatus active, each one's HR record read by its state query"

// Population reads the HR record of every active employee as jml holds it:
// the running Employee workflows whose LifecycleStatus is active (the KPI
// report's population), each record from the workflow's state query.
func Population(ctx context.Context, c client.Client, namespace string) ([]domain.HRRecord, error) {
	q := fmt.Sprintf(`WorkflowType = %q AND ExecutionStatus = "Running" AND %s = %q`, contract.EmployeeWorkflowName, contract.LifecycleStatusKey.GetName(), domain.StatusActive)
	var ids []string
	var token []byte
	for {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: q, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list the active Employee workflows: %w", err)
		}
		for _, ex := range resp.GetExecutions() {
			if e, ok := strings.CutPrefix(ex.GetExecution().GetWorkflowId(), contract.EmployeeWorkflowID("")); ok && !strings.Contains(e, "/") {
				ids = append(ids, e)
			}
		}
		if token = resp.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	recs := make([]domain.HRRecord, len(ids))
	found := make([]bool, len(ids))
	errs := make([]error, len(ids))
	hr := workers.HRRecords{Client: c}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(8, len(ids)) {
		wg.Go(func() {
			for i := range next {
				recs[i], found[i], errs[i] = hr.HRRecord(ctx, ids[i])
			}
		})
	}
	for i := range ids {
		next <- i
	}
	close(next)
	wg.Wait()
	out := recs[:0]
	for i := range recs {
		if errs[i] != nil {
			return nil, errs[i]
		}
		if found[i] {
			out = append(out, recs[i])
		}
	}
	return out, nil
}

package planner

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/directory"
)

// WorkflowStates reads Employee state with the state query: read-only, no
// signal, no update, nothing in the workflow's history.
type WorkflowStates struct{ Client client.Client }

// State implements States.
func (w WorkflowStates) State(ctx context.Context, employeeID string) (*contract.EmployeeState, error) {
	v, err := w.Client.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the state of %s: %w", contract.EmployeeWorkflowID(employeeID), err)
	}
	var st contract.EmployeeState
	if err := v.Get(&st); err != nil {
		return nil, fmt.Errorf("decode the state of %s: %w", contract.EmployeeWorkflowID(employeeID), err)
	}
	return &st, nil
}

// DirectoryLookup is a Lookup over the directories' read-only FindUser (by
// employee id, then email), as the joiner's ensure-account step matches.
func DirectoryLookup(dirs map[string]directory.Directory) Lookup {
	return func(ctx context.Context, dir, employeeID, email string) (string, bool, error) {
		d, ok := dirs[dir]
		if !ok {
			return "", false, nil
		}
		a, err := d.FindUser(ctx, employeeID, email)
		if directory.IsNotFound(err) {
			return "", false, nil
		}
		if err != nil {
			return "", false, fmt.Errorf("%s: look up employee %s: %w", dir, employeeID, err)
		}
		return a.ID, true, nil
	}
}

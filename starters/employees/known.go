package employees

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"

	"github.com/jml-dev/jml/contract"
)

// Known reports whether jml knows the employee: their Employee workflow
// exists (running or closed). An import uses it for managers who are not
// in the file.
func (s Sink) Known(ctx context.Context, employeeID string) (bool, error) {
	_, err := s.Client.DescribeWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "")
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &nf):
		return false, nil
	}
	return false, err
}

package workers

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// HRRecords reads the HR record jml holds for an employee: the state query
// of their Employee workflow (activities.People).
type HRRecords struct{ Client client.Client }

// HRRecord is the last accepted HR record of the employee; found is false
// when jml holds none (no Employee workflow, or one without a record yet).
func (h HRRecords) HRRecord(ctx context.Context, employeeID string) (domain.HRRecord, bool, error) {
	v, err := h.Client.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return domain.HRRecord{}, false, nil
	}
	if err != nil {
		return domain.HRRecord{}, false, fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	var st contract.EmployeeState
	if err := v.Get(&st); err != nil {
		return domain.HRRecord{}, false, fmt.Errorf("read the HR record of %s: %w", employeeID, err)
	}
	if st.Record == nil {
		return domain.HRRecord{}, false, nil
	}
	return *st.Record, true, nil
}

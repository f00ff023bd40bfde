package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// HRBatchWorkflow delivers one accepted chunk of an HR webhook batch to the
// Employee workflows. Accepting it (starting this workflow) is what the
// webhook answered for; from here Temporal owns the records until every
// one reached its Employee workflow.
func HRBatchWorkflow(ctx workflow.Context, in contract.HRBatchInput) (contract.HRBatchResult, error) {
	return contract.DeliverHRRecords.Execute(ctx, fmt.Sprintf("deliver %d HR records", len(in.Items)), in)
}

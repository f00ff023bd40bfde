package employees

import (
	"context"
	"errors"
	"fmt"
	"sync"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
)

// AcceptBatch accepts items durably for delivery: one HRBatch workflow per
// chunk of contract.HRBatchChunk items, started concurrently, whose input
// is the records; the HRBatch then signals each to its Employee workflow
// (DeliverHRRecords). batchID (opaque, from the signed delivery) names the
// chunks, so a replayed delivery starts nothing new: an already started
// chunk counts as accepted. The answer is per item: nil when accepted.
func (s Sink) AcceptBatch(ctx context.Context, batchID string, items []contract.HRBatchItem, concurrency int) []error {
	errs := make([]error, len(items))
	// The chunks of one batch share its concurrency, so a batch is fanned
	// out as fast as, and no harder than, one delivered directly.
	if concurrency <= 0 {
		concurrency = 32
	}
	chunks := (len(items) + contract.HRBatchChunk - 1) / contract.HRBatchChunk
	per := max(1, (concurrency+chunks-1)/max(chunks, 1))
	var wg sync.WaitGroup
	for c, from := 0, 0; from < len(items); c, from = c+1, from+contract.HRBatchChunk {
		to := min(from+contract.HRBatchChunk, len(items))
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := contract.HRBatchWorkflowID(fmt.Sprintf("%s-%d", batchID, c))
			opts := client.StartWorkflowOptions{
				ID:                    id,
				TaskQueue:             s.TaskQueue,
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
				StaticSummary:         fmt.Sprintf("HR batch: %d records", to-from),
			}
			_, err := s.Client.ExecuteWorkflow(ctx, opts, contract.HRBatchWorkflowName,
				contract.HRBatchInput{Items: items[from:to], Concurrency: per})
			var started *serviceerror.WorkflowExecutionAlreadyStarted
			if errors.As(err, &started) {
				err = nil // a replay of this delivery: already accepted
			}
			if err != nil {
				err = fmt.Errorf("accept HR batch chunk %s: %w", id, err)
			}
			for i := from; i < to; i++ {
				errs[i] = err
			}
		}()
	}
	wg.Wait()
	return errs
}

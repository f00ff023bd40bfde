package contract

// HR batches: a large signed webhook batch is accepted durably in one
// Temporal call per chunk (an HRBatch workflow whose input is the
// validated records), and the HRBatch fans the records out to their
// Employee workflows through an activity, so the sender is answered in
// seconds, not after a thousand signal-with-starts.

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/domain"
)

// HRBatchWorkflowName is the workflow type of one accepted chunk of a batch.
const HRBatchWorkflowName = "HRBatch"

// HRBatchChunk is the most records one HRBatch carries: about 500 bytes
// each, so an input stays far below Temporal's 512 KB payload warning.
const HRBatchChunk = 250

// HRBatchWorkflowID is "hrbatch/<batch id>" (an opaque hash of the signed
// delivery and the chunk's index: a replayed delivery names the same ids).
func HRBatchWorkflowID(batchID string) string { return "hrbatch/" + batchID }

// HRBatchItem is one validated record and the id of the signed delivery
// it came in, by which its Employee workflow drops a repeat.
type HRBatchItem struct {
	Record     domain.HRRecord `json:"record"`
	DeliveryID string          `json:"delivery_id"`
}

// HRBatchInput is the HRBatch workflow's input and its activity's.
type HRBatchInput struct {
	Items []HRBatchItem `json:"items"`
	// Concurrency bounds deliveries at once (default 32).
	Concurrency int `json:"concurrency,omitempty"`
}

// HRBatchResult is what the fan-out did.
type HRBatchResult struct {
	Delivered int `json:"delivered"`
}

// DeliverHRRecords signals each record to its Employee workflow
// (signal-with-start), terminations first.
var DeliverHRRecords = Activity[HRBatchInput, HRBatchResult]{Name: "DeliverHRRecords", Options: HRBatchOptions}

// HRBatchOptions: the fan-out heartbeats, and is retried until it is done
// (each record's delivery id makes a repeat a no-op), with backoff.
func HRBatchOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		HeartbeatTimeout:    30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			NonRetryableErrorTypes: NonRetryableErrorTypes,
		},
	}
}

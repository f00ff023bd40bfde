// Package employees delivers HR records to the one Employee workflow of each
// employee, starting it when it does not run yet (signal-with-start). Every
// intake path (webhook, BambooHR, CSV/JSON import, jml dev) goes through it.
package employees

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Sink signals HR records into Employee contract.
type Sink struct {
	Client    client.Client
	TaskQueue string
	Policy    contract.Policy
}

// Submit delivers rec to employee/<id>, starting the workflow if needed,
// and returns the workflow id. The record must already be valid.
func (s Sink) Submit(ctx context.Context, rec domain.HRRecord) (string, error) {
	return s.Deliver(ctx, rec, "")
}

// Deliver is Submit for a record that came in a signed delivery:
// deliveryID (opaque, from the signature) lets the Employee workflow
// ignore a replay of it, whichever intake replica receives the replay.
func (s Sink) Deliver(ctx context.Context, rec domain.HRRecord, deliveryID string) (string, error) {
	id := contract.EmployeeWorkflowID(rec.EmployeeID)
	policy := s.Policy
	opts := client.StartWorkflowOptions{
		ID:        id,
		TaskQueue: s.TaskQueue,
		// Only opaque ids in search attributes: they are not encrypted.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			contract.EmployeeIDKey.ValueSet(rec.EmployeeID),
			contract.LifecycleStatusKey.ValueSet("received"),
		),
	}
	_, err := s.Client.SignalWithStartWorkflow(ctx, id, contract.SignalHRRecord,
		contract.HRRecordInput{Record: rec, Policy: &policy, DeliveryID: deliveryID}, opts,
		contract.EmployeeWorkflowName, contract.EmployeeInput{EmployeeID: rec.EmployeeID, Policy: s.Policy})
	if err != nil {
		return "", fmt.Errorf("deliver HR record of %s to %s: %w", rec.EmployeeID, id, err)
	}
	return id, nil
}

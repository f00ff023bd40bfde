package sweep

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// ErrClosed: no such sweep finding, or it has ended.
var ErrClosed = errors.New("sweep finding is not open")

// InvalidError is a decision the finding's validator turned away: Field
// names the form field to fix ("" when none), Msg says what.
type InvalidError struct{ Field, Msg string }

func (e *InvalidError) Error() string { return e.Msg }

// Decider sends sweep decisions (a Slack press or a modal's submission)
// to the finding's workflow, which judges who may decide.
type Decider struct {
	Client client.Client
}

// Decide delivers d to the sweep child workflowID; updateID (the Slack
// delivery id) makes a replayed delivery a no-op in Temporal itself.
func (dc Decider) Decide(ctx context.Context, workflowID string, d contract.SweepDecision, updateID string) (contract.SweepDecisionResult, error) {
	var out contract.SweepDecisionResult
	if !contract.SweepTakes(workflowID, d.Decision) {
		return out, &InvalidError{Msg: fmt.Sprintf("%q does not take the decision %q", workflowID, d.Decision)}
	}
	h, err := dc.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: contract.UpdateSweepDecision, UpdateID: updateID,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{d},
	})
	if err == nil {
		err = h.Get(ctx, &out)
	}
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	switch {
	case errors.As(err, &nf):
		return out, ErrClosed
	case errors.As(err, &app) && app.Type() == string(domain.ErrBadInput):
		ie := &InvalidError{Msg: app.Message()}
		if app.HasDetails() {
			_ = app.Details(&ie.Field)
		}
		return out, ie
	case errors.As(err, &app):
		return out, fmt.Errorf("%w: %s", ErrClosed, app.Message())
	}
	return out, err
}

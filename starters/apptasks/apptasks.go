// Package apptasks delivers an app owner's Done (a Slack press or the CLI)
// to the AppTask workflow of the task, which judges who may confirm.
package apptasks

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
)

// ErrClosed: no such task, or it has ended (confirmed).
var ErrClosed = errors.New("app task is not open")

// Confirmer sends the Done update.
type Confirmer struct {
	Client client.Client
}

// Done delivers a confirmation; updateID (the Slack delivery id) makes a
// replayed press a no-op in Temporal itself.
func (c Confirmer) Done(ctx context.Context, taskID string, p contract.AppTaskPress, updateID string) (contract.AppTaskDoneResult, error) {
	var out contract.AppTaskDoneResult
	if !strings.HasPrefix(taskID, "apptask/") {
		return out, fmt.Errorf("%w: %q is not an app task id", ErrClosed, taskID)
	}
	h, err := c.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: taskID, UpdateName: contract.UpdateAppTaskDone, UpdateID: updateID,
		WaitForStage: client.WorkflowUpdateStageCompleted, Args: []any{p},
	})
	var nf *serviceerror.NotFound
	var app *temporal.ApplicationError
	if errors.As(err, &nf) {
		return out, ErrClosed
	}
	if errors.As(err, &app) { // the validator's why, told to the presser
		return out, fmt.Errorf("%w: %s", ErrClosed, app.Message())
	}
	if err != nil {
		return out, err
	}
	if err := h.Get(ctx, &out); err != nil {
		if errors.As(err, &app) {
			return out, fmt.Errorf("%w: %s", ErrClosed, app.Message())
		}
		return out, err
	}
	return out, nil
}

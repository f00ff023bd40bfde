package activities

import (
	"context"

	"go.temporal.io/sdk/activity"

	"github.com/jml-dev/jml/integrations/directory"
)

// withWorkflowID tells the directory which workflow the call serves (AD
// writes it in a leaver's description); ids only, never PII.
func withWorkflowID(ctx context.Context) context.Context {
	if !activity.IsActivity(ctx) {
		return ctx
	}
	return directory.WithWorkflowID(ctx, activity.GetInfo(ctx).WorkflowExecution.ID)
}

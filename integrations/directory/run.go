package directory

import "context"

type workflowIDKey struct{}

// WithWorkflowID tells an integration which workflow a call serves, for
// directories that record it on the object (AD's description on a leaver).
// Activities set it; integrations stay free of Temporal.
func WithWorkflowID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, workflowIDKey{}, id)
}

// WorkflowID is the workflow id WithWorkflowID set, or "".
func WorkflowID(ctx context.Context) string {
	s, _ := ctx.Value(workflowIDKey{}).(string)
	return s
}

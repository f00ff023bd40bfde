package activities

import (
	"context"
	"sync"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"

	"github.com/jml-dev/jml/integrations/directory"
)

// KeepAliveInterceptor lets a directory call that waits for its rate budget
// heartbeat the activity it serves (directory.WithKeepAlive says why). It
// repeats the activity's last heartbeat details rather than sending none:
// Temporal keeps only the latest, and a retried evidence export or HR batch
// resumes from them.
func KeepAliveInterceptor() interceptor.WorkerInterceptor { return &keepAliveWorker{} }

type keepAliveWorker struct {
	interceptor.WorkerInterceptorBase
}

func (*keepAliveWorker) InterceptActivity(_ context.Context, next interceptor.ActivityInboundInterceptor) interceptor.ActivityInboundInterceptor {
	a := &keepAliveActivity{}
	a.Next = next
	return a
}

type keepAliveActivity struct {
	interceptor.ActivityInboundInterceptorBase
}

func (a *keepAliveActivity) ExecuteActivity(ctx context.Context, in *interceptor.ExecuteActivityInput) (any, error) {
	return a.Next.ExecuteActivity(withKeepAlive(ctx), in)
}

// lastBeat is an activity's latest heartbeat details.
type lastBeat struct {
	mu      sync.Mutex
	details []any
}

type lastBeatKey struct{}

// withKeepAlive installs the keep-alive on an activity that has a
// heartbeat timeout (one without is never declared lost while it waits).
func withKeepAlive(ctx context.Context) context.Context {
	if !activity.IsActivity(ctx) || activity.GetInfo(ctx).HeartbeatTimeout <= 0 {
		return ctx
	}
	b := &lastBeat{}
	ctx = context.WithValue(ctx, lastBeatKey{}, b)
	beatCtx := ctx
	return directory.WithKeepAlive(ctx, func() {
		b.mu.Lock()
		details := b.details
		b.mu.Unlock()
		// The SDK sends at most one heartbeat per 80% of the timeout, so a
		// call per request costs the server nothing more.
		activity.RecordHeartbeat(beatCtx, details...)
	})
}

// heartbeat records progress (the details a retry may resume from).
func heartbeat(ctx context.Context, details ...any) {
	if !activity.IsActivity(ctx) {
		return
	}
	if b, ok := ctx.Value(lastBeatKey{}).(*lastBeat); ok {
		b.mu.Lock()
		b.details = details
		b.mu.Unlock()
	}
	activity.RecordHeartbeat(ctx, details...)
}

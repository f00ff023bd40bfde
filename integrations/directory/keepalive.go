package directory

import (
	"context"
	"time"
)

// A call that waits for the rate budget is still work in progress. On a
// layoff day a thousand leavers queue on one tenant's budget, and a call can
// wait minutes for its token; an activity silent that long is declared lost
// by its heartbeat timeout and retried, while the lost attempt keeps its
// place in the queue and spends budget no one uses. So the limiter calls the
// context's keep-alive before each call and every KeepAliveEvery while it
// waits. The activities layer installs it (a heartbeat); this package knows
// nothing of Temporal.
type keepAliveKey struct{}

// KeepAliveEvery is how often a waiting call reports that it is alive:
// well inside any heartbeat timeout jml sets (30 s). A variable only so
// tests can shorten it.
var KeepAliveEvery = 5 * time.Second

// WithKeepAlive returns ctx carrying fn, called while calls made with ctx
// wait for the rate budget.
func WithKeepAlive(ctx context.Context, fn func()) context.Context {
	return context.WithValue(ctx, keepAliveKey{}, fn)
}

func keepAlive(ctx context.Context) {
	if fn, ok := ctx.Value(keepAliveKey{}).(func()); ok && fn != nil {
		fn()
	}
}

package workers

import (
	"context"
	"sync"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/employees"
)

// guardedSink delivers a scheduled import's changed rows through the
// mass-termination guard, as jml import and the webhook do: the chunks of
// one run count as one run against its limits.
type guardedSink struct {
	sink  employees.Sink
	guard *employees.Guard

	mu   sync.Mutex
	runs map[string]*employees.GuardRun
}

func (g *guardedSink) Submit(ctx context.Context, rec domain.HRRecord) (string, error) {
	return g.sink.Submit(ctx, rec)
}

func (g *guardedSink) SubmitInRun(ctx context.Context, run string, rec domain.HRRecord) (string, error) {
	g.mu.Lock()
	r, ok := g.runs[run]
	if !ok {
		r = g.guard.RunWithID("scheduled-"+run, "scheduled import", "", nil)
		g.runs[run] = r
	}
	g.mu.Unlock()
	return r.Deliver(ctx, g.sink.Deliver, rec, "")
}

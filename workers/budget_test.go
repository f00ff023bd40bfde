package workers

import (
	"context"
	"io"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"

	"github.com/jml-dev/jml/integrations/directory"
)

func noop(context.Context) error { return nil }

// Two worker processes polling one task queue (this one and another
// identity) divide every directory budget by two: the server's poller list
// is what they agree on.
func TestShareBudgetDividesByLiveWorkers(t *testing.T) {
	bin := "../.bin/temporal" // make temporal
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Temporal dev server binary %s not found: run make temporal", bin)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	srv, err := sdktest.StartDevServer(ctx, sdktest.DevServerOptions{ExistingPath: bin, LogLevel: "error", Stdout: io.Discard, Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Stop() }()
	c := srv.Client()
	const tq = "budget"
	lim := directory.Track("budget-test", directory.NewLimiter(600, 10))

	alone, err := liveWorkers(ctx, c, tq, defaultIdentity())
	if err != nil {
		t.Fatal(err)
	}
	if alone != 1 {
		t.Fatalf("with no poller the process counts itself once, got %d", alone)
	}
	for _, id := range []string{defaultIdentity(), "4242@elsewhere@"} {
		w := worker.New(c, tq, worker.Options{Identity: id})
		w.RegisterActivity(noop)
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		defer w.Stop()
	}
	for n := 0; n != 2; {
		if n, err = liveWorkers(ctx, c, tq, defaultIdentity()); err != nil {
			t.Fatal(err)
		}
		if n > 2 {
			t.Fatalf("%d live workers counted, want 2", n)
		}
		if ctx.Err() != nil {
			t.Fatal("the second worker's polls never showed on the task queue")
		}
		time.Sleep(50 * time.Millisecond)
	}
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	ShareBudget(sctx, c, tq, zerolog.Nop())
	if got := lim.Share(); got != 2 {
		t.Fatalf("share = %d after two workers polled, want 2", got)
	}
}

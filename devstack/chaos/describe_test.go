package chaos

import (
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

func alwaysDown(context.Context) error { return errors.New("directory down") }

func retriesForever(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 50 * time.Millisecond, BackoffCoefficient: 1},
	})
	return workflow.ExecuteActivity(ctx, alwaysDown).Get(ctx, nil)
}

// An unfinished workflow is described by its status and the activity it is
// stuck on, with the attempt and the last failure, read from the server.
func TestDescribeNamesThePendingActivity(t *testing.T) {
	bin := "../../.bin/temporal" // make temporal
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
	w := worker.New(c, "describe", worker.Options{})
	w.RegisterWorkflow(retriesForever)
	w.RegisterActivity(alwaysDown)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	const id = "employee/E0001/leaver/1"
	if _, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: "describe"}, retriesForever); err != nil {
		t.Fatal(err)
	}
	var got string
	for ctx.Err() == nil {
		got = describe(ctx, c, person{workflow: id})
		if strings.Contains(got, "directory down") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if !strings.HasPrefix(got, "status Running; pending alwaysDown attempt ") || !strings.HasSuffix(got, ": directory down") {
		t.Fatalf("describe = %q", got)
	}
	if got := describe(ctx, c, person{workflow: "employee/E0404/leaver/1"}); !strings.HasPrefix(got, "not started: ") {
		t.Fatalf("describe of an unknown workflow = %q", got)
	}
}

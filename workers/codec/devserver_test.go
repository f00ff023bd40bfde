package codec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"google.golang.org/protobuf/proto"
)

// failureMarker is in the failing activity's error message; it must never
// reach the Temporal service in the clear.
const failureMarker = "mailbox quota exceeded for"

// codecTestWorkflow handles an employee record the way jml's workflows do:
// passes it to an activity, and survives a failing one whose error names
// the employee.
func codecTestWorkflow(ctx workflow.Context, in employee) (string, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var greeting string
	if err := workflow.ExecuteActivity(ctx, "CodecTestGreet", in).Get(ctx, &greeting); err != nil {
		return "", err
	}
	err := workflow.ExecuteActivity(ctx, "CodecTestProvision", in).Get(ctx, nil)
	if err == nil {
		return "", errors.New("provision activity should have failed")
	}
	return greeting + "; provision failed", nil
}

func greetActivity(_ context.Context, in employee) (string, error) {
	return "welcome " + in.Name + " <" + in.Email + ">", nil
}

func provisionActivity(_ context.Context, in employee) error {
	return temporal.NewNonRetryableApplicationError(failureMarker+" "+in.Email, "MailboxQuota", nil)
}

var (
	devOnce   sync.Once
	devServer *sdktest.DevServer
	devErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if devServer != nil {
		_ = devServer.Stop()
	}
	os.Exit(code)
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.b.Len() > 64<<10 {
		return len(p), nil
	}
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func quietLogger() log.Logger {
	return log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
}

// startDevServer starts one real Temporal dev server for the package. It
// never downloads: a missing binary is a failure telling how to build it.
func startDevServer(t *testing.T) *sdktest.DevServer {
	t.Helper()
	bin := filepath.Join(repoRoot(t), ".bin", "temporal")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("Temporal dev server binary %s not found: run make temporal", bin)
	}
	devOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// The server's shutdown chatter stays out of test output; it is
		// shown only if the server fails to start.
		out := &lockedBuffer{}
		devServer, devErr = sdktest.StartDevServer(ctx, sdktest.DevServerOptions{
			ExistingPath: bin,
			LogLevel:     "error",
			Stdout:       out,
			Stderr:       out,
			// No HostPort: the SDK picks a free 127.0.0.1 port.
			ClientOptions: &client.Options{Namespace: "default", Logger: quietLogger()},
		})
		if devErr != nil {
			devErr = fmt.Errorf("%w\nserver output:\n%s", devErr, out.String())
		}
	})
	if devErr != nil {
		t.Fatalf("start Temporal dev server: %v", devErr)
	}
	return devServer
}

func dial(t *testing.T, srv *sdktest.DevServer, k *Keyring) client.Client {
	t.Helper()
	c, err := client.Dial(ClientOptions(k, client.Options{HostPort: srv.FrontendHostPort(), Namespace: "default", Logger: quietLogger()}))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// runWorkflow runs codecTestWorkflow on a fresh task queue with a worker
// using keyring k (nil: no encryption) and returns the raw history as the
// service stores it, fetched by a client WITHOUT the codec.
func runWorkflow(t *testing.T, srv *sdktest.DevServer, k *Keyring) *historypb.History {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := dial(t, srv, k)
	queue := fmt.Sprintf("codec-test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), time.Now().UnixNano())
	w := worker.New(c, queue, worker.Options{})
	w.RegisterWorkflow(codecTestWorkflow)
	w.RegisterActivityWithOptions(greetActivity, activity.RegisterOptions{Name: "CodecTestGreet"})
	w.RegisterActivityWithOptions(provisionActivity, activity.RegisterOptions{Name: "CodecTestProvision"})
	if err := w.Start(); err != nil {
		t.Fatalf("worker start: %v", err)
	}
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, codecTestWorkflow, ada)
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	var result string
	if err := run.Get(ctx, &result); err != nil {
		t.Fatalf("workflow: %v", err)
	}
	if !strings.Contains(result, ada.Email) {
		t.Fatalf("workflow result %q lacks the email: the codec client did not decode it", result)
	}

	raw := srv.Client() // the dev server's own client: default data converter
	it := raw.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatalf("history: %v", err)
		}
		hist.Events = append(hist.Events, ev)
	}
	return hist
}

func failedActivityEvent(t *testing.T, h *historypb.History) *historypb.HistoryEvent {
	t.Helper()
	for _, ev := range h.Events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED {
			return ev
		}
	}
	t.Fatal("history has no ActivityTaskFailed event")
	return nil
}

func TestHistoryOnDevServer(t *testing.T) {
	srv := startDevServer(t)
	keyA, keyB := fixedKey("key-a", 1), fixedKey("key-b", 100)
	ringA := mustRing(t, keyA)

	// Control: without a key, the service stores the PII in the clear. This
	// is what the encrypted assertions below must not find.
	t.Run("without key the history is plaintext", func(t *testing.T) {
		raw, _ := proto.Marshal(runWorkflow(t, srv, nil))
		for _, s := range []string{ada.Email, failureMarker} {
			if !bytes.Contains(raw, []byte(s)) {
				t.Fatalf("control history lacks %q; the leak check below would prove nothing", s)
			}
		}
	})

	hist := runWorkflow(t, srv, ringA)

	t.Run("raw history holds no plaintext", func(t *testing.T) {
		raw, err := proto.Marshal(hist)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{ada.Email, ada.Name, ada.Manager, failureMarker, "welcome"} {
			if bytes.Contains(raw, []byte(s)) {
				t.Fatalf("raw history fetched without the codec contains %q", s)
			}
		}
		start := hist.Events[0].GetWorkflowExecutionStartedEventAttributes()
		if kid := string(start.GetInput().GetPayloads()[0].GetMetadata()[MetadataEncryptionKeyID]); kid != "key-a" {
			t.Fatalf("workflow input key id = %q, want key-a", kid)
		}
	})

	t.Run("with the codec the history decodes", func(t *testing.T) {
		for name, ring := range map[string]*Keyring{"[A]": ringA, "[B,A]": mustRing(t, keyB, keyA)} {
			var in employee
			start := hist.Events[0].GetWorkflowExecutionStartedEventAttributes()
			if err := ring.DataConverter().FromPayloads(start.GetInput(), &in); err != nil || in != ada {
				t.Fatalf("%s: workflow input = %+v, %v", name, in, err)
			}
			// FailureToError rewrites the failure in place: decode a copy.
			f := proto.Clone(failedActivityEvent(t, hist).GetActivityTaskFailedEventAttributes().GetFailure()).(*failurepb.Failure)
			if msg := ring.FailureConverter().FailureToError(f).Error(); !strings.Contains(msg, failureMarker+" "+ada.Email) {
				t.Fatalf("%s: decoded activity failure %q lacks the message", name, msg)
			}
		}
		// Without the codec the failure reads as an opaque placeholder.
		f := proto.Clone(failedActivityEvent(t, hist).GetActivityTaskFailedEventAttributes().GetFailure()).(*failurepb.Failure)
		if msg := temporal.GetDefaultFailureConverter().FailureToError(f).Error(); strings.Contains(msg, ada.Email) {
			t.Fatalf("failure decoded without the codec: %q", msg)
		}
	})

	replay := func(k *Keyring) error { return replayLogged(t, k, hist, quietLogger()) }
	t.Run("rotation: replays with [B, A]", func(t *testing.T) {
		if err := replay(mustRing(t, keyB, keyA)); err != nil {
			t.Fatalf("replay with [B, A]: %v", err)
		}
	})
	t.Run("rotation: fails with only [B]", func(t *testing.T) {
		// The replayer reports the resulting command mismatch, not the codec
		// error, so the decode failure is shown on the history directly.
		if err := replay(mustRing(t, keyB)); err == nil {
			t.Fatal("replay with only [B] succeeded; history written with A must not decode")
		}
		var in employee
		input := hist.Events[0].GetWorkflowExecutionStartedEventAttributes().GetInput()
		err := mustRing(t, keyB).DataConverter().FromPayloads(input, &in)
		const want = "payload encrypted with unknown key id key-a: configure it in JML_CODEC_KEYS"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("decode with [B]: err = %v, want %q", err, want)
		}
	})
}

func replayLogged(t *testing.T, k *Keyring, hist *historypb.History, logger log.Logger) error {
	r, err := worker.NewWorkflowReplayerWithOptions(ReplayerOptions(k, worker.WorkflowReplayerOptions{}))
	if err != nil {
		t.Fatal(err)
	}
	r.RegisterWorkflow(codecTestWorkflow)
	return r.ReplayWorkflowHistory(logger, hist)
}

// TestWorkerMissingKeyRetriesTask: a worker deployed without the key that
// wrote a workflow fails the workflow TASK (the workflow stays running)
// and the workflow completes once a worker with the key picks it up.
func TestWorkerMissingKeyRetriesTask(t *testing.T) {
	srv := startDevServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keyA, keyB := fixedKey("key-a", 1), fixedKey("key-b", 100)
	queue := fmt.Sprintf("codec-missing-key-%d", time.Now().UnixNano())

	starter := dial(t, srv, mustRing(t, keyA))
	run, err := starter.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, codecTestWorkflow, ada)
	if err != nil {
		t.Fatal(err)
	}

	newWorker := func(k *Keyring) worker.Worker {
		w := worker.New(dial(t, srv, k), queue, worker.Options{})
		w.RegisterWorkflow(codecTestWorkflow)
		w.RegisterActivityWithOptions(greetActivity, activity.RegisterOptions{Name: "CodecTestGreet"})
		w.RegisterActivityWithOptions(provisionActivity, activity.RegisterOptions{Name: "CodecTestProvision"})
		if err := w.Start(); err != nil {
			t.Fatal(err)
		}
		return w
	}

	onlyB := mustRing(t, keyB)
	wB := newWorker(onlyB)
	var taskFailure *failurepb.Failure
	for taskFailure == nil {
		if ctx.Err() != nil {
			wB.Stop()
			t.Fatal("no WorkflowTaskFailed event: the worker without key-a did not fail the task")
		}
		it := srv.Client().GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED {
				t.Fatal("workflow execution failed: a missing key must fail the task, not the workflow")
			}
			if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
				taskFailure = a.GetFailure()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	wB.Stop()
	msg := onlyB.FailureConverter().FailureToError(proto.Clone(taskFailure).(*failurepb.Failure)).Error()
	if !strings.Contains(msg, "payload encrypted with unknown key id key-a: configure it in JML_CODEC_KEYS") {
		t.Fatalf("workflow task failure %q does not explain the missing key", msg)
	}
	desc, err := starter.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.RawResponse.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("workflow status %v, want RUNNING", st)
	}

	// Fixing the configuration (rotation keeps A) lets the workflow finish.
	rotated := mustRing(t, keyB, keyA)
	wBA := newWorker(rotated)
	defer wBA.Stop()
	// The result is now written with key-b, so read it with the rotated ring.
	var result string
	if err := dial(t, srv, rotated).GetWorkflow(ctx, run.GetID(), run.GetRunID()).Get(ctx, &result); err != nil || !strings.Contains(result, ada.Email) {
		t.Fatalf("after adding key-a: result %q, err %v", result, err)
	}
}

// TestRequiredWorkerRefusesPlaintextStart: with codec.required a workflow
// started by a client without keys fails its workflow task with a clear
// error and nothing is processed: no activity runs, the workflow stays
// running, and nothing but the start is in its history.
func TestRequiredWorkerRefusesPlaintextStart(t *testing.T) {
	srv := startDevServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	queue := fmt.Sprintf("codec-required-%d", time.Now().UnixNano())
	ring := mustRing(t, fixedKey("key-a", 1)).Required()

	greets := 0
	var mu sync.Mutex
	w := worker.New(dial(t, srv, ring), queue, worker.Options{})
	w.RegisterWorkflow(codecTestWorkflow)
	w.RegisterActivityWithOptions(func(ctx context.Context, in employee) (string, error) {
		mu.Lock()
		greets++
		mu.Unlock()
		return greetActivity(ctx, in)
	}, activity.RegisterOptions{Name: "CodecTestGreet"})
	w.RegisterActivityWithOptions(provisionActivity, activity.RegisterOptions{Name: "CodecTestProvision"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	plain := dial(t, srv, nil) // a client without keys, e.g. `jml import` run without them
	run, err := plain.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: queue, TaskQueue: queue}, codecTestWorkflow, ada)
	if err != nil {
		t.Fatal(err)
	}
	var taskFailure *failurepb.Failure
	var events []enumspb.EventType
	for taskFailure == nil {
		if ctx.Err() != nil {
			t.Fatal("no WorkflowTaskFailed event: the required worker processed a plaintext start")
		}
		events = events[:0]
		it := srv.Client().GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			ev, err := it.Next()
			if err != nil {
				t.Fatal(err)
			}
			events = append(events, ev.GetEventType())
			if a := ev.GetWorkflowTaskFailedEventAttributes(); a != nil {
				taskFailure = a.GetFailure()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	msg := ring.FailureConverter().FailureToError(proto.Clone(taskFailure).(*failurepb.Failure)).Error()
	if !strings.Contains(msg, "payload is not encrypted and codec.required is set") {
		t.Fatalf("workflow task failure %q does not say why", msg)
	}
	if strings.Contains(msg, ada.Email) || strings.Contains(msg, ada.Name) {
		t.Fatalf("the refusal quotes the plaintext payload: %q", msg)
	}
	for _, e := range events {
		switch e {
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
			enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
		default:
			t.Fatalf("history has %v: the plaintext start was processed (events %v)", e, events)
		}
	}
	desc, err := plain.DescribeWorkflow(ctx, run.GetID(), run.GetRunID())
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.RawResponse.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Fatalf("workflow status %v, want RUNNING (the task fails, not the workflow)", st)
	}
	mu.Lock()
	defer mu.Unlock()
	if greets != 0 {
		t.Fatalf("the activity ran %d times on a plaintext input", greets)
	}
	_ = plain.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test done")
}

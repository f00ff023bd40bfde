package activities

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/integrations/directory"
)

// A call waiting for its rate budget heartbeats the activity, repeating the
// progress the activity last recorded instead of erasing it.
func TestKeepAliveRepeatsTheLastProgress(t *testing.T) {
	old := directory.KeepAliveEvery
	directory.KeepAliveEvery = 10 * time.Millisecond
	t.Cleanup(func() { directory.KeepAliveEvery = old })
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	hc := &http.Client{Transport: directory.NewLimiter(600, 1).Transport(nil)} // a token every 100 ms

	calls := func(ctx context.Context) error {
		heartbeat(ctx, "page-7")
		for range 8 {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
		}
		return nil
	}
	wf := func(ctx workflow.Context) error {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute, HeartbeatTimeout: 200 * time.Millisecond}) // the SDK sends at most one beat per 160 ms
		return workflow.ExecuteActivity(ctx, "Calls").Get(ctx, nil)
	}
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{KeepAliveInterceptor()}})
	env.RegisterWorkflowWithOptions(wf, workflow.RegisterOptions{Name: "W"})
	env.RegisterActivityWithOptions(calls, activity.RegisterOptions{Name: "Calls"})
	var beats []string
	env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var s string
		if details.HasValues() {
			_ = details.Get(&s)
		}
		beats = append(beats, s)
	})
	env.ExecuteWorkflow("W")
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(beats) < 2 {
		t.Fatalf("heartbeats %q: want the activity's own and at least one keep-alive", beats)
	}
	for i, b := range beats {
		if b != "page-7" {
			t.Fatalf("heartbeat %d carried %q, want the last progress page-7 (all: %q)", i, b, beats)
		}
	}
}

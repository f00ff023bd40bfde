package chaos

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
)

// waitAll waits for every person's lifecycle workflow to close and returns
// the results of those that completed; a failed one is a problem. It stops
// early when ctx ends or the supervisor gives up on the worker.
func waitAll(ctx context.Context, c client.Client, people []person, rep *Report, say func(string, ...any), gaveUp <-chan struct{}) (map[string]contract.LifecycleResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-gaveUp:
			cancel()
		case <-ctx.Done():
		}
	}()
	var mu sync.Mutex
	results := map[string]contract.LifecycleResult{}
	var wg sync.WaitGroup
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := waitOne(ctx, c, p.workflow)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				results[p.workflow] = res
				rep.Completed++
				if rep.Completed%10 == 0 || rep.Completed == len(people) {
					say("%d of %d lifecycle workflows completed", rep.Completed, len(people))
				}
			case ctx.Err() == nil:
				rep.problem("%s did not complete: %v", p.workflow, err)
			default:
				rep.problem("%s had not completed when the run ended: %s", p.workflow, describe(ctx, c, p))
			}
		}()
	}
	wg.Wait()
	return results, ctx.Err()
}

// waitOne waits for a workflow to exist, then for its result. A run with a
// step blocked on an operator's retry or skip never finishes on its own:
// that is reported at once rather than at the deadline.
func waitOne(ctx context.Context, c client.Client, id string) (contract.LifecycleResult, error) {
	for {
		var res contract.LifecycleResult
		pollCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err := c.GetWorkflow(pollCtx, id, "").Get(pollCtx, &res)
		cancel()
		var nf *serviceerror.NotFound
		switch {
		case err == nil || ctx.Err() != nil:
			return res, err
		case errors.As(err, &nf):
		case pollCtx.Err() != nil:
			if b := blocked(ctx, c, id); b != "" {
				return res, errors.New(b)
			}
			continue
		default:
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// blocked names the steps of a run that wait for an operator, if any.
func blocked(ctx context.Context, c client.Client, id string) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	v, err := c.QueryWorkflow(ctx, id, "", contract.QueryState)
	if err != nil {
		return ""
	}
	var st contract.LifecycleState
	if v.Get(&st) != nil {
		return ""
	}
	var out []string
	for _, b := range st.Blocked {
		out = append(out, fmt.Sprintf("%s %q blocked for an operator since %s: %s", b.Directory, b.Step, b.Since.Format(time.TimeOnly), b.Error))
	}
	return strings.Join(out, "; ")
}

// describe says where an unfinished workflow stands: its status and the
// activities it waits on, with their last failure.
func describe(ctx context.Context, c client.Client, p person) string {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	d, err := c.DescribeWorkflow(ctx, p.workflow, "")
	if err != nil {
		return "not started: " + err.Error()
	}
	out := []string{"status " + d.Status.String()}
	if b := blocked(ctx, c, p.workflow); b != "" {
		out = append(out, b)
	}
	// the pending activities are only in the server's raw answer
	for _, a := range d.RawResponse.GetPendingActivities() {
		s := fmt.Sprintf("pending %s attempt %d", a.GetActivityType().GetName(), a.GetAttempt())
		if f := a.GetLastFailure(); f != nil {
			s += ": " + f.GetMessage()
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

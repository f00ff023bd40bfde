package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// HRDeliverer hands one HR record to its Employee workflow
// (starters/employees.Sink, signal-with-start); deliveryID lets the
// workflow drop a repeat.
type HRDeliverer interface {
	Deliver(ctx context.Context, rec domain.HRRecord, deliveryID string) (workflowID string, err error)
}

// DeliverHRRecords fans an accepted HR batch out to the Employee
// workflows, in.Concurrency at a time, terminations first: a leaver in a
// large batch is not queued behind its joiners. It heartbeats what is
// done, so a retry (a lost worker, a Temporal hiccup) resumes there; a
// repeat of a record is dropped by its delivery id anyway.
func (a *Activities) DeliverHRRecords(ctx context.Context, in contract.HRBatchInput) (contract.HRBatchResult, error) {
	if a.HR == nil {
		return contract.HRBatchResult{}, errors.New("no HR deliverer is configured on this worker (retried: another worker may have one)")
	}
	var done []int
	if activity.HasHeartbeatDetails(ctx) {
		_ = activity.GetHeartbeatDetails(ctx, &done) // none usable: deliver all again (idempotent)
	}
	skip := map[int]bool{}
	for _, i := range done {
		skip[i] = true
	}
	order := make([]int, 0, len(in.Items))
	for i := range in.Items {
		if !skip[i] {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(x, y int) int {
		return rank(in.Items[x].Record) - rank(in.Items[y].Record)
	})
	conc := in.Concurrency
	if conc <= 0 {
		conc = 32
	}
	var (
		mu     sync.Mutex
		failed int
		first  error
		wg     sync.WaitGroup
	)
	sem := make(chan struct{}, conc)
	for _, i := range order {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			it := in.Items[i]
			_, err := a.HR.Deliver(ctx, it.Record, it.DeliveryID)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed++
				if first == nil {
					first = err
				}
				return
			}
			done = append(done, i)
			heartbeat(ctx, done)
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return contract.HRBatchResult{Delivered: len(done)}, err
	}
	if failed > 0 {
		return contract.HRBatchResult{Delivered: len(done)}, fmt.Errorf("%d of %d HR records not delivered yet (retried): %w", failed, len(in.Items), first)
	}
	return contract.HRBatchResult{Delivered: len(done)}, nil
}

// rank orders a batch's deliveries: terminations first.
func rank(r domain.HRRecord) int {
	if r.Status == domain.HRTerminated {
		return 0
	}
	return 1
}

package workers

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/rs/zerolog"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/integrations/directory"
)

// Each directory's rate budget (requests_per_minute) is the tenant's or
// app's, not a worker's: Okta's and Graph's limits are org- and
// app-wide. Every worker divides it by the number of worker processes
// polling the task queue, which Temporal's server knows (DescribeTaskQueue
// lists each poller with its last poll). A second worker joining halves
// both within ShareEvery; a restarted one's old identity is still listed
// for up to ShareStale, so survivors run slower, never faster, meanwhile.
//
// Temporal's own TaskQueueActivitiesPerSecond does not fit: it counts
// activities, and one of ours makes from one call (disable) to dozens
// (remove every group), so no activity rate bounds the HTTP rate.
const (
	ShareEvery = 2 * time.Second
	ShareStale = 75 * time.Second // a long poll lasts up to a minute
)

// ShareBudget keeps every tracked limiter's share equal to the number of
// live workers on the task queue until ctx ends. It sets the share once
// before returning, so the worker's first calls already use it.
func ShareBudget(ctx context.Context, c client.Client, taskQueue string, log zerolog.Logger) {
	self := defaultIdentity()
	last := 0
	update := func() {
		n, err := liveWorkers(ctx, c, taskQueue, self)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn().Err(err).Msg("rate budget: cannot count the workers; keeping the last share")
			}
			return
		}
		for _, lim := range directory.Limiters() {
			lim.SetShare(n)
		}
		if n != last {
			log.Info().Int("workers", n).Str("task_queue", taskQueue).Msg("rate budget divided among the live workers")
			last = n
		}
	}
	update()
	go func() {
		t := time.NewTicker(ShareEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				update()
			}
		}
	}()
}

// liveWorkers counts the distinct identities that polled the activity task
// queue within ShareStale, this process included even before its first
// poll.
func liveWorkers(ctx context.Context, c client.Client, taskQueue, self string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := c.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
	if err != nil {
		return 0, err
	}
	seen := map[string]bool{self: true}
	for _, p := range resp.GetPollers() {
		if t := p.GetLastAccessTime(); t != nil && time.Since(t.AsTime()) > ShareStale {
			continue
		}
		seen[p.GetIdentity()] = true
	}
	return len(seen), nil
}

// defaultIdentity is the SDK's default worker identity (pid@host@), which
// is what DescribeTaskQueue lists for this process.
func defaultIdentity() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%d@%s@", os.Getpid(), host)
}

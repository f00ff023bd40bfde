package hr

import (
	"errors"
	"strings"
	"sync"
	"time"
)

// ErrReplayed is a signed delivery seen before within its window.
var ErrReplayed = errors.New("this signed delivery was already accepted (replayed)")

// ReplayGuard remembers the signatures of accepted HR deliveries for a
// window, so a request captured and resent while its timestamp is still
// fresh is refused. Senders that retry sign again with a new timestamp, so
// their retries pass.
type ReplayGuard struct {
	Window time.Duration // default 5 minutes

	mu   sync.Mutex
	seen map[string]time.Time
}

// Check records sig and fails with ErrReplayed if it was seen within the window.
func (g *ReplayGuard) Check(sig string, now time.Time) error {
	window := g.Window
	if window <= 0 {
		window = 5 * time.Minute
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[string]time.Time{}
	}
	for s, t := range g.seen {
		if now.Sub(t) > 2*window {
			delete(g.seen, s)
		}
	}
	key := strings.ToLower(strings.TrimSpace(sig))
	if _, ok := g.seen[key]; ok {
		return ErrReplayed
	}
	g.seen[key] = now
	return nil
}

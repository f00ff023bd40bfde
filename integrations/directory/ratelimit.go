package directory

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a client-side rate limiter for one tenant or app, shared by all
// activities of a worker, so a burst of work runs at the directory's limit
// instead of into a storm of 429s. It wraps an http.RoundTripper, so every
// SDK call passes through it. It adapts to the server: when a response says
// the quota is nearly spent (Okta's X-Rate-Limit-Remaining/Reset) or a 429
// arrives with a delay, calls pause until the reset.
type Limiter struct {
	lim *rate.Limiter

	mu         sync.Mutex
	pauseUntil time.Time
	name       string // for the Observer (observe.go)
}

// NewLimiter allows perMinute requests a minute with the given burst.
// perMinute <= 0 means unlimited.
func NewLimiter(perMinute, burst int) *Limiter {
	if perMinute <= 0 {
		return &Limiter{lim: rate.NewLimiter(rate.Inf, 0)}
	}
	if burst <= 0 {
		burst = 1
	}
	return &Limiter{lim: rate.NewLimiter(rate.Limit(float64(perMinute)/60.0), burst)}
}

// Wait blocks until a request may be sent.
func (l *Limiter) Wait(ctx context.Context) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	until := l.pauseUntil
	l.mu.Unlock()
	if err := Sleep(ctx, time.Until(until)); err != nil {
		return err
	}
	return l.lim.Wait(ctx)
}

// Sleep waits d (nothing when d <= 0) or until ctx ends, whichever is
// first: the one wait every client's backoff and pause uses.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// PauseUntil holds every caller until t (a server-announced reset).
func (l *Limiter) PauseUntil(t time.Time) {
	if l == nil {
		return
	}
	l.mu.Lock()
	if t.After(l.pauseUntil) {
		l.pauseUntil = t
	}
	l.mu.Unlock()
}

// Observe adapts to a response's quota headers: a 429 with Retry-After, or
// Okta's X-Rate-Limit-Remaining reaching zero before X-Rate-Limit-Reset.
func (l *Limiter) Observe(resp *http.Response) {
	if l == nil || resp == nil {
		return
	}
	now := time.Now()
	if d := RetryAfter(resp.Header, now); resp.StatusCode == http.StatusTooManyRequests && d > 0 {
		l.PauseUntil(now.Add(d))
		return
	}
	rem := resp.Header.Get("X-Rate-Limit-Remaining")
	reset := resp.Header.Get("X-Rate-Limit-Reset")
	if rem == "" || reset == "" {
		return
	}
	r, err1 := strconv.Atoi(rem)
	epoch, err2 := strconv.ParseInt(reset, 10, 64)
	if err1 != nil || err2 != nil {
		return
	}
	if r <= 1 {
		l.PauseUntil(time.Unix(epoch, 0).Add(ServerClockSkew(resp.Header, now)))
	}
}

// ServerClockSkew is local time minus the server's Date header, so a reset
// given in server time can be waited out on the local clock.
func ServerClockSkew(h http.Header, now time.Time) time.Duration {
	d, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return 0
	}
	return now.Sub(d).Truncate(time.Second)
}

// RetryAfter reads the server's delay from Retry-After (seconds or HTTP
// date) or from Okta's X-Rate-Limit-Reset minus Date. Zero when absent.
func RetryAfter(h http.Header, now time.Time) time.Duration {
	if v := h.Get("Retry-After"); v != "" {
		if secs, err := strconv.ParseFloat(v, 64); err == nil && secs >= 0 {
			return time.Duration(secs * float64(time.Second))
		}
		if t, err := http.ParseTime(v); err == nil {
			if d := t.Sub(now); d > 0 {
				return d
			}
			return 0
		}
	}
	if v := h.Get("X-Rate-Limit-Reset"); v != "" {
		epoch, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0
		}
		base := now
		if d, err := http.ParseTime(h.Get("Date")); err == nil {
			base = d
		}
		if d := time.Unix(epoch, 0).Sub(base); d > 0 {
			return d
		}
		return time.Second // reset already passed in server time: wait a beat
	}
	return 0
}

// Transport wraps base so every request waits for the limiter and every
// response is observed.
func (l *Limiter) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return limitedTransport{l: l, base: base}
}

type limitedTransport struct {
	l    *Limiter
	base http.RoundTripper
}

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if err := t.l.Wait(req.Context()); err != nil {
		return nil, err
	}
	t.l.observeWait(time.Since(start))
	resp, err := t.base.RoundTrip(req)
	t.l.Observe(resp)
	if resp != nil {
		t.l.observeStatus(resp.StatusCode)
	}
	return resp, err
}

package directory

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a client-side rate limiter for one tenant or app, shared by all
// activities of a worker, so a burst of work runs at the directory's limit
// instead of into a storm of 429s. It wraps an http.RoundTripper, so every
// SDK call passes through it. It adapts to the server: when a response says
// the quota is nearly spent (Okta's X-Rate-Limit-Remaining/Reset) or a 429
// arrives with a delay, calls pause until the reset.
//
// A directory whose limits are per endpoint (Okta's buckets) gets one token
// bucket per endpoint family (WithBuckets), each at the full rate, so one
// spent bucket pauses only its own calls. The rate is the tenant's whole
// budget divided by Share, the number of worker processes spending it
// (workers.ShareBudget keeps it current), so workers joining or restarting
// never raise the tenant's total.
type Limiter struct {
	perMinute, burst int
	classify         func(*http.Request) string

	mu      sync.Mutex
	share   int
	buckets map[string]*bucket

	name string // the directory its observations carry (observe.go)

	calls, throttled atomic.Int64
	waited           atomic.Int64 // nanoseconds spent waiting for a token or a pause
}

type bucket struct {
	lim        *rate.Limiter
	pauseUntil time.Time
}

// NewLimiter allows perMinute requests a minute with the given burst.
// perMinute <= 0 means unlimited.
func NewLimiter(perMinute, burst int) *Limiter {
	if burst <= 0 {
		burst = 1
	}
	return &Limiter{perMinute: perMinute, burst: burst, share: 1, buckets: map[string]*bucket{}}
}

// WithBuckets gives each endpoint family (classify's answer) its own
// bucket at the full rate: for APIs whose limits are per endpoint.
func (l *Limiter) WithBuckets(classify func(*http.Request) string) *Limiter {
	l.classify = classify
	return l
}

// limit is one bucket's rate at the current share.
func (l *Limiter) limitLocked() (rate.Limit, int) {
	if l.perMinute <= 0 {
		return rate.Inf, 0
	}
	n := max(l.share, 1)
	return rate.Limit(float64(l.perMinute) / 60.0 / float64(n)), max(1, l.burst/n)
}

func (l *Limiter) bucketLocked(key string) *bucket {
	b := l.buckets[key]
	if b == nil {
		r, burst := l.limitLocked()
		b = &bucket{lim: rate.NewLimiter(r, burst)}
		l.buckets[key] = b
	}
	return b
}

func (l *Limiter) key(req *http.Request) string {
	if l == nil || l.classify == nil || req == nil {
		return ""
	}
	return l.classify(req)
}

// SetShare divides the budget among n worker processes (n < 1 counts as
// 1). The new rate applies at once to every bucket.
func (l *Limiter) SetShare(n int) {
	if l == nil {
		return
	}
	n = max(n, 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	if n == l.share {
		return
	}
	l.share = n
	r, burst := l.limitLocked()
	for _, b := range l.buckets {
		b.lim.SetLimit(r)
		b.lim.SetBurst(burst)
	}
}

// Share is the number of workers the budget is divided among.
func (l *Limiter) Share() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.share
}

// PerMinute is the whole budget (all workers together); <= 0: unlimited.
func (l *Limiter) PerMinute() int { return l.perMinute }

// Wait blocks until a request may be sent.
func (l *Limiter) Wait(ctx context.Context) error { return l.wait(ctx, "") }

func (l *Limiter) wait(ctx context.Context, key string) error {
	if l == nil {
		return nil
	}
	start := time.Now()
	defer func() { l.waited.Add(int64(time.Since(start))) }()
	keepAlive(ctx)
	l.mu.Lock()
	b := l.bucketLocked(key)
	until := b.pauseUntil
	l.mu.Unlock()
	if err := Sleep(ctx, time.Until(until)); err != nil {
		return err
	}
	// rate.Limiter.Wait, but keeping the caller alive through a long wait.
	r := b.lim.Reserve()
	if !r.OK() {
		return fmt.Errorf("rate: a request exceeds the limiter's burst")
	}
	delay := r.Delay()
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < delay {
		r.Cancel()
		return fmt.Errorf("rate: the wait for budget (%s) would exceed the context deadline", delay.Round(time.Millisecond))
	}
	if err := Sleep(ctx, delay); err != nil {
		r.Cancel() // give the token back to the callers still waiting
		return err
	}
	return nil
}

// LimiterStats are a limiter's counters since the process started.
type LimiterStats struct {
	Calls     int64         // requests sent
	Throttled int64         // 429 answers received
	Waited    time.Duration // total time calls waited for the limiter
	Share     int           // workers the budget is divided among now
}

// Stats reads the counters (for metrics and `jml bench burst`).
func (l *Limiter) Stats() LimiterStats {
	if l == nil {
		return LimiterStats{}
	}
	return LimiterStats{Calls: l.calls.Load(), Throttled: l.throttled.Load(), Waited: time.Duration(l.waited.Load()), Share: l.Share()}
}

// The process's limiters by directory name ("okta", "scim:<app>"), so the
// worker can divide each budget among workers and metrics can read them. A
// process may build a directory's client more than once (jml dev and the
// bench run the intake, which reads Slack identities from the directories,
// beside the worker), so a name holds every limiter built for it: dividing
// only the newest would leave the worker's own at the full budget.
var registry struct {
	sync.Mutex
	m map[string]LimiterGroup
}

// LimiterGroup is every limiter of one directory in this process.
type LimiterGroup []*Limiter

// SetShare divides each limiter's budget among n worker processes.
func (g LimiterGroup) SetShare(n int) {
	for _, l := range g {
		l.SetShare(n)
	}
}

// Stats adds the group's counters up (Share is the first one's: all are
// set together).
func (g LimiterGroup) Stats() LimiterStats {
	var out LimiterStats
	for i, l := range g {
		s := l.Stats()
		out.Calls += s.Calls
		out.Throttled += s.Throttled
		out.Waited += s.Waited
		if i == 0 {
			out.Share = s.Share
		}
	}
	return out
}

// Track records lim under name (a directory or app).
func Track(name string, lim *Limiter) *Limiter {
	if lim == nil {
		return nil
	}
	registry.Lock()
	defer registry.Unlock()
	if registry.m == nil {
		registry.m = map[string]LimiterGroup{}
	}
	for _, l := range registry.m[name] {
		if l == lim {
			return lim
		}
	}
	registry.m[name] = append(registry.m[name], lim)
	return lim
}

// Limiters returns every tracked limiter by name.
func Limiters() map[string]LimiterGroup {
	registry.Lock()
	defer registry.Unlock()
	out := make(map[string]LimiterGroup, len(registry.m))
	for k, v := range registry.m {
		out[k] = append(LimiterGroup(nil), v...)
	}
	return out
}

// LimiterNames lists the tracked names, sorted.
func LimiterNames() []string {
	m := Limiters()
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// Sleep waits d (nothing when d <= 0) or until ctx ends, whichever is
// first: the one wait every client's backoff, poll and pause uses. A long
// wait keeps ctx's caller alive (WithKeepAlive) every KeepAliveEvery.
func Sleep(ctx context.Context, d time.Duration) error {
	for d > 0 {
		step := min(d, KeepAliveEvery)
		if err := sleepOnce(ctx, step); err != nil {
			return err
		}
		d -= step
		if d > 0 {
			keepAlive(ctx)
		}
	}
	return ctx.Err()
}

func sleepOnce(ctx context.Context, d time.Duration) error {
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
	defer l.mu.Unlock()
	l.bucketLocked("")
	for _, b := range l.buckets {
		if t.After(b.pauseUntil) {
			b.pauseUntil = t
		}
	}
}

func (l *Limiter) pauseBucket(key string, t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if b := l.bucketLocked(key); t.After(b.pauseUntil) {
		b.pauseUntil = t
	}
}

// Observe adapts to a response's quota headers: a 429 with Retry-After, or
// Okta's X-Rate-Limit-Remaining reaching zero before X-Rate-Limit-Reset.
// With buckets only the response's own bucket pauses.
func (l *Limiter) Observe(resp *http.Response) {
	if l == nil || resp == nil {
		return
	}
	key := l.key(resp.Request)
	now := time.Now()
	if resp.StatusCode == http.StatusTooManyRequests {
		l.throttled.Add(1)
	}
	if d := RetryAfter(resp.Header, now); resp.StatusCode == http.StatusTooManyRequests && d > 0 {
		l.pauseBucket(key, now.Add(d))
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
		l.pauseBucket(key, time.Unix(epoch, 0).Add(ServerClockSkew(resp.Header, now)))
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
	return l.TimedTransport(base, 0)
}

// TimedTransport is Transport with a timeout on each exchange, counted from
// when the budget let the request go. It replaces http.Client.Timeout, which
// would also count the wait: on a layoff day a call may queue for its token
// longer than any sane timeout for the call itself.
func (l *Limiter) TimedTransport(base http.RoundTripper, timeout time.Duration) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return limitedTransport{l: l, base: base, timeout: timeout}
}

type limitedTransport struct {
	l       *Limiter
	base    http.RoundTripper
	timeout time.Duration
}

func (t limitedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if err := t.l.wait(req.Context(), t.l.key(req)); err != nil {
		return nil, err
	}
	if t.l != nil {
		t.l.calls.Add(1)
	}
	t.l.observeWait(time.Since(start))
	cancel := context.CancelFunc(func() {})
	if t.timeout > 0 {
		var ctx context.Context
		ctx, cancel = context.WithTimeout(req.Context(), t.timeout)
		req = req.WithContext(ctx)
	}
	resp, err := t.base.RoundTrip(req)
	t.l.Observe(resp)
	if resp != nil {
		t.l.observeStatus(resp.StatusCode)
	}
	if err != nil || resp == nil || resp.Body == nil {
		cancel()
		return resp, err
	}
	resp.Body = cancelOnClose{ReadCloser: resp.Body, cancel: cancel} // the timeout covers reading the body too
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

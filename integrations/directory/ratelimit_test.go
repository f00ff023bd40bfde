package directory_test

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/scimemu"
	"github.com/jml-dev/jml/integrations/directory"
)

// burstFrom two "workers" (two limiters, as two processes have) against one
// app whose server allows a little over the shared budget per second, and
// returns how many calls the server refused.
func burstFromTwo(t *testing.T, share int) (calls, throttled int) {
	t.Helper()
	emu := scimemu.New(scimemu.Config{Apps: []scimemu.App{{Name: "app", Token: "app-token"}}})
	if err := emu.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	// The budget is 600 a minute, 10 a second, for the app as a whole; the
	// server refuses the 14th call of a second: the burst of 1 each worker
	// may add on top of its share fits, a second full budget does not.
	emu.SetLimit("app:Users", emulator.Limit{Requests: 13, Window: time.Second})
	var wg sync.WaitGroup
	for range 2 {
		lim := directory.NewLimiter(600, 1)
		lim.SetShare(share)
		hc := &http.Client{Transport: lim.Transport(nil)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 25 {
				req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, emu.URL()+"/scim/app/v2/Users", nil)
				req.Header.Set("Authorization", "Bearer app-token")
				resp, err := hc.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
			}
		}()
	}
	wg.Wait()
	return emu.Counts()["app:Users"], emu.Throttled()
}

// Two workers dividing one budget stay inside the server's limit in every
// window it measures; each spending the whole budget (no share) does not.
func TestTwoWorkersShareOneBudget(t *testing.T) {
	calls, throttled := burstFromTwo(t, 2)
	if calls != 50 || throttled != 0 {
		t.Fatalf("sharing the budget: %d calls, %d refused by the server; want 50 and 0", calls, throttled)
	}
	if _, throttled := burstFromTwo(t, 1); throttled == 0 {
		t.Fatal("two workers each at the full budget were never refused: the test cannot tell a shared budget from none")
	}
}

// A limiter with buckets paces each endpoint family on its own: a spent
// bucket pauses only its calls.
func TestBucketsPauseOnlyTheirOwnCalls(t *testing.T) {
	lim := directory.NewLimiter(60, 1).WithBuckets(func(r *http.Request) string { return r.URL.Path })
	resp := &http.Response{StatusCode: http.StatusTooManyRequests, Header: http.Header{"Retry-After": {"3600"}},
		Request: &http.Request{URL: mustURL(t, "http://x/a")}}
	lim.Observe(resp)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://x/b", nil)
		_, err := lim.Transport(roundTrip(func(*http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 200, Body: http.NoBody}, nil
		})).RoundTrip(req)
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatalf("a call in another bucket waited on the paused one: %v", err)
	}
	if s := lim.Stats(); s.Throttled != 1 || s.Calls != 1 {
		t.Fatalf("stats %+v, want 1 call and 1 throttled", s)
	}
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

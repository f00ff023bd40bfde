package directory_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jml-dev/jml/integrations/directory"
)

func shortKeepAlive(t *testing.T) {
	old := directory.KeepAliveEvery
	directory.KeepAliveEvery = 20 * time.Millisecond
	t.Cleanup(func() { directory.KeepAliveEvery = old })
}

// A call queued behind the budget keeps its caller alive while it waits, so
// a heartbeating activity is not declared lost by the queue alone.
func TestAWaitForBudgetKeepsTheCallerAlive(t *testing.T) {
	shortKeepAlive(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	lim := directory.NewLimiter(300, 1) // one token every 200 ms
	hc := &http.Client{Transport: lim.Transport(nil)}
	var alive atomic.Int32
	ctx := directory.WithKeepAlive(context.Background(), func() { alive.Add(1) })
	for range 2 {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// One before each call, and several during the second one's ~200 ms wait.
	if n := alive.Load(); n < 5 {
		t.Fatalf("keep-alive called %d times over two calls and a 200 ms wait; want at least 5", n)
	}
}

// The timeout of a timed transport counts the exchange, not the wait for
// budget: a call queued longer than its timeout still goes through, and a
// server slower than the timeout still fails.
func TestTimedTransportDoesNotCountTheWait(t *testing.T) {
	slow := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
		}
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	defer close(slow)
	lim := directory.NewLimiter(120, 1) // one token every 500 ms
	hc := &http.Client{Transport: lim.TimedTransport(nil, 150*time.Millisecond)}
	get := func(path string) error {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, srv.URL+path, nil)
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		_, err = io.ReadAll(resp.Body)
		return err
	}
	for i := range 2 { // the second waits ~500 ms for its token
		if err := get("/fast"); err != nil {
			t.Fatalf("call %d, queued longer than its 150 ms timeout: %v", i, err)
		}
	}
	if err := get("/slow"); err == nil {
		t.Fatal("a server slower than the timeout answered in time: the timeout is not applied")
	}
}

// A directory whose client a process built twice (the worker's and the
// intake's in jml dev) has both limiters divided and counted, not only
// the newest.
func TestEveryLimiterOfADirectoryIsShared(t *testing.T) {
	worker, intake := directory.NewLimiter(600, 1), directory.NewLimiter(600, 1)
	directory.Track("twice-built", worker)
	directory.Track("twice-built", intake)
	directory.Track("twice-built", intake) // tracking again adds nothing
	g := directory.Limiters()["twice-built"]
	if len(g) != 2 {
		t.Fatalf("tracked %d limiters, want 2", len(g))
	}
	g.SetShare(2)
	if worker.Share() != 2 || intake.Share() != 2 {
		t.Fatalf("shares %d and %d after dividing among 2 workers; want both 2", worker.Share(), intake.Share())
	}
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	resp, err := (&http.Client{Transport: worker.Transport(nil)}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if s := directory.Limiters()["twice-built"].Stats(); s.Calls != 1 || s.Share != 2 {
		t.Fatalf("group stats %+v: want the worker's one call and share 2", s)
	}
}

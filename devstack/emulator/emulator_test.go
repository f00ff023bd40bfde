package emulator

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

// toyAPI answers like a tiny real API: bearer auth, JSON errors.
type toyAPI struct{}

func (toyAPI) Family(r *http.Request) string {
	return strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")[0]
}
func (toyAPI) Throttled(w http.ResponseWriter, r *http.Request, d time.Duration, _ time.Time) {
	w.Header().Set("Retry-After", RetryAfterSeconds(d))
	WriteJSON(w, http.StatusTooManyRequests, map[string]string{"error": "throttled"})
}
func (toyAPI) Failed(w http.ResponseWriter, r *http.Request, status int) {
	WriteJSON(w, status, map[string]string{"error": "injected"})
}
func (toyAPI) Authorized(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "Bearer t" {
		WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": "auth"})
		return false
	}
	return true
}
func (toyAPI) ServeAPI(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, 200, map[string]string{"ok": r.URL.Path})
}
func (toyAPI) Snapshot() any { return map[string]int{"users": 3} }

func start(t *testing.T) *Server {
	t.Helper()
	return emutest.Start(t, New(toyAPI{}))
}

func get(t *testing.T, s *Server, path string) (*http.Response, error) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL()+path, nil)
	req.Header.Set("Authorization", "Bearer t")
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	return resp, err
}

func status(t *testing.T, s *Server, path string) int {
	t.Helper()
	resp, err := get(t, s, path)
	require.NoError(t, err)
	return resp.StatusCode
}

func TestNextNFaultsPerPath(t *testing.T) {
	s := start(t)
	s.AddFault(Fault{PathPrefix: "/users", Status: 503, Times: 2})
	assert.Equal(t, 503, status(t, s, "/users/1"))
	assert.Equal(t, 200, status(t, s, "/groups/1"), "other paths untouched")
	assert.Equal(t, 503, status(t, s, "/users/2"))
	assert.Equal(t, 200, status(t, s, "/users/3"), "the fault is spent after two")
}

func TestThrottleFaultUsesTheAPIsAnswer(t *testing.T) {
	s := start(t)
	s.AddFault(Fault{Status: 429, RetryAfter: 3 * time.Second, Times: 1})
	resp, err := get(t, s, "/users")
	require.NoError(t, err)
	assert.Equal(t, 429, resp.StatusCode)
	assert.Equal(t, "3", resp.Header.Get("Retry-After"))
	assert.Equal(t, 1, s.Throttled())
}

func TestProbabilityFaultsAreRepeatable(t *testing.T) {
	run := func() []int {
		s := start(t)
		s.SetSeed(42)
		s.AddFault(Fault{Status: 500, Probability: 0.5})
		var out []int
		for i := 0; i < 20; i++ {
			out = append(out, status(t, s, "/users"))
		}
		return out
	}
	a, b := run(), run()
	assert.Equal(t, a, b, "same seed, same faults")
	assert.Contains(t, a, 500)
	assert.Contains(t, a, 200)
}

func TestLatencyAndDroppedConnection(t *testing.T) {
	s := start(t)
	s.AddFault(Fault{Latency: 150 * time.Millisecond, Times: 1})
	t0 := time.Now()
	assert.Equal(t, 200, status(t, s, "/users"))
	assert.GreaterOrEqual(t, time.Since(t0), 150*time.Millisecond, "the latency was added")
	s.AddFault(Fault{Drop: true, Times: 1})
	// A fresh connection: Go's transport silently retries an idempotent
	// request whose reused keep-alive connection was closed.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, _ := http.NewRequest(http.MethodGet, s.URL()+"/users", nil)
	req.Header.Set("Authorization", "Bearer t")
	_, err := c.Do(req)
	assert.Error(t, err, "the connection is closed without an answer")
}

func TestRateLimitPerFamilyWindow(t *testing.T) {
	s := start(t)
	s.SetLimit("users", Limit{Requests: 3, Window: time.Hour})
	for i := 0; i < 3; i++ {
		assert.Equal(t, 200, status(t, s, "/users"))
	}
	assert.Equal(t, 429, status(t, s, "/users"))
	assert.Equal(t, 200, status(t, s, "/groups"), "another family has its own budget")
	assert.Equal(t, 1, s.Throttled())
	assert.Equal(t, map[string]int{"users": 1}, s.ThrottledByFamily())
	s.SetLimit("users", Limit{})
	assert.Equal(t, 200, status(t, s, "/users"), "limit removed")
}

// Graph's identity write quota and Intune's are separate services: a
// family with its own limit spends only that one, not the "all" quota.
func TestAFamilyWithItsOwnLimitIsNotInTheAllQuota(t *testing.T) {
	s := start(t)
	s.SetLimit(AllFamilies, Limit{Requests: 2, Window: time.Hour})
	s.SetLimit("devices", Limit{Requests: 5, Window: time.Hour})
	for i := 0; i < 5; i++ {
		assert.Equal(t, 200, status(t, s, "/devices"))
	}
	assert.Equal(t, 429, status(t, s, "/devices"), "its own limit holds")
	assert.Equal(t, 200, status(t, s, "/users"))
	assert.Equal(t, 200, status(t, s, "/groups"))
	assert.Equal(t, 429, status(t, s, "/users"), "the other families share the all quota, which devices never spent")
}

func TestAuthIsCheckedAndEverythingIsLogged(t *testing.T) {
	s := start(t)
	resp, err := http.Get(s.URL() + "/users")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 401, resp.StatusCode)
	status(t, s, "/users")
	status(t, s, "/groups")
	assert.Equal(t, map[string]int{"users": 2, "groups": 1}, s.Counts())
	reqs := s.Requests()
	require.Len(t, reqs, 3)
	assert.Equal(t, 401, reqs[0].Status)
	assert.False(t, reqs[0].Time.IsZero())
}

func TestAdminAPI(t *testing.T) {
	s := start(t)
	body := strings.NewReader(`{"path_prefix":"/users","status":500,"times":1}`)
	resp, err := http.Post(s.URL()+"/__admin/faults", "application/json", body)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 204, resp.StatusCode)
	assert.Equal(t, 500, status(t, s, "/users"))

	req, _ := http.NewRequest(http.MethodPut, s.URL()+"/__admin/limits/groups", strings.NewReader(`{"requests":1,"window":3600000000000}`))
	resp, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 200, status(t, s, "/groups"))
	assert.Equal(t, 429, status(t, s, "/groups"))

	var counts struct {
		Counts    map[string]int `json:"counts"`
		Throttled int            `json:"throttled"`
	}
	resp, err = http.Get(s.URL() + "/__admin/counts")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&counts))
	resp.Body.Close()
	assert.Equal(t, 1, counts.Throttled)
	assert.Equal(t, 2, counts.Counts["groups"])

	var state map[string]int
	resp, err = http.Get(s.URL() + "/__admin/state")
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&state))
	resp.Body.Close()
	assert.Equal(t, 3, state["users"])

	resp, err = http.Post(s.URL()+"/__admin/faults", "application/json", strings.NewReader(`{"status":"x"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, 400, resp.StatusCode, "a malformed fault is refused")
}

// servedAPI counts the calls that reached the API itself.
type servedAPI struct {
	toyAPI
	served chan string
}

func (a servedAPI) ServeAPI(w http.ResponseWriter, r *http.Request) {
	a.served <- r.URL.Path
	a.toyAPI.ServeAPI(w, r)
}

func TestLostAnswerFaultServesTheCallThenFails(t *testing.T) {
	api := servedAPI{served: make(chan string, 4)}
	s := emutest.Start(t, New(api))
	s.AddFault(Fault{PathPrefix: "/users", Status: 502, After: true, Times: 1})
	s.AddFault(Fault{PathPrefix: "/groups", Status: 503, Times: 1})

	assert.Equal(t, 502, status(t, s, "/users/1"), "the client sees the failure")
	assert.Equal(t, "/users/1", <-api.served, "but the call took effect")
	assert.Equal(t, 503, status(t, s, "/groups/1"))
	assert.Equal(t, 200, status(t, s, "/groups/2"))
	assert.Equal(t, "/groups/2", <-api.served, "a plain fault never reaches the API")
	assert.Empty(t, api.served)
	assert.Equal(t, map[string]int{"502 after": 1, "503": 1}, s.Injected())
}

func TestInjectedCountsEveryEffect(t *testing.T) {
	s := start(t)
	s.AddFault(Fault{PathPrefix: "/a", Latency: time.Millisecond, Times: 2})
	s.AddFault(Fault{PathPrefix: "/b", Status: 429, RetryAfter: time.Second, Times: 1})
	s.AddFault(Fault{PathPrefix: "/c", Drop: true, Times: 1})
	assert.Equal(t, 200, status(t, s, "/a"), "latency alone still answers")
	assert.Equal(t, 200, status(t, s, "/a"))
	assert.Equal(t, 429, status(t, s, "/b"))
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}} // no silent retry
	_, err := c.Get(s.URL() + "/c")
	assert.Error(t, err, "dropped")
	assert.Equal(t, map[string]int{"latency": 2, "429": 1, "drop": 1}, s.Injected())
	s.ResetLog()
	assert.Empty(t, s.Injected())
}

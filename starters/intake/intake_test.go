package intake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const secret = "test-hr-secret-0d5e"

// recordingSink stands in for the Temporal sink in HTTP-level tests; the
// end-to-end tests use the real one.
type recordingSink struct {
	mu         sync.Mutex
	got        []domain.HRRecord
	deliveries []string
	fail       bool
}

func (s *recordingSink) Deliver(_ context.Context, r domain.HRRecord, deliveryID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return "", errors.New("temporal unavailable at 10.0.0.1:7233")
	}
	s.got = append(s.got, r)
	s.deliveries = append(s.deliveries, deliveryID)
	return "employee/" + r.EmployeeID, nil
}

var now = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func newServer(sink RecordSink, o Options) *Server {
	o.HRSecret, o.Sink, o.Now = secret, sink, func() time.Time { return now }
	return New(o)
}

const valid = `{"employee_id":"E0042","email":"ada@demo.jml.test","given_name":"Ada","family_name":"Lovelace","department":"Engineering","title":"SRE","employment_type":"full_time","status":"active","start_date":"2026-12-01"}`

func post(t *testing.T, h http.Handler, body string, sign func(r *http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/hr/records", strings.NewReader(body))
	r.RemoteAddr = "192.0.2.1:5555"
	if sign != nil {
		sign(r)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func signedAt(ts time.Time, body string) func(r *http.Request) {
	return func(r *http.Request) {
		t, s := Sign(secret, ts, []byte(body))
		r.Header.Set(HeaderTimestamp, t)
		r.Header.Set(HeaderSignature, s)
	}
}

func TestHRRecordsEndpoint(t *testing.T) {
	cases := []struct {
		name     string
		body     string
		sign     func(body string) func(*http.Request)
		status   int
		contains string
		accepted int
	}{
		{"valid record", valid, func(b string) func(*http.Request) { return signedAt(now, b) }, 202, "employee/E0042", 1},
		{"unsigned", valid, func(string) func(*http.Request) { return nil }, 401, "missing", 0},
		{"forged", valid, func(string) func(*http.Request) {
			return func(r *http.Request) {
				r.Header.Set(HeaderTimestamp, "1795000000")
				r.Header.Set(HeaderSignature, "sha256=deadbeef")
			}
		}, 401, "", 0},
		{"signed with another secret", valid, func(b string) func(*http.Request) {
			return func(r *http.Request) {
				ts, s := Sign("other", now, []byte(b))
				r.Header.Set(HeaderTimestamp, ts)
				r.Header.Set(HeaderSignature, s)
			}
		}, 401, "does not match", 0},
		{"stale", valid, func(b string) func(*http.Request) { return signedAt(now.Add(-6*time.Minute), b) }, 401, "outside", 0},
		{"from the future", valid, func(b string) func(*http.Request) { return signedAt(now.Add(6*time.Minute), b) }, 401, "outside", 0},
		{"body altered after signing", valid, func(string) func(*http.Request) { return signedAt(now, strings.Replace(valid, "E0042", "E0043", 1)) }, 401, "does not match", 0},
		{"malformed JSON", `{"employee_id":`, func(b string) func(*http.Request) { return signedAt(now, b) }, 400, "invalid JSON", 0},
		{"unknown field", `{"employee_id":"E1","salary":1}`, func(b string) func(*http.Request) { return signedAt(now, b) }, 400, "unknown field", 0},
		{"wrong type", `{"employee_id":42}`, func(b string) func(*http.Request) { return signedAt(now, b) }, 400, "employee_id", 0},
		{"empty", ` `, func(b string) func(*http.Request) { return signedAt(now, b) }, 400, "empty body", 0},
		{"missing fields", `{"employee_id":"E0042","status":"active"}`, func(b string) func(*http.Request) { return signedAt(now, b) }, 422, "record E0042: field email: is required", 0},
		{"batch with one bad record", `{"records":[` + valid + `,{"employee_id":"E9","email":"x","given_name":"A","family_name":"B","status":"fired"}]}`,
			func(b string) func(*http.Request) { return signedAt(now, b) }, 207, `field status: \"fired\" is not one of`, 1},
		{"oversized", `{"records":[` + strings.Repeat(valid+",", 400) + valid + `]}`, func(b string) func(*http.Request) { return signedAt(now, b) }, 413, "larger than", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sink := &recordingSink{}
			s := newServer(sink, Options{MaxBodyBytes: 64 << 10})
			w := post(t, s.Handler(), c.body, c.sign(c.body))
			assert.Equal(t, c.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), c.contains)
			assert.Len(t, sink.got, c.accepted)
			assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
		})
	}
}

func TestReplayedRequestRefused(t *testing.T) {
	sink := &recordingSink{}
	s := newServer(sink, Options{})
	sign := signedAt(now, valid)
	require.Equal(t, 202, post(t, s.Handler(), valid, sign).Code)
	w := post(t, s.Handler(), valid, sign)
	assert.Equal(t, 401, w.Code)
	assert.Contains(t, w.Body.String(), "replayed")
	assert.Len(t, sink.got, 1)
}

func TestSinkFailureHidesInternals(t *testing.T) {
	s := newServer(&recordingSink{fail: true}, Options{})
	w := post(t, s.Handler(), valid, signedAt(now, valid))
	assert.Equal(t, http.StatusServiceUnavailable, w.Code)
	assert.NotContains(t, w.Body.String(), "10.0.0.1")
	assert.Contains(t, w.Body.String(), "retry later")
}

func TestRateLimitPerSource(t *testing.T) {
	s := newServer(&recordingSink{}, Options{RatePerMinute: 60}) // burst 6
	codes := map[int]int{}
	for i := 0; i < 10; i++ {
		codes[post(t, s.Handler(), valid, nil).Code]++
	}
	assert.Equal(t, 6, codes[401], "the first burst reaches the signature check")
	assert.Equal(t, 4, codes[429])
	// Another source has its own bucket.
	r := httptest.NewRequest(http.MethodPost, "/hr/records", strings.NewReader(valid))
	r.RemoteAddr = "198.51.100.7:1"
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	assert.Equal(t, 401, w.Code)
}

func TestPanicAnswersWithoutInternals(t *testing.T) {
	s := newServer(&recordingSink{}, Options{Extra: map[string]http.Handler{"/boom": http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("secret internal state") })}})
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/boom", nil))
	assert.Equal(t, 500, w.Code)
	assert.NotContains(t, w.Body.String(), "secret")
	var b errorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &b))
	assert.Equal(t, "internal error", b.Error)
}

func FuzzParseRecords(f *testing.F) {
	f.Add([]byte(valid))
	f.Add([]byte(`{"records":[` + valid + `]}`))
	f.Add([]byte(`{"records":[]}`))
	f.Add([]byte(`[1,2]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		recs, err := ParseRecords(body)
		if err != nil {
			assert.Nil(t, recs)
			return
		}
		for i, r := range recs {
			_ = r.Validate("records[" + string(rune('0'+i%10)) + "]")
		}
	})
}

// Every record of a signed delivery reaches the Employee workflow with an id
// of that delivery and its place in it, the same on every intake replica,
// so the workflow can ignore a replay (see TestReplayAcrossIntakeReplicas).
func TestHRDeliveryIDSameOnEveryReplica(t *testing.T) {
	batch := "[" + valid + "," + strings.Replace(valid, "E0042", "E0043", 1) + "]"
	a, b := &recordingSink{}, &recordingSink{}
	sign := func(at time.Time) func(*http.Request) {
		return func(r *http.Request) {
			ts, sig := Sign(secret, at, []byte(batch))
			r.Header.Set(HeaderTimestamp, ts)
			r.Header.Set(HeaderSignature, sig)
		}
	}
	require.Equal(t, http.StatusAccepted, post(t, newServer(a, Options{}).Handler(), batch, sign(now)).Code)
	require.Equal(t, http.StatusAccepted, post(t, newServer(b, Options{}).Handler(), batch, sign(now)).Code, "another replica has not seen it")
	require.Equal(t, http.StatusAccepted, post(t, newServer(b, Options{}).Handler(), batch, sign(now.Add(-time.Second))).Code)
	require.Len(t, a.deliveries, 2)
	require.Len(t, b.deliveries, 4)
	assert.Regexp(t, `^hr-[0-9a-f]{32}-0$`, a.deliveries[0])
	assert.NotEqual(t, a.deliveries[0], a.deliveries[1], "each record has its own id")
	assert.Equal(t, a.deliveries, b.deliveries[:2], "the replay carries the same ids")
	assert.NotEqual(t, a.deliveries[0], b.deliveries[2], "a new signing is a new delivery")
	for _, id := range append(a.deliveries, b.deliveries...) {
		assert.NotContains(t, id, "sha256=", "the id is not the signature")
	}
}

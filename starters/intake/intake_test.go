package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
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

// TestHRRecordsBatchRules: the webhook applies the import's rules: the
// length limit (a 900,000-character title got through), one record per
// employee per batch, warnings for unknown managers, and counts that add up.
func TestHRRecordsBatchRules(t *testing.T) {
	rec := func(id, mgr, title string) string {
		return fmt.Sprintf(`{"employee_id":%q,"email":"%s@demo.jml.test","given_name":"A","family_name":"B","title":%q,"status":"active","manager_employee_id":%q}`,
			id, strings.ToLower(id), title, mgr)
	}
	body := `{"records":[` + strings.Join([]string{
		rec("E1", "", "SRE"),
		rec("E2", "E1", strings.Repeat("t", 900_000)),
		rec("E3", "E404", "SRE"),
		rec("E1", "", "Duplicate"),
		rec("E4", "E1", "Bad\nline"),
	}, ",") + `]}`
	sink := &recordingSink{}
	s := newServer(sink, Options{MaxBodyBytes: 2 << 20})
	w := post(t, s.Handler(), body, signedAt(now, body))
	require.Equal(t, 207, w.Code, w.Body.String()[:min(500, w.Body.Len())])
	var got struct {
		Counts  map[string]int `json:"counts"`
		Results []Result       `json:"results"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, map[string]int{"rows": 5, "delivered": 2, "unchanged": 0, "quarantined": 3}, got.Counts)
	require.Len(t, got.Results, 5)
	assert.Equal(t, "employee/E1", got.Results[0].WorkflowID)
	assert.Contains(t, got.Results[1].Error, "record E2: field title: is 900000 characters long: at most 256")
	assert.Less(t, len(got.Results[1].Error), 300, "the title is not echoed")
	assert.Equal(t, "employee/E3", got.Results[2].WorkflowID)
	require.Len(t, got.Results[2].Warnings, 1)
	assert.Contains(t, got.Results[2].Warnings[0], "manager E404 is neither in this batch nor")
	assert.Contains(t, got.Results[3].Error, "field employee_id: E1 is already in this batch at records[0]")
	assert.Contains(t, got.Results[4].Error, "field title: has a control character (U+000A)")
	assert.Len(t, sink.got, 2)
	assert.Less(t, w.Body.Len(), 4000, "the answer never echoes the 900,000 characters")
}

// slowSink queues E1 and never answers for anyone else until the context ends.
type slowSink struct{ recordingSink }

func (s *slowSink) Deliver(ctx context.Context, r domain.HRRecord, deliveryID string) (string, error) {
	if r.EmployeeID != "E1" {
		<-ctx.Done()
		return "", ctx.Err()
	}
	return s.recordingSink.Deliver(ctx, r, deliveryID)
}

// TestHRRecordsBatchDeadline: a batch Temporal is too slow for is answered
// at the deadline, the unqueued records marked retry-later, instead of the
// server cutting the connection at its write timeout.
func TestHRRecordsBatchDeadline(t *testing.T) {
	rec := func(id string) string {
		return fmt.Sprintf(`{"employee_id":%q,"email":"%s@demo.jml.test","given_name":"A","family_name":"B","status":"active"}`, id, id)
	}
	body := `{"records":[` + rec("E1") + `,` + rec("E2") + `,` + rec("E3") + `]}`
	sink := &slowSink{}
	s := newServer(sink, Options{BatchDeadline: 50 * time.Millisecond})
	w := post(t, s.Handler(), body, signedAt(now, body))
	require.Equal(t, 207, w.Code, w.Body.String())
	var got struct {
		Counts  map[string]int `json:"counts"`
		Results []Result       `json:"results"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &got))
	assert.Equal(t, map[string]int{"rows": 3, "delivered": 1, "unchanged": 0, "quarantined": 2}, got.Counts)
	assert.Equal(t, "employee/E1", got.Results[0].WorkflowID)
	assert.Equal(t, errQueue, got.Results[1].Error)
	assert.Equal(t, errQueue, got.Results[2].Error)
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
	// A batch's records are delivered concurrently, in no fixed order.
	slices.Sort(a.deliveries)
	slices.Sort(b.deliveries[:2])
	slices.Sort(b.deliveries[2:])
	assert.Regexp(t, `^hr-[0-9a-f]{32}-0$`, a.deliveries[0])
	assert.NotEqual(t, a.deliveries[0], a.deliveries[1], "each record has its own id")
	assert.Equal(t, a.deliveries, b.deliveries[:2], "the replay carries the same ids")
	assert.NotEqual(t, a.deliveries[0], b.deliveries[2], "a new signing is a new delivery")
	for _, id := range append(a.deliveries, b.deliveries...) {
		assert.NotContains(t, id, "sha256=", "the id is not the signature")
	}
}

// A webhook source (hr.sources, kind webhook) posts in its own field names
// and value words with ?source=NAME; a record that does not map is refused
// alone, naming it and the field; an unknown source is a 400.
func TestHRRecordsInASourcesProfile(t *testing.T) {
	gusto, err := hr.Builtin("gusto")
	require.NoError(t, err)
	sink := &recordingSink{}
	s := newServer(sink, Options{Sources: map[string]hr.Profile{"payroll": gusto}})
	body := `[{"Employee ID":"E0042","First Name":"Ada","Last Name":"Lovelace","Work Email":"ada@demo.jml.test","Department":"Engineering","Job Title":"SRE","Employment Status":"Active","Employment Type":"Full-Time","Start Date":"12/01/2026"},
	{"Employee ID":"E0043","First Name":"Bob","Last Name":"Byte","Work Email":"bob@demo.jml.test","Department":"Engineering","Job Title":"SRE","Employment Status":"Retired?","Employment Type":"Full-Time","Start Date":"12/01/2026"}]`
	send := func(query string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, "/hr/records"+query, strings.NewReader(body))
		r.RemoteAddr = "192.0.2.1:5555"
		signedAt(now, body)(r)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		return w
	}
	w := send("?source=nope")
	assert.Equal(t, http.StatusBadRequest, w.Code)
	assert.Contains(t, w.Body.String(), `source \"nope\" is not a webhook source`)

	s = newServer(sink, Options{Sources: map[string]hr.Profile{"payroll": gusto}}) // a fresh replay memory
	w = send("?source=Payroll")
	require.Equal(t, http.StatusMultiStatus, w.Code, w.Body.String())
	require.Len(t, sink.got, 1)
	got := sink.got[0]
	assert.Equal(t, "E0042", got.EmployeeID)
	assert.Equal(t, domain.HRActive, got.Status, "Gusto's word Active")
	assert.Equal(t, "2026-12-01", got.StartDate, "Gusto's US date")
	assert.Contains(t, w.Body.String(), "records[1]")
	assert.Contains(t, w.Body.String(), "Retired?")
}

package intake

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/elevation"
)

const slackSecret = "test-slack-signing-secret-77aa"

// fakeElevation stands in for starters/elevation in HTTP-level tests; the
// end-to-end test drives the real one.
type fakeElevation struct {
	mu        sync.Mutex
	decisions []string
	updateIDs []string
	requests  []elevation.Request
}

func (f *fakeElevation) Identify(_ context.Context, id string) (contract.Actor, error) {
	a := contract.Actor{SlackUserID: id, Via: "slack"}
	if strings.HasPrefix(id, "UE") {
		a.EmployeeID = strings.TrimPrefix(id, "U")
	}
	return a, nil
}

func (f *fakeElevation) Request(_ context.Context, r elevation.Request) (elevation.Started, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r.Role != "entra-user-admin" {
		return elevation.Started{}, &elevation.RequestError{Msg: "unknown role \"" + r.Role + "\""}
	}
	f.requests = append(f.requests, r)
	return elevation.Started{RequestID: "req-1", WorkflowID: "elevation/req-1", Duration: r.Duration}, nil
}

func (f *fakeElevation) Decide(_ context.Context, id, action string, d contract.ElevationDecision, updateID string) (contract.ElevationDecisionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updateIDs = append(f.updateIDs, updateID)
	switch id {
	case "gone":
		return contract.ElevationDecisionResult{}, elevation.ErrNotFound
	case "decided":
		return contract.ElevationDecisionResult{}, elevation.ErrNotPending
	}
	f.decisions = append(f.decisions, id+":"+action+":"+d.Actor.EmployeeID)
	if d.Actor.EmployeeID != "E0002" {
		return contract.ElevationDecisionResult{Result: domain.DecisionRefused}, nil
	}
	return contract.ElevationDecisionResult{Result: domain.DecisionAccepted}, nil
}

func pressBody(value, actionID, user string) string {
	p, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": user},
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": "jml_approval", "value": value}}})
	return url.Values{"payload": {string(p)}}.Encode()
}

func slackSigned(secret string, ts time.Time, body string) func(*http.Request) {
	return func(r *http.Request) {
		r.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts.Unix(), 10))
		r.Header.Set("X-Slack-Signature", slackemu.Sign(secret, ts.Unix(), []byte(body)))
	}
}

func TestSlackEndpoints(t *testing.T) {
	good := pressBody("req-9:approve", "approve", "UE0002")
	cases := []struct {
		name, path, body string
		sign             func(string) func(*http.Request)
		status           int
		contains         string
		decided          string // what reached the workflow, "" for nothing
	}{
		{"approve by the approver", "/slack/interactivity", good, func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Recorded: approve", "req-9:approve:E0002"},
		{"presser not the approver", "/slack/interactivity", pressBody("req-9:deny", "deny", "UE0077"), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Your attempt was recorded", "req-9:deny:E0077"},
		{"unsigned", "/slack/interactivity", good, func(string) func(*http.Request) { return nil }, 401, "invalid Slack signature", ""},
		{"forged", "/slack/interactivity", good, func(b string) func(*http.Request) { return slackSigned("not-the-secret", now, b) }, 401, "invalid Slack signature", ""},
		{"stale", "/slack/interactivity", good, func(b string) func(*http.Request) { return slackSigned(slackSecret, now.Add(-6*time.Minute), b) }, 401, "invalid Slack signature", ""},
		{"future", "/slack/interactivity", good, func(b string) func(*http.Request) { return slackSigned(slackSecret, now.Add(6*time.Minute), b) }, 401, "", ""},
		{"signed other body", "/slack/interactivity", good, func(string) func(*http.Request) { return slackSigned(slackSecret, now, "payload=x") }, 401, "", ""},
		{"malformed payload", "/slack/interactivity", "payload=%7Bnope", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 400, "malformed Slack payload", ""},
		{"no payload", "/slack/interactivity", "foo=bar", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 400, "malformed", ""},
		{"no actions", "/slack/interactivity", url.Values{"payload": {`{"type":"block_actions","user":{"id":"UE0002"}}`}}.Encode(), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 400, "malformed", ""},
		{"not a jml button", "/slack/interactivity", pressBody("something-else", "approve", "UE0002"), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "not a jml approval", ""},
		{"action id and value disagree", "/slack/interactivity", pressBody("req-9:approve", "deny", "UE0002"), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "not a jml approval", ""},
		{"unknown request", "/slack/interactivity", pressBody("gone:approve", "approve", "UE0002"), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Refused your approve of request gone: the request was not found", ""},
		{"already decided", "/slack/interactivity", pressBody("decided:approve", "approve", "UE0002"), func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Refused your approve of request decided: the request is no longer waiting for a decision.", ""},
		{"slash command", "/slack/commands", "command=%2Felevate&text=entra-user-admin+1h+reset+a+locked+account&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Requested entra-user-admin for 1h0m0s (request req-1)", ""},
		{"slash unknown role", "/slack/commands", "command=%2Felevate&text=root+1h+because&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Not requested: unknown role", ""},
		{"slash markup echoed escaped", "/slack/commands", "command=%2Felevate&text=%3C%21here%3E+1h+because&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, `unknown role \"\u0026lt;!here\u0026gt;\"`, ""},
		{"slash bad duration", "/slack/commands", "command=%2Felevate&text=entra-user-admin+forever+because&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "is not a duration", ""},
		{"slash too short", "/slack/commands", "command=%2Felevate&text=entra-user-admin&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "Usage: /elevate", ""},
		{"slash unknown user", "/slack/commands", "command=%2Felevate&text=entra-user-admin+1h+x&user_id=UX1", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 200, "does not match an employee", ""},
		{"slash forged", "/slack/commands", "command=%2Felevate&text=entra-user-admin+1h+x&user_id=UE0042", func(b string) func(*http.Request) { return slackSigned("nope", now, b) }, 401, "", ""},
		{"slash malformed", "/slack/commands", "text=x", func(b string) func(*http.Request) { return slackSigned(slackSecret, now, b) }, 400, "malformed", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeElevation{}
			s := New(Options{SlackSigningSecret: slackSecret, Elevation: f, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
			r := httptest.NewRequest(http.MethodPost, tc.path, strings.NewReader(tc.body))
			r.RemoteAddr = "192.0.2.9:5555"
			if sg := tc.sign(tc.body); sg != nil {
				sg(r)
			}
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			assert.Equal(t, tc.status, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.contains)
			assert.NotContains(t, w.Body.String(), slackSecret)
			if tc.decided == "" {
				assert.Empty(t, f.decisions)
			} else {
				assert.Equal(t, []string{tc.decided}, f.decisions)
			}
		})
	}
}

func TestSlackReplayRefused(t *testing.T) {
	f := &fakeElevation{}
	s := New(Options{SlackSigningSecret: slackSecret, Elevation: f, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
	body := pressBody("req-9:approve", "approve", "UE0002")
	send := func() int {
		r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(body))
		slackSigned(slackSecret, now, body)(r)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		return w.Code
	}
	require.Equal(t, http.StatusOK, send())
	assert.Equal(t, http.StatusUnauthorized, send(), "the same signed request again is a replay")
	assert.Len(t, f.decisions, 1)
}

// Two intake replicas (each with its own in-memory guard) hand Temporal the
// same id for the same signed delivery, so Temporal makes the replay a
// no-op; a new delivery of the same press gets another id. The end-to-end
// test TestReplayAcrossIntakeReplicas shows Temporal doing it.
func TestSlackDeliveryIDSameOnEveryReplica(t *testing.T) {
	body := pressBody("req-9:approve", "approve", "UE0002")
	slash := "command=%2Felevate&text=entra-user-admin+1h+reset&user_id=UE0042"
	send := func(f *fakeElevation, path, body string, at time.Time) {
		s := New(Options{SlackSigningSecret: slackSecret, Elevation: f, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		slackSigned(slackSecret, at, body)(r)
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
	}
	a, b := &fakeElevation{}, &fakeElevation{}
	send(a, "/slack/interactivity", body, now)
	send(b, "/slack/interactivity", body, now)                   // the replay, to the other replica
	send(b, "/slack/interactivity", body, now.Add(-time.Second)) // the same press signed anew
	send(a, "/slack/commands", slash, now)
	send(b, "/slack/commands", slash, now)
	require.Len(t, a.updateIDs, 1)
	require.Len(t, b.updateIDs, 2)
	assert.Regexp(t, `^slack-[0-9a-f]{32}$`, a.updateIDs[0])
	assert.Equal(t, a.updateIDs[0], b.updateIDs[0], "a replay has the delivery's id on every replica")
	assert.NotEqual(t, a.updateIDs[0], b.updateIDs[1], "a new delivery has a new id")
	require.Len(t, a.requests, 1)
	require.Len(t, b.requests, 1)
	assert.NotEmpty(t, a.requests[0].DeliveryID)
	assert.Equal(t, a.requests[0].DeliveryID, b.requests[0].DeliveryID, "a replayed /elevate names the same request")
}

func TestSlackRoutesAbsentWithoutSecret(t *testing.T) {
	s := New(Options{Elevation: &fakeElevation{}, Sink: &recordingSink{}, HRSecret: secret})
	r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader("payload=x"))
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	assert.Equal(t, http.StatusNotFound, w.Code)
}

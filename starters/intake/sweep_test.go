package intake

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/sweep"
)

const orphanWF = "sweep/orphan/3f9a0c"

// fakeSweep stands in for starters/sweep: E0001 decides, anyone else is
// refused; an expiry past 2027-06-01 is turned away as the validator does.
type fakeSweep struct {
	mu    sync.Mutex
	calls []contract.SweepDecision
}

func (f *fakeSweep) Decide(_ context.Context, workflowID string, d contract.SweepDecision, _ string) (contract.SweepDecisionResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, d)
	switch {
	case workflowID == "sweep/orphan/gone":
		return contract.SweepDecisionResult{}, sweep.ErrClosed
	case d.Actor.EmployeeID != "E0001":
		return contract.SweepDecisionResult{Result: contract.SweepRefused, Message: "only E0001 may decide on this orphan finding"}, nil
	case d.Decision == contract.SweepKeep && d.Sponsor == "":
		return contract.SweepDecisionResult{Result: contract.SweepForm, MaxExpires: now.Add(90 * 24 * time.Hour)}, nil
	case d.Expires.After(time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)):
		return contract.SweepDecisionResult{}, &sweep.InvalidError{Field: contract.SweepFieldExpires, Msg: "keep: expires is more than 2160h0m0s away"}
	}
	return contract.SweepDecisionResult{Result: contract.SweepAccepted, Message: "kept until " + d.Expires.Format(contract.DateLayout) + ", sponsor " + d.Sponsor}, nil
}

type fakeViews struct {
	mu       sync.Mutex
	triggers []string
	views    []sl.ModalViewRequest
}

func (f *fakeViews) OpenView(_ context.Context, triggerID string, v sl.ModalViewRequest) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.triggers, f.views = append(f.triggers, triggerID), append(f.views, v)
	return nil
}

func sweepPressBody(value, actionID, user string) string {
	p, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": user}, "trigger_id": "1234.TJ.abc",
		"actions": []map[string]any{{"type": "button", "action_id": actionID, "block_id": "jml-sweep", "value": value}}})
	return url.Values{"payload": {string(p)}}.Encode()
}

// keepSubmissionBody is a view_submission of the keep modal in Slack's
// shape (state.values by block id, then action id).
func keepSubmissionBody(user, workflowID, sponsor, date string) string {
	values := map[string]any{
		"sponsor": map[string]any{"sponsor": map[string]any{"type": "users_select", "selected_user": sponsor}},
		"expires": map[string]any{"expires": map[string]any{"type": "datepicker", "selected_date": date}},
		"reason":  map[string]any{"reason": map[string]any{"type": "plain_text_input", "value": "vendor audit"}},
	}
	p, _ := json.Marshal(map[string]any{"type": "view_submission", "user": map[string]any{"id": user}, "api_app_id": "A1",
		"view": map[string]any{"id": "V1", "type": "modal", "callback_id": contract.SweepKeepModal, "private_metadata": workflowID, "state": map[string]any{"values": values}}})
	return url.Values{"payload": {string(p)}}.Encode()
}

func sweepServer(f *fakeSweep, v *fakeViews) *Server {
	return New(Options{SlackSigningSecret: slackSecret, Elevation: &fakeElevation{}, Sweep: f, Views: v, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
}

func postSlack(t *testing.T, s *Server, body string, sign func(*http.Request)) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(body))
	r.RemoteAddr = "192.0.2.9:5555"
	if sign != nil {
		sign(r)
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	return w
}

func TestSweepPresses(t *testing.T) {
	cases := []struct {
		name, body, contains string
		decided              string // decision that reached the workflow
		opened               bool
	}{
		{"owner presses Keep: the form opens", sweepPressBody(orphanWF+"|keep", "sweep-keep", "UE0001"), "", "keep", true},
		{"stranger presses Keep: refused", sweepPressBody(orphanWF+"|keep", "sweep-keep", "UE0077"), "Refused: only E0001 may decide", "keep", false},
		{"owner presses Disable now", sweepPressBody(orphanWF+"|disable", "sweep-disable", "UE0001"), "Recorded:", "disable", false},
		{"finding closed", sweepPressBody("sweep/orphan/gone|disable", "sweep-disable", "UE0001"), "no longer open", "disable", false},
		{"action id and value disagree", sweepPressBody(orphanWF+"|keep", "sweep-disable", "UE0001"), "not a jml sweep finding", "", false},
		{"decision the kind does not take", sweepPressBody(orphanWF+"|remove", "sweep-remove", "UE0001"), "not a jml sweep finding", "", false},
		{"not a sweep child", sweepPressBody("employee/E0001|keep", "sweep-keep", "UE0001"), "not a jml sweep finding", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f, v := &fakeSweep{}, &fakeViews{}
			w := postSlack(t, sweepServer(f, v), tc.body, slackSigned(slackSecret, now, tc.body))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.contains)
			if tc.decided == "" {
				assert.Empty(t, f.calls)
			} else {
				require.Len(t, f.calls, 1)
				assert.Equal(t, tc.decided, f.calls[0].Decision)
				assert.Equal(t, "slack", f.calls[0].Actor.Via)
			}
			if !tc.opened {
				assert.Empty(t, v.views)
				return
			}
			require.Len(t, v.views, 1)
			assert.Equal(t, "1234.TJ.abc", v.triggers[0], "views.open with the press's trigger_id")
			assert.Equal(t, contract.SweepKeepModal, v.views[0].CallbackID)
			assert.Equal(t, orphanWF, v.views[0].PrivateMetadata)
			b, _ := json.Marshal(v.views[0])
			assert.Contains(t, string(b), now.Add(30*24*time.Hour).Format(contract.DateLayout), "proposes 30 days")
			assert.Contains(t, string(b), "At the latest "+now.Add(90*24*time.Hour).Format(contract.DateLayout))
		})
	}
}

func TestSweepKeepSubmission(t *testing.T) {
	type answer struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           json.RawMessage   `json:"view"`
	}
	cases := []struct {
		name, body, action, field, contains string
		reached                             bool
	}{
		{"kept", keepSubmissionBody("UE0001", orphanWF, "UE0007", "2027-01-15"), "update", "", "Recorded: kept until 2027-01-15, sponsor E0007", true},
		{"sponsor not in HR", keepSubmissionBody("UE0001", orphanWF, "UX123", "2027-01-15"), "errors", "sponsor", "not an employee jml holds an HR record for", false},
		{"no sponsor", keepSubmissionBody("UE0001", orphanWF, "", "2027-01-15"), "errors", "sponsor", "Pick the sponsor", false},
		{"not a date", keepSubmissionBody("UE0001", orphanWF, "UE0007", "15/01/2027"), "errors", "expires", "Pick the date", false},
		{"beyond max_keep", keepSubmissionBody("UE0001", orphanWF, "UE0007", "2027-09-01"), "errors", "expires", "more than 2160h0m0s away", true},
		{"submitted by a stranger", keepSubmissionBody("UE0077", orphanWF, "UE0007", "2027-01-15"), "update", "", "Refused: only E0001", true},
		{"closed", keepSubmissionBody("UE0001", "sweep/orphan/gone", "UE0007", "2027-01-15"), "update", "", "no longer open", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeSweep{}
			w := postSlack(t, sweepServer(f, &fakeViews{}), tc.body, slackSigned(slackSecret, now, tc.body))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var a answer
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &a), w.Body.String())
			assert.Equal(t, tc.action, a.ResponseAction)
			if tc.field != "" {
				assert.Contains(t, a.Errors[tc.field], tc.contains, a.Errors)
			} else {
				assert.Contains(t, string(a.View), tc.contains)
			}
			if !tc.reached {
				assert.Empty(t, f.calls, "nothing reached the workflow")
				return
			}
			require.Len(t, f.calls, 1)
			if tc.name == "kept" {
				d := f.calls[0]
				assert.Equal(t, contract.SweepDecision{Actor: contract.Actor{EmployeeID: "E0001", SlackUserID: "UE0001", Via: "slack"}, Decision: contract.SweepKeep,
					Sponsor: "E0007", Expires: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), Reason: "vendor audit"}, d)
			}
		})
	}
}

// Forged, stale and unsigned deliveries of the sweep's presses and forms
// get 401 and reach nothing.
func TestSweepRoutesRefuseBadSignatures(t *testing.T) {
	bodies := map[string]string{
		"press":      sweepPressBody(orphanWF+"|disable", "sweep-disable", "UE0001"),
		"submission": keepSubmissionBody("UE0001", orphanWF, "UE0007", "2027-01-15"),
	}
	signs := map[string]func(string) func(*http.Request){
		"unsigned": func(string) func(*http.Request) { return nil },
		"forged":   func(b string) func(*http.Request) { return slackSigned("not-the-secret", now, b) },
		"stale":    func(b string) func(*http.Request) { return slackSigned(slackSecret, now.Add(-6*time.Minute), b) },
		"future":   func(b string) func(*http.Request) { return slackSigned(slackSecret, now.Add(6*time.Minute), b) },
		"other":    func(string) func(*http.Request) { return slackSigned(slackSecret, now, "payload=x") },
	}
	for bn, body := range bodies {
		for sn, sign := range signs {
			t.Run(bn+"/"+sn, func(t *testing.T) {
				f, v := &fakeSweep{}, &fakeViews{}
				w := postSlack(t, sweepServer(f, v), body, sign(body))
				assert.Equal(t, http.StatusUnauthorized, w.Code, w.Body.String())
				assert.Empty(t, f.calls)
				assert.Empty(t, v.views)
			})
		}
	}
	t.Run("replayed", func(t *testing.T) {
		f := &fakeSweep{}
		s := sweepServer(f, &fakeViews{})
		body := bodies["press"]
		sign := slackSigned(slackSecret, now, body)
		assert.Equal(t, http.StatusOK, postSlack(t, s, body, sign).Code)
		assert.Equal(t, http.StatusUnauthorized, postSlack(t, s, body, sign).Code)
		assert.Len(t, f.calls, 1)
	})
}

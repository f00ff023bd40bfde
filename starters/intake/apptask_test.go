package intake

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/apptasks"
)

// fakeTasks stands in for starters/apptasks: E0004 is the owner.
type fakeTasks struct {
	mu    sync.Mutex
	calls []string
}

func (f *fakeTasks) Done(_ context.Context, taskID string, p contract.AppTaskPress, updateID string) (contract.AppTaskDoneResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, taskID+":"+p.Actor.EmployeeID+":"+p.Actor.SlackUserID)
	switch {
	case taskID == "apptask/gone":
		return contract.AppTaskDoneResult{}, apptasks.ErrClosed
	case p.Actor.EmployeeID != "E0004":
		return contract.AppTaskDoneResult{Result: "refused", Reason: "only the owner of expensify (or its fallback) may confirm"}, nil
	}
	return contract.AppTaskDoneResult{Result: contract.AppTaskConfirmed, By: "E0004", At: time.Now()}, nil
}

func TestSlackAppTaskPress(t *testing.T) {
	const task = "apptask/E0042/leaver/1/expensify"
	cases := []struct {
		name, body, contains, reached string
	}{
		{"owner", pressBody(task+":done", "apptask-done", "UE0004"), "Recorded: done, confirmed by E0004", task + ":E0004:UE0004"},
		{"stranger", pressBody(task+":done", "apptask-done", "UE0077"), "Refused your Done on task " + task + ": only the owner of expensify (or its fallback) may confirm. Your attempt was recorded.", task + ":E0077:UE0077"},
		{"closed task", pressBody("apptask/gone:done", "apptask-done", "UE0004"), "Refused your Done on task apptask/gone: the task is no longer open.", "apptask/gone:E0004:UE0004"},
		{"no action word", pressBody(task, "apptask-done", "UE0004"), "not a jml task", ""},
		{"wrong action word", pressBody(task+":approve", "apptask-done", "UE0004"), "not a jml task", ""},
		{"empty task id", pressBody(":done", "apptask-done", "UE0004"), "not a jml task", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeTasks{}
			s := New(Options{SlackSigningSecret: slackSecret, Elevation: &fakeElevation{}, AppTasks: f, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
			r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(tc.body))
			r.RemoteAddr = "192.0.2.9:5555"
			slackSigned(slackSecret, now, tc.body)(r)
			w := httptest.NewRecorder()
			s.Handler().ServeHTTP(w, r)
			assert.Equal(t, http.StatusOK, w.Code, w.Body.String())
			assert.Contains(t, w.Body.String(), tc.contains)
			if tc.reached == "" {
				assert.Empty(t, f.calls)
			} else {
				assert.Equal(t, []string{tc.reached}, f.calls)
			}
		})
	}
	// Without the task service the button is refused, not sent elsewhere.
	s := New(Options{SlackSigningSecret: slackSecret, Elevation: &fakeElevation{}, Sink: &recordingSink{}, HRSecret: secret, Now: func() time.Time { return now }})
	body := pressBody(task+":done", "apptask-done", "UE0004")
	r := httptest.NewRequest(http.MethodPost, "/slack/interactivity", strings.NewReader(body))
	r.RemoteAddr = "192.0.2.9:5556"
	slackSigned(slackSecret, now, body)(r)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, r)
	assert.Contains(t, w.Body.String(), "not a jml task")
}

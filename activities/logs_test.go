package activities_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/workers"
)

// syncBuffer is a log sink written by the activity and SDK goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// slackFailing is the Notifier seam (the worker adapts the Slack client to
// it) answering as Slack's users.lookupByEmail does for an unknown user,
// with the message an integration could build from it.
type slackFailing struct{ email string }

func (n slackFailing) NotifyUser(_ context.Context, email, _ string) error {
	return &directory.Error{System: "slack", Op: "users.lookupByEmail", Kind: directory.KindPermanent, Status: 200, Code: "users_not_found",
		Message: "no Slack user with email " + email}
}

func (n slackFailing) NotifyChannel(context.Context, string, string) error {
	return errors.New(`Post "https://slack.test/api/chat.postMessage?as_user=` + strings.ReplaceAll(n.email, "@", "%40") + `": connection reset by peer`)
}

// TestFailureLogsCarryNoEmail: a directory's and Slack's failure messages
// that name the person (an Okta login conflict, a Slack lookup by email, a
// request URL) reach neither the activities' log lines nor the Temporal
// SDK's "Activity error" lines, which log the error's message; the kind and
// code do, and the scrubbed text stays in the error's details.
func TestFailureLogsCarryNoEmail(t *testing.T) {
	r := newRig(t)
	var sink syncBuffer
	z := zerolog.New(&sink)
	r.acts.Logger = z
	var s sdktest.WorkflowTestSuite
	s.SetLogger(workers.NewLogger(z))
	env := s.NewTestActivityEnvironment()
	r.acts.Register(env)

	emp := r.org.Employees[3]
	mgr := r.employee(emp.ManagerEmployeeID)
	r.acts.Notifier = slackFailing{email: mgr.Email}

	run := func(name string, in any) *temporal.ApplicationError {
		t.Helper()
		_, err := env.ExecuteActivity(name, in)
		var app *temporal.ApplicationError
		if !errors.As(err, &app) {
			t.Fatalf("%s: got %v, want an application error", name, err)
		}
		if strings.Contains(app.Error(), "@") || strings.Contains(app.Error(), "%40") {
			t.Errorf("%s: error message %q names a person", name, app.Error())
		}
		return app
	}

	// Real Okta through the SDK: the login belongs to another employee, and
	// Okta's integration says whose login it is.
	app := run(contract.LookupAccount.Name, contract.LookupAccountInput{Directory: config.Okta, EmployeeID: "E9999", Email: emp.Email})
	if app.Type() != string(domain.ErrDirectoryPermanent) || !strings.Contains(app.Error(), "login_conflict") {
		t.Errorf("okta conflict: %s [%s], want the code login_conflict and type %s", app.Error(), app.Type(), domain.ErrDirectoryPermanent)
	}
	var detail string
	if err := app.Details(&detail); err != nil || !strings.Contains(detail, "<email>") || strings.Contains(detail, emp.Email) {
		t.Errorf("okta conflict details %q (%v): want the message with the email scrubbed", detail, err)
	}

	app = run(contract.NotifyManager.Name, contract.NotifyManagerInput{ManagerEmployeeID: mgr.EmployeeID, Text: "hello"})
	if !strings.Contains(app.Error(), "users_not_found") {
		t.Errorf("slack: %s, want the code users_not_found", app.Error())
	}
	app = run(contract.NotifyChannel.Name, contract.NotifyChannelInput{Channel: "#security", Text: "alert"})
	if app.Type() != string(domain.ErrDirectoryTransient) {
		t.Errorf("unclassified: %s [%s], want %s", app.Error(), app.Type(), domain.ErrDirectoryTransient)
	}

	logs := sink.String()
	t.Logf("logs:\n%s", logs)
	for _, email := range []string{emp.Email, mgr.Email, strings.ReplaceAll(mgr.Email, "@", "%40")} {
		if strings.Contains(strings.ToLower(logs), strings.ToLower(email)) {
			t.Errorf("log output contains %s", email)
		}
	}
	for _, want := range []string{"login_conflict", "users_not_found"} {
		if !strings.Contains(logs, want) {
			t.Errorf("log output lacks the error code %s: the failures must still be logged", want)
		}
	}
}

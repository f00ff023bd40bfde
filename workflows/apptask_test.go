package workflows_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

// taskStubs are the mocked activities of the AppTask tests.
type taskStubs struct {
	mu       sync.Mutex
	posts    []contract.PostAppTaskInput
	posted   contract.AppTaskMessage
	events   []contract.AppTaskEvent
	reminded []string // employee ids DMed a reminder
	alerts   []string // security channel texts
}

func (s *taskStubs) register(env *sdktest.TestWorkflowEnvironment) {
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.PostAppTask.Name, func(_ context.Context, in contract.PostAppTaskInput) (contract.AppTaskMessage, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.posts = append(s.posts, in)
		if in.Outcome != "" {
			return in.Message, nil
		}
		return s.posted, nil
	})
	reg(contract.AppendAppTaskLog.Name, func(_ context.Context, in contract.AppTaskEvent) (contract.OffboardingLogOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.events = append(s.events, in)
		return contract.OffboardingLogOutput{Appended: true}, nil
	})
	reg(contract.NotifyEmployee.Name, func(_ context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.reminded = append(s.reminded, in.EmployeeID)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyChannel.Name, func(_ context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.alerts = append(s.alerts, in.Channel+": "+in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
}

func (s *taskStubs) eventNames() []string {
	var out []string
	for _, e := range s.events {
		out = append(out, e.Event)
	}
	return out
}

const (
	taskOwner    = "E0002"
	taskFallback = "E0003"
	taskLeaver   = "E0042"
)

type taskRun struct {
	env     *sdktest.TestWorkflowEnvironment
	stubs   *taskStubs
	results map[string]*updateResult
}

func newTaskRun(t *testing.T) *taskRun {
	var s sdktest.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.AppTaskWorkflow, workflow.RegisterOptions{Name: contract.AppTaskWorkflowName})
	stubs := &taskStubs{posted: contract.AppTaskMessage{Posted: true, Channel: "D1", TS: "1.1", OwnerSlackID: "U-OWNER", FallbackSlackID: "U-FALLBACK"}}
	stubs.register(env)
	return &taskRun{env: env, stubs: stubs, results: map[string]*updateResult{}}
}

// press delivers a Done press after d.
func (r *taskRun) press(d time.Duration, name string, a contract.Actor) {
	out := &updateResult{}
	r.results[name] = out
	r.env.RegisterDelayedCallback(func() { update(r.env, contract.UpdateAppTaskDone, out, contract.AppTaskPress{Actor: a}) }, d)
}

func (r *taskRun) run(t *testing.T) contract.AppTaskState {
	r.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: contract.AppTaskWorkflowID("employee/E0042/leaver/3", "expensify")})
	r.env.ExecuteWorkflow(contract.AppTaskWorkflowName, contract.AppTaskInput{EmployeeID: taskLeaver, Login: "jane.doe@example.com", App: "expensify",
		Action: contract.AppTaskRemove, Owner: taskOwner, Fallback: taskFallback, Deadline: 72 * time.Hour, SecurityChannel: "#security-alerts",
		Lifecycle: "employee/E0042/leaver/3", Event: "leaver"})
	require.True(t, r.env.IsWorkflowCompleted())
	require.NoError(t, r.env.GetWorkflowError())
	var st contract.AppTaskState
	require.NoError(t, r.env.GetWorkflowResult(&st))
	return st
}

func (u *updateResult) taskResult(t *testing.T) contract.AppTaskDoneResult {
	t.Helper()
	require.NoError(t, u.err)
	res, ok := u.val.(contract.AppTaskDoneResult)
	require.True(t, ok, "update result %T", u.val)
	return res
}

// The owner presses Done within the deadline: confirmed with who and when,
// no reminder, no alert, the DM rewritten without its button.
func TestAppTaskConfirmedByOwner(t *testing.T) {
	r := newTaskRun(t)
	start := r.env.Now()
	r.press(time.Hour, "owner", contract.Actor{EmployeeID: taskOwner, SlackUserID: "U-OWNER", Via: "slack"})
	st := r.run(t)
	assert.Equal(t, contract.AppTaskConfirmed, r.results["owner"].taskResult(t).Result)
	require.NotNil(t, st.Confirmed)
	assert.Equal(t, taskOwner, st.Confirmed.Actor.EmployeeID)
	assert.WithinDuration(t, start.Add(time.Hour), st.Confirmed.At, time.Second)
	assert.Equal(t, contract.AppTaskConfirmed, st.Status)
	assert.Zero(t, st.RemindedAt)
	assert.Zero(t, st.BreachedAt)
	assert.Empty(t, r.stubs.reminded)
	assert.Empty(t, r.stubs.alerts)
	assert.Equal(t, []string{"opened", "confirmed"}, r.stubs.eventNames())
	assert.Equal(t, taskOwner, r.stubs.events[1].By)
	assert.Equal(t, "in time", r.stubs.events[1].Detail)
	require.Len(t, r.stubs.posts, 2)
	assert.Contains(t, r.stubs.posts[1].Outcome, "Done: confirmed by E0002")
	assert.Equal(t, "apptask/E0042/leaver/3/expensify", contract.AppTaskWorkflowID("employee/E0042/leaver/3", "expensify"))
	assert.NotContains(t, r.stubs.posts[0].TaskID, "jane", "the task id carries no PII")
}

// Nobody confirms for two days: at half the 72h deadline the owner and
// the fallback are reminded; the fallback then confirms.
func TestAppTaskRemindedThenConfirmedByFallback(t *testing.T) {
	r := newTaskRun(t)
	start := r.env.Now()
	r.press(48*time.Hour, "fallback", contract.Actor{EmployeeID: taskFallback, SlackUserID: "U-FALLBACK", Via: "slack"})
	st := r.run(t)
	assert.Equal(t, contract.AppTaskConfirmed, r.results["fallback"].taskResult(t).Result)
	assert.WithinDuration(t, start.Add(36*time.Hour), st.RemindedAt, time.Second)
	assert.Equal(t, []string{taskOwner, taskFallback}, r.stubs.reminded)
	assert.Zero(t, st.BreachedAt)
	assert.Empty(t, r.stubs.alerts)
	assert.Equal(t, []string{"opened", "reminded", "confirmed"}, r.stubs.eventNames())
	assert.Equal(t, taskFallback, st.Confirmed.Actor.EmployeeID)
}

// Past the deadline the security channel is alerted like an SLA breach and
// the task keeps waiting; a late confirmation is recorded as late and told.
func TestAppTaskEscalatedAtDeadlineThenConfirmedLate(t *testing.T) {
	r := newTaskRun(t)
	start := r.env.Now()
	r.press(100*time.Hour, "owner", contract.Actor{EmployeeID: taskOwner, SlackUserID: "U-OWNER", Via: "slack"})
	st := r.run(t)
	assert.WithinDuration(t, start.Add(72*time.Hour), st.BreachedAt, time.Second)
	require.Len(t, r.stubs.alerts, 2)
	assert.Contains(t, r.stubs.alerts[0], "#security-alerts: jml: APP TASK OVERDUE: owner E0002")
	assert.Contains(t, r.stubs.alerts[0], "apptask/")
	assert.NotContains(t, r.stubs.alerts[0], "jane.doe", "alerts name the employee id, not the login")
	assert.Contains(t, r.stubs.alerts[1], "confirmed late by E0002")
	assert.Equal(t, []string{"opened", "reminded", "breached", "confirmed"}, r.stubs.eventNames())
	assert.Equal(t, "after the deadline", r.stubs.events[3].Detail)
	assert.Equal(t, contract.AppTaskConfirmed, st.Status)
}

// Anyone but the owner or the fallback is refused and recorded: a
// stranger by Slack id, the leaver themselves, a CLI confirmation naming
// someone else, and a press from a Slack member whose employee id claims
// to be the owner's (a Slack press counts by the owner's Slack id only).
func TestAppTaskRefusedPressersRecorded(t *testing.T) {
	r := newTaskRun(t)
	r.press(time.Minute, "stranger", contract.Actor{EmployeeID: "E0099", SlackUserID: "U-STRANGER", Via: "slack"})
	r.press(2*time.Minute, "self", contract.Actor{EmployeeID: taskLeaver, SlackUserID: "U-LEAVER", Via: "slack"})
	r.press(3*time.Minute, "spoof", contract.Actor{EmployeeID: taskOwner, SlackUserID: "U-STRANGER", Via: "slack"})
	r.press(4*time.Minute, "cli-other", contract.Actor{EmployeeID: "E0099", Via: "cli"})
	r.press(5*time.Minute, "empty", contract.Actor{})
	r.press(6*time.Minute, "owner-cli", contract.Actor{EmployeeID: taskOwner, Via: "cli"})
	r.press(7*time.Minute, "again", contract.Actor{EmployeeID: taskFallback, SlackUserID: "U-FALLBACK", Via: "slack"})
	st := r.run(t)
	for _, n := range []string{"stranger", "self", "spoof", "cli-other"} {
		res := r.results[n].taskResult(t)
		assert.Equal(t, "refused", res.Result, n)
	}
	assert.Contains(t, r.results["self"].taskResult(t).Reason, "your own account")
	assert.Contains(t, r.results["stranger"].taskResult(t).Reason, "only the owner of expensify")
	assert.Error(t, r.results["empty"].err, "a press naming nobody is rejected by the validator")
	assert.Equal(t, contract.AppTaskConfirmed, r.results["owner-cli"].taskResult(t).Result)
	require.Len(t, st.Refusals, 4)
	assert.Equal(t, 4, st.RefusedCount)
	assert.Equal(t, "E0099", st.Refusals[0].Actor.EmployeeID)
	assert.Equal(t, taskOwner, st.Confirmed.Actor.EmployeeID)
	assert.Equal(t, "cli", st.Confirmed.Actor.Via)
	names := r.stubs.eventNames()
	assert.Equal(t, []string{"opened", "refused", "refused", "refused", "refused", "confirmed"}, names)
	assert.Equal(t, "E0099", r.stubs.events[1].By)
	// The workflow ends once confirmed, so the last press finds it closed
	// or already confirmed: never a second confirmation.
	if res := r.results["again"]; res.val != nil {
		assert.Equal(t, "already confirmed", res.taskResult(t).Result)
	}
}

// An owner jml cannot reach in Slack: the security channel hears at once,
// not at the deadline.
func TestAppTaskOwnerUnreachableAlertsAtOnce(t *testing.T) {
	r := newTaskRun(t)
	r.stubs.posted = contract.AppTaskMessage{Detail: "owner E0002 is not an active employee with a Slack account jml can match"}
	r.press(time.Hour, "owner-cli", contract.Actor{EmployeeID: taskOwner, Via: "cli"})
	st := r.run(t)
	require.NotEmpty(t, r.stubs.alerts)
	assert.True(t, strings.Contains(r.stubs.alerts[0], "could not be sent to owner E0002"), r.stubs.alerts[0])
	assert.Equal(t, contract.AppTaskConfirmed, st.Status)
	assert.Len(t, r.stubs.posts, 1, "no message to rewrite")
}

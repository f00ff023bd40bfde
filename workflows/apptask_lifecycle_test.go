package workflows_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

func manualPolicy() contract.Policy {
	p := testPolicy()
	p.ManualApps = []contract.ManualApp{{Name: "expensify", Owner: "E0002", Deadline: 72 * time.Hour}, {Name: "notion", Owner: "E0003", Deadline: time.Hour}}
	return p
}

// lifecycleWithTasks runs fn's workflow with the AppTask child mocked: the
// test sees each task's input and that the run did not wait for it.
func lifecycleWithTasks(t *testing.T) (*sdktest.TestWorkflowEnvironment, *stubActivities, *[]contract.AppTaskInput) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	workflows.Register(env)
	cat := testCatalog()
	cat.Rules = append(cat.Rules, domain.Rule{Name: "finance-tools", Match: domain.Match{Departments: []string{"Engineering"}}, Grant: domain.Grant{Apps: []string{"expensify"}}})
	stubs := newStubs(cat)
	stubs.register(env)
	env.OnUpsertTypedSearchAttributes(mock.Anything).Return(nil)
	// The real AppTask child runs, over stubs: the test env reports a
	// mocked child started only once it has finished, which would hide
	// whether the parent waits.
	var tasks []contract.AppTaskInput
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.PostAppTaskInput) (contract.AppTaskMessage, error) {
		if in.Outcome == "" {
			tasks = append(tasks, in.Task)
		}
		return contract.AppTaskMessage{Posted: true, OwnerSlackID: "U-OWNER"}, nil
	}, activity.RegisterOptions{Name: contract.PostAppTask.Name})
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.AppTaskEvent) (contract.OffboardingLogOutput, error) {
		return contract.OffboardingLogOutput{Appended: true}, nil
	}, activity.RegisterOptions{Name: contract.AppendAppTaskLog.Name})
	env.RegisterActivityWithOptions(func(_ context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
		return contract.NotifyOutput{Delivered: true}, nil
	}, activity.RegisterOptions{Name: contract.NotifyEmployee.Name})
	return env, stubs, &tasks
}

// ownerDoneAfter has the owner confirm the tasks of run after d, so the
// test environment (which runs until every child ends) can finish.
func ownerDoneAfter(env *sdktest.TestWorkflowEnvironment, d time.Duration, run string, apps ...string) {
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: run})
	for _, app := range apps {
		env.RegisterDelayedCallback(func() {
			_ = env.UpdateWorkflowByID(contract.AppTaskWorkflowID(run, app), contract.UpdateAppTaskDone, "", &sdktest.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}}, contract.AppTaskPress{Actor: contract.Actor{EmployeeID: "E0002", Via: "cli"}})
		}, d)
	}
}

// A leaver who holds a manual app opens its owner task and finishes
// without waiting for it; the offboarding row names the task. A manual
// app the person was never granted gets no task.
func TestLeaverOpensOwnerTaskAndDoesNotWait(t *testing.T) {
	env, stubs, tasks := lifecycleWithTasks(t)
	granted := domain.Entitlements{Apps: []string{"expensify", "github", "zoom"}}
	for _, d := range dirs {
		stubs.enabled[d+"/E0042"] = true
	}
	ownerDoneAfter(env, 100*time.Hour, "employee/E0042/leaver/3", "expensify")
	env.ExecuteWorkflow(workflows.LeaverWorkflow, contract.LeaverInput{EmployeeID: "E0042", Record: rec(terminated(t0)), EffectiveAt: t0,
		Policy: manualPolicy(), Granted: granted})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, *tasks, 1, "expensify only: notion was never granted")
	in := (*tasks)[0]
	assert.Equal(t, contract.AppTaskInput{EmployeeID: "E0042", Login: "ada.lovelace@demo.jml.test", App: "expensify", Action: contract.AppTaskRemove,
		Owner: "E0002", Deadline: 72 * time.Hour, SecurityChannel: "#security-alerts", Lifecycle: in.Lifecycle, Event: domain.EventLeaver}, in)
	require.Len(t, res.AppTasks, 1)
	assert.Equal(t, contract.AppTaskWorkflowID(in.Lifecycle, "expensify"), res.AppTasks[0].TaskID)
	assert.True(t, strings.HasPrefix(res.AppTasks[0].TaskID, "apptask/E0042/leaver/"), res.AppTasks[0].TaskID)
	assert.Empty(t, res.AppTasks[0].Error)
	assert.True(t, res.SLAMet, "the owner's task does not hold the leaver's SLA")
	assert.True(t, res.CompletedAt.Before(t0.Add(time.Hour)), "finished at %s, not after the owner's 100 hours", res.CompletedAt)
	require.Len(t, stubs.logRows, 1)
	assert.Equal(t, res.AppTasks, stubs.logRows[0].ManualApps, "the offboarding row names the task")
	assert.NotContains(t, res.Granted.Apps, "expensify")
}

// A mover who loses a manual app and gains none: a remove task; the
// joiner of someone granted one: a create task, and the joiner finishes.
func TestMoverAndJoinerOpenOwnerTasks(t *testing.T) {
	env, stubs, tasks := lifecycleWithTasks(t)
	for _, d := range dirs {
		stubs.enabled[d+"/E0042"] = true
	}
	old := rec()
	moved := rec(func(r *domain.HRRecord) { r.Department = "Sales" })
	ownerDoneAfter(env, 100*time.Hour, "employee/E0042/mover/2", "expensify")
	env.ExecuteWorkflow(workflows.MoverWorkflow, contract.MoverInput{EmployeeID: "E0042", Old: old, New: moved, Policy: manualPolicy(),
		Granted: stubs.catalog.Evaluate(domain.AttributesOf(old))})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.LifecycleResult
	require.NoError(t, env.GetWorkflowResult(&res))
	require.Len(t, *tasks, 1)
	assert.Equal(t, contract.AppTaskRemove, (*tasks)[0].Action)
	assert.Equal(t, domain.EventMover, (*tasks)[0].Event)
	assert.NotContains(t, res.Granted.Apps, "expensify")

	env2, _, tasks2 := lifecycleWithTasks(t)
	ownerDoneAfter(env2, 100*time.Hour, "employee/E0042/joiner/1", "expensify")
	env2.ExecuteWorkflow(workflows.JoinerWorkflow, contract.JoinerInput{EmployeeID: "E0042", Record: rec(), Policy: manualPolicy(), Enable: true})
	require.True(t, env2.IsWorkflowCompleted())
	require.NoError(t, env2.GetWorkflowError())
	var jres contract.LifecycleResult
	require.NoError(t, env2.GetWorkflowResult(&jres))
	require.Len(t, *tasks2, 1)
	assert.Equal(t, contract.AppTaskCreate, (*tasks2)[0].Action)
	assert.Contains(t, jres.Granted.Apps, "expensify", "the catalog grants it; the owner creates it")
	require.Len(t, jres.AppTasks, 1)
}

package workflows_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

type guardStubs struct {
	mu        sync.Mutex
	posts     []contract.PostHoldInput
	delivered []contract.DeliverHeldInput
	quarant   []contract.QuarantineHeldInput
}

func newGuardEnv(t *testing.T, active int) (*sdktest.TestWorkflowEnvironment, *guardStubs) {
	var s sdktest.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.TerminationGuardWorkflow, workflow.RegisterOptions{Name: contract.GuardWorkflowName})
	st := &guardStubs{}
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.CountActiveForGuard.Name, func(context.Context, contract.Empty) (contract.CountActiveOutput, error) {
		return contract.CountActiveOutput{Active: active}, nil
	})
	reg(contract.PostHold.Name, func(_ context.Context, in contract.PostHoldInput) (contract.GuardMessage, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.posts = append(st.posts, in)
		if in.Outcome != "" {
			return in.Hold.Message, nil
		}
		return contract.GuardMessage{Posted: true, Channel: "C1", TS: "1.1", Count: len(in.Hold.Records),
			ApproverSlackIDs: map[string]string{"E0001": "U1", "E0002": "U2", "E0009": "U9"}, RequesterSlackID: "U9"}, nil
	})
	reg(contract.DeliverHeld.Name, func(_ context.Context, in contract.DeliverHeldInput) (contract.DeliverHeldOutput, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.delivered = append(st.delivered, in)
		return contract.DeliverHeldOutput{Delivered: len(in.Records)}, nil
	})
	reg(contract.QuarantineHeld.Name, func(_ context.Context, in contract.QuarantineHeldInput) (contract.QuarantineHeldOutput, error) {
		st.mu.Lock()
		defer st.mu.Unlock()
		st.quarant = append(st.quarant, in)
		return contract.QuarantineHeldOutput{Path: "/evidence/Quarantine/hr-guard-" + in.Hold.ID + ".jsonl"}, nil
	})
	return env, st
}

func termination(id string) domain.HRRecord {
	return domain.HRRecord{EmployeeID: id, Email: id + "@x.test", GivenName: "A", FamilyName: id, Status: domain.HRTerminated, TerminationDate: "2026-01-05"}
}

type updateResult struct {
	val any
	err error
}

func update(env *sdktest.TestWorkflowEnvironment, name string, out *updateResult, arg any) {
	env.UpdateWorkflow(name, "", &sdktest.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { out.err = err },
		OnComplete: func(v any, err error) {
			out.val, out.err = v, err
		},
	}, arg)
}

// TestGuardPercentTwoPersonRule: 40% of a 100-person company terminated
// in one run, with a 30% limit: 30 admitted, 10 held in one hold and one
// message. The requester, a stranger and an approver pressing twice are
// refused and recorded; two distinct approvers release the 10.
func TestGuardPercentTwoPersonRule(t *testing.T) {
	env, st := newGuardEnv(t, 100)
	pol := contract.GuardPolicy{Enabled: true, PerRun: contract.GuardLimit{Percent: 30}, PerHour: contract.GuardLimit{Percent: 30},
		Approvers: []string{"E0001", "E0002", "E0009"}, ApprovalsRequired: 2, SecurityChannel: "#sec"}
	admits := make([]updateResult, 40)
	env.RegisterDelayedCallback(func() {
		for i := range admits {
			update(env, contract.UpdateAdmitTermination, &admits[i], contract.AdmitTerminationInput{RunID: "run-1", Source: "import:gusto.csv",
				Requester: "E0009", Items: []contract.AdmitItem{{Record: termination(fmt.Sprintf("T%03d", i))}}})
		}
	}, time.Second)
	decisions := []struct {
		actor  contract.Actor
		action string
		want   string
	}{
		{contract.Actor{EmployeeID: "E0009", SlackUserID: "U9"}, "approve", string(domain.DecisionRefused)}, // the requester
		{contract.Actor{SlackUserID: "U5"}, "approve", string(domain.DecisionRefused)},                      // not an approver
		{contract.Actor{EmployeeID: "E0001", SlackUserID: "U1"}, "approve", "recorded"},
		{contract.Actor{EmployeeID: "E0001", SlackUserID: "U1"}, "approve", string(domain.DecisionRefused)}, // twice
		{contract.Actor{EmployeeID: "E0002", SlackUserID: "U2"}, "approve", "released"},
	}
	got := make([]updateResult, len(decisions))
	for i, d := range decisions {
		env.RegisterDelayedCallback(func() {
			update(env, contract.UpdateGuardDecide, &got[i], contract.GuardDecision{HoldID: "hold-1", Action: d.action, Actor: d.actor})
		}, time.Minute+time.Duration(i)*time.Second)
	}
	var final contract.GuardState
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryState)
		require.NoError(t, err)
		require.NoError(t, v.Get(&final))
		env.CancelWorkflow()
	}, 10*time.Minute)
	env.ExecuteWorkflow(contract.GuardWorkflowName, contract.GuardInput{Policy: pol})

	admitted, held := 0, 0
	for _, a := range admits {
		require.NoError(t, a.err)
		r := a.val.(contract.AdmitTerminationResult).Results[0]
		if r.Admitted {
			admitted++
		} else {
			held++
			require.Equal(t, "hold-1", r.HoldID)
		}
	}
	require.Equal(t, 30, admitted)
	require.Equal(t, 10, held)
	for i, d := range decisions {
		require.NoError(t, got[i].err, i)
		require.Equal(t, d.want, got[i].val.(contract.GuardDecisionResult).Result, "decision %d", i)
	}
	require.Len(t, final.Holds, 1)
	h := final.Holds[0]
	require.Equal(t, contract.HoldApproved, h.Status)
	require.Len(t, h.Refusals, 3)
	require.Len(t, h.Approvals, 2)
	require.Equal(t, 10, h.Delivered)
	require.Len(t, st.delivered, 1)
	require.Len(t, st.delivered[0].Records, 10)
	require.Len(t, st.posts, 2, "one message, then its rewrite with the outcome")
	require.Len(t, st.posts[0].Hold.Records, 10)
}

// TestGuardRejectQuarantinesAndHourWindow: past the rolling-hour limit a
// second run is held from its first termination; reject quarantines it and
// delivers nothing; an hour later terminations are admitted again.
func TestGuardRejectQuarantinesAndHourWindow(t *testing.T) {
	env, st := newGuardEnv(t, 0)
	pol := contract.GuardPolicy{Enabled: true, PerRun: contract.GuardLimit{Count: 5}, PerHour: contract.GuardLimit{Count: 5},
		Approvers: []string{"E0001"}, ApprovalsRequired: 1, SecurityChannel: "#sec"}
	first := make([]updateResult, 5)
	second := make([]updateResult, 2)
	later := updateResult{}
	env.RegisterDelayedCallback(func() {
		for i := range first {
			update(env, contract.UpdateAdmitTermination, &first[i], contract.AdmitTerminationInput{RunID: "run-1", Source: "webhook", Items: []contract.AdmitItem{{Record: termination(fmt.Sprintf("A%d", i))}}})
		}
	}, time.Second)
	env.RegisterDelayedCallback(func() {
		for i := range second {
			update(env, contract.UpdateAdmitTermination, &second[i], contract.AdmitTerminationInput{RunID: "run-2", Source: "webhook", Items: []contract.AdmitItem{{Record: termination(fmt.Sprintf("B%d", i))}}})
		}
	}, 2*time.Minute)
	var rejected updateResult
	env.RegisterDelayedCallback(func() {
		update(env, contract.UpdateGuardDecide, &rejected, contract.GuardDecision{HoldID: "hold-1", Action: "reject", Actor: contract.Actor{EmployeeID: "E0001", SlackUserID: "U1"}})
	}, 5*time.Minute)
	env.RegisterDelayedCallback(func() {
		update(env, contract.UpdateAdmitTermination, &later, contract.AdmitTerminationInput{RunID: "run-3", Source: "webhook", Items: []contract.AdmitItem{{Record: termination("C1")}}})
	}, 70*time.Minute)
	var final contract.GuardState
	env.RegisterDelayedCallback(func() {
		v, err := env.QueryWorkflow(contract.QueryState)
		require.NoError(t, err)
		require.NoError(t, v.Get(&final))
		env.CancelWorkflow()
	}, 80*time.Minute)
	env.ExecuteWorkflow(contract.GuardWorkflowName, contract.GuardInput{Policy: pol})

	for _, a := range first {
		require.True(t, a.val.(contract.AdmitTerminationResult).Results[0].Admitted)
	}
	for _, a := range second {
		r := a.val.(contract.AdmitTerminationResult).Results[0]
		require.False(t, r.Admitted)
		require.Contains(t, r.Reason, "last hour")
	}
	require.Equal(t, "rejected", rejected.val.(contract.GuardDecisionResult).Result)
	require.True(t, later.val.(contract.AdmitTerminationResult).Results[0].Admitted, "the window rolled")
	require.Equal(t, contract.HoldRejected, final.Holds[0].Status)
	require.NotEmpty(t, final.Holds[0].Quarantine)
	require.Len(t, st.quarant, 1)
	require.Len(t, st.quarant[0].Hold.Records, 2)
	require.Empty(t, st.delivered)
}

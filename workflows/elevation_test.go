package workflows_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

// elevStubs are the mocked activities of the Elevation tests: calls are
// recorded; the gates answer what the test sets.
type elevStubs struct {
	mu     sync.Mutex
	gates  contract.GatesOutput
	grants []contract.AdminRoleInput
	revoke []contract.AdminRoleInput
	verify int
	posts  []contract.PostApprovalInput
	posted *contract.ApprovalMessageOutput // what PostApproval answers, when set
	msgs   []string                        // approval message outcomes
	told   []string                        // DMs to the requester
}

func (s *elevStubs) register(env *sdktest.TestWorkflowEnvironment) {
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.PostApproval.Name, func(_ context.Context, in contract.PostApprovalInput) (contract.ApprovalMessageOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.posts = append(s.posts, in)
		if s.posted != nil {
			return *s.posted, nil
		}
		return contract.ApprovalMessageOutput{Delivered: true, Channel: "D1", TS: "1.000001"}, nil
	})
	reg(contract.UpdateApprovalMessage.Name, func(_ context.Context, in contract.UpdateApprovalInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.msgs = append(s.msgs, in.Outcome)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyEmployee.Name, func(_ context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.told = append(s.told, in.EmployeeID+": "+in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyChannel.Name, func(_ context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.CheckGates.Name, func(_ context.Context, in contract.CheckGatesInput) (contract.GatesOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		g := s.gates
		g.Device.Required, g.MFA.Required = in.RequireCompliantDevice, in.RequireMFA
		return g, nil
	})
	reg(contract.LookupAccount.Name, func(_ context.Context, in contract.LookupAccountInput) (contract.AccountOutput, error) {
		return contract.AccountOutput{Directory: in.Directory, Found: true, AccountID: "acct-" + in.EmployeeID, Enabled: true}, nil
	})
	reg(contract.GrantAdminRole.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.grants = append(s.grants, in)
		return contract.AdminRoleOutput{Outcome: "added", ExpiresAt: in.Until}, nil
	})
	reg(contract.RevokeAdminRole.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.revoke = append(s.revoke, in)
		return contract.AdminRoleOutput{Outcome: "removed"}, nil
	})
	reg(contract.VerifyAdminRoleRevoked.Name, func(_ context.Context, in contract.AdminRoleInput) error {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.verify++
		return nil
	})
}

const (
	requester = "E0042"
	manager   = "E0002"
	stranger  = "E0077"
)

func elevInput() contract.ElevationInput {
	return contract.ElevationInput{
		RequestID: "0b6f3c2e-1d4a-4f7e-9a51-3c2d1e0f9a87", RequesterEmployeeID: requester, RoleName: "entra-user-admin",
		Duration: time.Hour, Justification: "reset a locked account", ApproverEmployeeID: manager,
		Policy: contract.ElevationPolicy{Directory: "entra", Role: "User Administrator", MaxDuration: 4 * time.Hour,
			DefaultDuration: time.Hour, ApprovalTimeout: 4 * time.Hour, Approver: "manager",
			RequireCompliantDevice: true, RequireMFA: true, Directories: []string{"entra", "okta"}},
	}
}

type elevRun struct {
	t       *testing.T
	env     *sdktest.TestWorkflowEnvironment
	stubs   *elevStubs
	results map[string]contract.ElevationDecisionResult
	errs    map[string]error
	status  []string
	seq     int
}

func newElevRun(t *testing.T) *elevRun {
	var ts sdktest.WorkflowTestSuite
	r := &elevRun{t: t, env: ts.NewTestWorkflowEnvironment(), results: map[string]contract.ElevationDecisionResult{}, errs: map[string]error{},
		stubs: &elevStubs{gates: contract.GatesOutput{Device: contract.GateResult{Checked: true, Passed: true}, MFA: contract.GateResult{Checked: true, Passed: true}}}}
	r.env.RegisterWorkflowWithOptions(workflows.ElevationWorkflow, workflow.RegisterOptions{Name: contract.ElevationWorkflowName})
	r.stubs.register(r.env)
	r.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		sa := args.Get(0).(temporal.SearchAttributes)
		if v, ok := sa.GetKeyword(contract.ElevationStatusKey); ok {
			r.status = append(r.status, v)
		}
	}).Return(nil)
	return r
}

// at sends update action as actor at d after start; its answer is kept
// under key.
func (r *elevRun) at(d time.Duration, key, action, actor string, extend time.Duration) {
	r.env.RegisterDelayedCallback(func() {
		r.seq++
		r.env.UpdateWorkflow(action, fmt.Sprintf("%s-%d", action, r.seq), &sdktest.TestUpdateCallback{
			OnAccept: func() {},
			OnReject: func(err error) { r.errs[key] = err },
			OnComplete: func(v any, err error) {
				if err != nil {
					r.errs[key] = err
					return
				}
				r.results[key] = v.(contract.ElevationDecisionResult)
			},
		}, contract.ElevationDecision{Actor: contract.Actor{EmployeeID: actor, Via: "slack"}, Extend: contract.Span(extend)})
	}, d)
}

func (r *elevRun) run(in contract.ElevationInput) (contract.ElevationState, error) {
	r.env.ExecuteWorkflow(contract.ElevationWorkflowName, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	var st contract.ElevationState
	err := r.env.GetWorkflowError()
	if err == nil {
		require.NoError(r.t, r.env.GetWorkflowResult(&st))
	}
	return st, err
}

func TestElevationApprovedGrantedThenRevokedAtExpiry(t *testing.T) {
	r := newElevRun(t)
	start := r.env.Now()
	r.at(time.Minute, "approve", contract.UpdateApprove, manager, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.ElevationRevoked, st.Status)
	assert.Equal(t, domain.DecisionAccepted, r.results["approve"].Result)
	require.Len(t, r.stubs.posts, 1)
	assert.Equal(t, manager, r.stubs.posts[0].ApproverEmployeeID)
	assert.Equal(t, "0b6f3c2e-1d4a-4f7e-9a51-3c2d1e0f9a87:approve", r.stubs.posts[0].ApproveValue)
	require.Len(t, r.stubs.grants, 1)
	g := r.stubs.grants[0]
	assert.Equal(t, contract.AdminRoleInput{Directory: "entra", AccountID: "acct-E0042", EmployeeID: requester, Role: "User Administrator", Until: g.Until}, g)
	assert.WithinDuration(t, start.Add(time.Minute+time.Hour), g.Until, time.Second, "granted for the hour asked, from the approval")
	assert.Equal(t, g.Until, st.GrantedUntil)
	require.Len(t, r.stubs.revoke, 1, "revoked once, at expiry")
	assert.Equal(t, "expiry", st.RevokeReason)
	assert.False(t, st.RevokedAt.Before(st.GrantedUntil), "not revoked before the end")
	assert.True(t, st.RevokeVerified)
	assert.Equal(t, 1, r.stubs.verify)
	require.Len(t, st.Decisions, 1)
	assert.Equal(t, contract.ElevationDecisionRecord{Action: "approve", Actor: contract.Actor{EmployeeID: manager, Via: "slack"}, Result: "accepted", At: st.Decisions[0].At}, st.Decisions[0])
	require.NotNil(t, st.Gates)
	assert.True(t, st.Gates.Device.Required && st.Gates.Device.Passed && st.Gates.MFA.Passed)
	assert.Equal(t, []string{string(domain.ElevationPending), string(domain.ElevationGranting), string(domain.ElevationActive), string(domain.ElevationRevoked)}, r.status)
	require.Len(t, r.stubs.msgs, 2)
	assert.Contains(t, r.stubs.msgs[0], "Approved by E0002. Granted until")
	assert.Contains(t, r.stubs.msgs[1], "Revoked at")
	assert.Len(t, r.stubs.told, 2, "requester told of the grant and of its end")
}

func TestElevationDenied(t *testing.T) {
	r := newElevRun(t)
	r.at(time.Minute, "deny", contract.UpdateDeny, manager, 0)
	r.at(2*time.Minute, "late", contract.UpdateApprove, manager, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.ElevationDenied, st.Status)
	assert.Equal(t, "denied by E0002", st.Reason)
	assert.Empty(t, r.stubs.grants)
	assert.Equal(t, []string{"Denied by E0002."}, r.stubs.msgs)
	require.Len(t, r.stubs.told, 1)
	assert.Contains(t, r.stubs.told[0], "was denied")
}

func TestElevationUnauthorisedApproverRefusedAndRecorded(t *testing.T) {
	r := newElevRun(t)
	r.at(time.Minute, "stranger", contract.UpdateApprove, stranger, 0)
	r.at(2*time.Minute, "self", contract.UpdateApprove, requester, 0)
	r.at(3*time.Minute, "manager", contract.UpdateDeny, manager, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.DecisionRefused, r.results["stranger"].Result)
	assert.Contains(t, r.results["stranger"].Message, "only the approver (E0002")
	assert.Equal(t, domain.DecisionRefused, r.results["self"].Result)
	assert.Equal(t, domain.DecisionAccepted, r.results["manager"].Result)
	require.Len(t, st.Decisions, 3, "both refusals are in the record")
	assert.Equal(t, stranger, st.Decisions[0].Actor.EmployeeID)
	assert.Equal(t, domain.DecisionRefused, st.Decisions[0].Result)
	assert.Equal(t, requester, st.Decisions[1].Actor.EmployeeID)
	assert.Equal(t, domain.DecisionRefused, st.Decisions[1].Result)
	assert.Equal(t, domain.ElevationDenied, st.Status, "the refusals decided nothing; the manager's deny did")
	assert.Empty(t, r.stubs.grants)
}

func TestElevationApprovalTimesOut(t *testing.T) {
	r := newElevRun(t)
	start := r.env.Now()
	r.at(5*time.Hour, "late", contract.UpdateApprove, manager, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.ElevationExpired, st.Status)
	assert.Equal(t, "no decision within 4h0m0s", st.Reason)
	assert.WithinDuration(t, start.Add(4*time.Hour), st.ApprovalDeadline, 0)
	assert.Empty(t, r.stubs.grants)
	require.Len(t, r.stubs.told, 1)
	assert.Contains(t, r.stubs.told[0], "E0042: Your elevation request")
	assert.Contains(t, r.stubs.told[0], "expired")
	assert.Equal(t, []string{"Expired: no decision within 4h0m0s."}, r.stubs.msgs)
}

func TestElevationGateFailures(t *testing.T) {
	for name, tc := range map[string]struct {
		gates contract.GatesOutput
		want  string
	}{
		"non-compliant device": {contract.GatesOutput{Device: contract.GateResult{Checked: true, Detail: "devices in entra: noncompliant"}, MFA: contract.GateResult{Checked: true, Passed: true}},
			"gate failed: no compliant device (devices in entra: noncompliant)"},
		"no MFA": {contract.GatesOutput{Device: contract.GateResult{Checked: true, Passed: true}, MFA: contract.GateResult{Checked: true, Detail: "no MFA method enrolled in entra"}},
			"gate failed: MFA not enrolled (no MFA method enrolled in entra)"},
	} {
		t.Run(name, func(t *testing.T) {
			r := newElevRun(t)
			r.stubs.gates = tc.gates
			r.at(time.Minute, "approve", contract.UpdateApprove, manager, 0)
			st, err := r.run(elevInput())
			require.NoError(t, err)
			assert.Equal(t, domain.ElevationDenied, st.Status)
			assert.Equal(t, tc.want, st.Reason)
			assert.Empty(t, r.stubs.grants, "nothing granted")
			require.NotNil(t, st.Gates)
			require.Len(t, r.stubs.msgs, 1)
			assert.Contains(t, r.stubs.msgs[0], "Approved by E0002, but not granted")
		})
	}
}

func TestElevationRevokedEarlyByRequester(t *testing.T) {
	r := newElevRun(t)
	start := r.env.Now()
	r.at(time.Minute, "approve", contract.UpdateApprove, manager, 0)
	r.at(10*time.Minute, "stranger", contract.UpdateRevoke, stranger, 0)
	r.at(11*time.Minute, "revoke", contract.UpdateRevoke, requester, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.DecisionRefused, r.results["stranger"].Result)
	assert.Equal(t, domain.DecisionAccepted, r.results["revoke"].Result)
	assert.Equal(t, "early, by E0042", st.RevokeReason)
	assert.WithinDuration(t, start.Add(11*time.Minute), st.RevokedAt, 0)
	require.Len(t, r.stubs.revoke, 1)
	assert.True(t, st.RevokeVerified)
}

func TestElevationExtendWithinMaxAndBeyond(t *testing.T) {
	r := newElevRun(t)
	start := r.env.Now()
	r.at(time.Minute, "approve", contract.UpdateApprove, manager, 0)
	r.at(30*time.Minute, "requester", contract.UpdateExtend, requester, time.Hour)
	r.at(31*time.Minute, "ok", contract.UpdateExtend, manager, time.Hour)
	r.at(32*time.Minute, "beyond", contract.UpdateExtend, manager, 3*time.Hour)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	assert.Equal(t, domain.DecisionRefused, r.results["requester"].Result, "only the approver extends")
	assert.Equal(t, domain.DecisionAccepted, r.results["ok"].Result)
	want := start.Add(time.Minute + 2*time.Hour)
	assert.WithinDuration(t, want, r.results["ok"].Until, 0)
	assert.Equal(t, domain.DecisionRefused, r.results["beyond"].Result)
	assert.Contains(t, r.results["beyond"].Message, "beyond the maximum 4h0m0s")
	require.Len(t, r.stubs.grants, 2, "the directory is told the new end")
	assert.WithinDuration(t, want, r.stubs.grants[1].Until, 0)
	assert.WithinDuration(t, want, st.GrantedUntil, 0)
	assert.Equal(t, "expiry", st.RevokeReason)
	assert.WithinDuration(t, want, st.RevokedAt, 0, "revoked at the extended end")
	var results []string
	for _, d := range st.Decisions {
		results = append(results, d.Action+":"+d.Actor.EmployeeID+":"+string(d.Result))
	}
	assert.Equal(t, []string{"approve:E0002:accepted", "extend:E0042:refused", "extend:E0002:accepted", "extend:E0002:refused"}, results)
}

func TestElevationRefusesDurationBeyondMax(t *testing.T) {
	r := newElevRun(t)
	in := elevInput()
	in.Duration = 5 * time.Hour
	_, err := r.run(in)
	require.Error(t, err)
	var app *temporal.ApplicationError
	require.ErrorAs(t, err, &app)
	assert.Equal(t, string(domain.ErrBadInput), app.Type())
	assert.True(t, app.NonRetryable())
	assert.Contains(t, app.Error(), "5h0m0s is longer than the maximum 4h0m0s of entra-user-admin")
	assert.Empty(t, r.stubs.posts, "no approval asked")
}

func TestElevationUpdateValidators(t *testing.T) {
	r := newElevRun(t)
	r.at(time.Minute, "noactor", contract.UpdateApprove, "", 0)
	r.at(2*time.Minute, "revoke-pending", contract.UpdateRevoke, requester, 0)
	r.at(3*time.Minute, "deny", contract.UpdateDeny, manager, 0)
	st, err := r.run(elevInput())
	require.NoError(t, err)
	require.Error(t, r.errs["noactor"])
	assert.Contains(t, r.errs["noactor"].Error(), "actor is required")
	require.Error(t, r.errs["revoke-pending"])
	assert.True(t, strings.Contains(r.errs["revoke-pending"].Error(), "no active grant"))
	assert.Len(t, st.Decisions, 1, "rejected updates decide nothing")
}

func TestElevationIDsCarryNoPII(t *testing.T) {
	assert.Equal(t, "elevation/0b6f3c2e", contract.ElevationWorkflowID("0b6f3c2e"))
	assert.Equal(t, "0b6f3c2e:deny", contract.ElevationButtonValue("0b6f3c2e", contract.ElevationButtonDeny))
}

func TestSpanReadsWhatOperatorsType(t *testing.T) {
	var d contract.ElevationDecision
	require.NoError(t, json.Unmarshal([]byte(`{"extend":"30m"}`), &d))
	assert.Equal(t, contract.Span(30*time.Minute), d.Extend)
	require.NoError(t, json.Unmarshal([]byte(`{"extend":1800000000000}`), &d))
	assert.Equal(t, contract.Span(30*time.Minute), d.Extend)
	assert.ErrorContains(t, json.Unmarshal([]byte(`{"extend":"half an hour"}`), &d), `"half an hour" is not a duration`)
	b, err := json.Marshal(contract.ElevationDecision{Extend: contract.Span(90 * time.Minute)})
	require.NoError(t, err)
	assert.Contains(t, string(b), `"extend":"1h30m0s"`)
}

// A Slack press is judged by the presser's Slack user id against the Slack
// member of the approver's HR email, never by the employee id the intake
// attached: the self-approval attack (the requester's Slack id with the
// manager's employee id, after editing their own directory employeeId) is
// refused and recorded; the approver's own press counts.
func TestElevationSlackPressJudgedBySlackID(t *testing.T) {
	r := newElevRun(t)
	in := elevInput()
	in.ApproverEmail, in.RequesterEmail = "grace@demo.jml.test", "ada@demo.jml.test"
	r.stubs.posted = &contract.ApprovalMessageOutput{Delivered: true, Channel: "D1", TS: "1.000001", ApproverSlackUserID: "UMGR", RequesterSlackUserID: "UREQ"}
	press := func(d time.Duration, key string, a contract.Actor) {
		r.env.RegisterDelayedCallback(func() {
			r.env.UpdateWorkflow(contract.UpdateApprove, key, &sdktest.TestUpdateCallback{
				OnAccept: func() {}, OnReject: func(err error) { r.errs[key] = err },
				OnComplete: func(v any, err error) {
					if err != nil {
						r.errs[key] = err
						return
					}
					r.results[key] = v.(contract.ElevationDecisionResult)
				},
			}, contract.ElevationDecision{Actor: a})
		}, d)
	}
	press(time.Minute, "attack", contract.Actor{EmployeeID: manager, SlackUserID: "UREQ", Via: "slack"})
	press(2*time.Minute, "other", contract.Actor{EmployeeID: manager, SlackUserID: "UOTHER", Via: "slack"})
	press(3*time.Minute, "manager", contract.Actor{SlackUserID: "UMGR", Via: "slack"})
	st, err := r.run(in)
	require.NoError(t, err)
	require.Empty(t, r.errs)
	assert.Equal(t, domain.DecisionRefused, r.results["attack"].Result)
	assert.Equal(t, domain.DecisionRefused, r.results["other"].Result)
	assert.Equal(t, domain.DecisionAccepted, r.results["manager"].Result)
	require.Len(t, st.Decisions, 3, "two refusals and the approval")
	assert.Equal(t, "UREQ", st.Decisions[0].Actor.SlackUserID)
	assert.Equal(t, domain.DecisionRefused, st.Decisions[0].Result)
	require.Len(t, r.stubs.posts, 1)
	assert.Equal(t, "grace@demo.jml.test", r.stubs.posts[0].ApproverEmail, "the DM goes to the approver's HR email")
	assert.Equal(t, "ada@demo.jml.test", r.stubs.posts[0].RequesterEmail)
	assert.Equal(t, "UMGR", st.ApprovalMessage.ApproverSlackUserID)
	assert.Len(t, r.stubs.grants, 1)
}

func TestElevationParties(t *testing.T) {
	p := workflows.ElevationParties{RequesterEmployeeID: requester, RequesterSlackUserID: "UREQ", ApproverEmployeeID: manager, ApproverSlackUserID: "UMGR"}
	noSlack := workflows.ElevationParties{RequesterEmployeeID: requester, ApproverEmployeeID: manager} // approval not delivered
	cases := []struct {
		name                string
		p                   workflows.ElevationParties
		a                   contract.Actor
		approver, requester bool
	}{
		{"approver's Slack id", p, contract.Actor{SlackUserID: "UMGR", EmployeeID: manager}, true, false},
		{"approver's Slack id, unresolved employee", p, contract.Actor{SlackUserID: "UMGR"}, true, false},
		{"manager's employee id, someone else's Slack id", p, contract.Actor{SlackUserID: "UX", EmployeeID: manager}, false, false},
		{"requester's Slack id claiming the manager's id", p, contract.Actor{SlackUserID: "UREQ", EmployeeID: manager}, false, true},
		{"approver's Slack id but the requester's employee id", p, contract.Actor{SlackUserID: "UMGR", EmployeeID: requester}, false, true},
		{"requester by employee id (CLI)", p, contract.Actor{EmployeeID: requester}, false, true},
		{"approver by employee id (CLI)", p, contract.Actor{EmployeeID: manager}, true, false},
		{"Slack press when the approver's Slack id is unknown", noSlack, contract.Actor{SlackUserID: "UMGR", EmployeeID: manager}, false, false},
		{"nobody", p, contract.Actor{}, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.approver, tc.p.IsApprover(tc.a), "approver")
			assert.Equal(t, tc.requester, tc.p.IsRequester(tc.a), "requester")
		})
	}
}

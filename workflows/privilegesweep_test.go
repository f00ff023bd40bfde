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
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

// sweepStubs are the mocked activities of the sweep's workflow tests.
type sweepStubs struct {
	mu        sync.Mutex
	inventory contract.SweepInventoryOutput
	invIn     *contract.SweepInventoryInput
	facts     *contract.SweepFacts
	texts     map[string][]string // "employee:<id>", "manager:<id>", "channel:<name>"
	revoked   []contract.AdminRoleInput
	revokedAt []time.Time
	disabled  []contract.AccountInput
	deleted   []contract.AccountInput
	at        map[string]time.Time // activity name -> when it last ran (workflow clock)
	children  map[string][]any     // child workflow name -> inputs
	elevated  []contract.ActiveElevation
	now       func() time.Time
	notices   []contract.PostSweepNoticeInput // PostSweepNotice (posts and rewrites)
	decisions []contract.SweepDecisionEvent   // AppendSweepDecision
}

func newSweepStubs(env *sdktest.TestWorkflowEnvironment) *sweepStubs {
	s := &sweepStubs{texts: map[string][]string{}, at: map[string]time.Time{}, children: map[string][]any{}, now: env.Now}
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	mark := func(name string) { s.at[name] = s.now() }
	reg(contract.ListActiveElevations.Name, func(context.Context, contract.Empty) ([]contract.ActiveElevation, error) { return s.elevated, nil })
	reg(contract.ListHRPopulation.Name, func(context.Context, contract.Empty) (contract.HRPopulation, error) {
		return contract.HRPopulation{Status: map[string]string{"E0007": "active"}, Source: "test"}, nil
	})
	reg(contract.SweepInventory.Name, func(_ context.Context, in contract.SweepInventoryInput) (contract.SweepInventoryOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.invIn = &in
		return s.inventory, nil
	})
	reg(contract.WriteSweepEvidence.Name, func(_ context.Context, f contract.SweepFacts) (contract.SweepEvidence, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.facts = &f
		return contract.SweepEvidence{Path: "Sweeps/2026/12/02/run.json", SHA256: "abc"}, nil
	})
	reg(contract.NotifyEmployee.Name, func(_ context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.texts["employee:"+in.EmployeeID] = append(s.texts["employee:"+in.EmployeeID], in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyManager.Name, func(_ context.Context, in contract.NotifyManagerInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.texts["manager:"+in.ManagerEmployeeID] = append(s.texts["manager:"+in.ManagerEmployeeID], in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyChannel.Name, func(_ context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.texts["channel:"+in.Channel] = append(s.texts["channel:"+in.Channel], in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.RevokeAdminRole.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.revoked = append(s.revoked, in)
		s.revokedAt = append(s.revokedAt, s.now())
		return contract.AdminRoleOutput{Outcome: "removed"}, nil
	})
	reg(contract.VerifyAdminRoleRevoked.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.Empty, error) {
		mark(contract.VerifyAdminRoleRevoked.Name)
		return contract.Empty{}, nil
	})
	reg(contract.DisableOrphanAccount.Name, func(_ context.Context, in contract.AccountInput) (contract.StepOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.disabled = append(s.disabled, in)
		s.at[contract.DisableOrphanAccount.Name] = s.now()
		return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: "disable", Outcome: "disabled"}}}, nil
	})
	reg(contract.DeleteAccount.Name, func(_ context.Context, in contract.AccountInput) (contract.StepOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.deleted = append(s.deleted, in)
		s.at[contract.DeleteAccount.Name] = s.now()
		return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: "delete", Outcome: "removed"}}}, nil
	})
	// A notice's DM and channel copy count as texts; each decider's Slack
	// id is "U" + their employee id.
	reg(contract.PostSweepNotice.Name, func(_ context.Context, in contract.PostSweepNoticeInput) (contract.SweepNotice, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.notices = append(s.notices, in)
		if in.Outcome != "" {
			return contract.SweepNotice{Messages: in.Messages}, nil
		}
		out := contract.SweepNotice{DeciderSlackIDs: map[string]string{}}
		for _, d := range in.Deciders {
			out.DeciderSlackIDs[d] = "U" + d
		}
		if in.DM != "" {
			s.texts["employee:"+in.DM] = append(s.texts["employee:"+in.DM], in.Title)
			out.Messages = append(out.Messages, contract.SweepMessageRef{Channel: "D" + in.DM, TS: "1.1"})
		}
		if in.Channel != "" {
			s.texts["channel:"+in.Channel] = append(s.texts["channel:"+in.Channel], in.Title)
			out.Messages = append(out.Messages, contract.SweepMessageRef{Channel: in.Channel, TS: "1.2"})
		}
		return out, nil
	})
	reg(contract.AppendSweepDecision.Name, func(_ context.Context, in contract.SweepDecisionEvent) (contract.OffboardingLogOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.decisions = append(s.decisions, in)
		return contract.OffboardingLogOutput{Appended: true}, nil
	})
	return s
}

var sweepPolicy = contract.SweepPolicy{Grace: 72 * time.Hour, EscalationSLA: 24 * time.Hour, OrphanGrace: 7 * 24 * time.Hour,
	DeleteAfter: 30 * 24 * time.Hour, MaxKeep: 90 * 24 * time.Hour, SecurityChannel: "#security", Owners: map[string]string{"okta": "E0007"}, Remediate: true}

func TestPrivilegeSweepStartsOneChildPerFindingAndCountsTheKPITenantWide(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	s.elevated = []contract.ActiveElevation{{EmployeeID: "E0014", RoleName: "entra-user-admin"}}
	s.inventory = contract.SweepInventoryOutput{
		Holders: []contract.SweepHolder{
			{Key: "k-jit", Directory: "entra", Role: "User Administrator", PrincipalID: "u14", EmployeeID: "E0014", Class: contract.SweepJIT},
			{Key: "k-std", Directory: "entra", Role: "User Administrator", PrincipalID: "u7", EmployeeID: "E0007", Class: contract.SweepStanding, Manager: "E0001"},
			{Key: "k-bg1", Directory: "entra", Role: "Global Administrator", PrincipalID: "bg1", Class: contract.SweepBreakGlass},
			{Key: "k-bg2", Directory: "entra", Role: "Global Administrator", PrincipalID: "bg2", Class: contract.SweepBreakGlass},
			{Key: "k-ga", Directory: "entra", Role: "Global Administrator", PrincipalID: "legacy", Class: contract.SweepUnknown},
			{Key: "k-sp", Directory: "entra", Role: "Global Reader", PrincipalID: "sp1", Kind: "service_principal", Class: contract.SweepUnknown},
			{Key: "k-svc", Directory: "entra", Role: "Exchange Administrator", PrincipalID: "sp2", Kind: "service_principal", Class: contract.SweepServiceAccount, Owner: "E0007"},
		},
		Orphans: []contract.SweepOrphan{{Key: "k-orph", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner, Enabled: true},
			{Key: "k-kept", Directory: "okta", AccountID: "00u2", Reason: contract.OrphanNoHROwner, Enabled: true, KeptUntil: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), Sponsor: "E0002"}},
		Warnings: []string{"entra: break-glass account bg1 signed in this month"},
	}
	started := map[string][]string{}
	var mu sync.Mutex
	for _, name := range []string{contract.StandingAdminWorkflowName, contract.UnknownAdminWorkflowName, contract.OrphanAccountWorkflowName} {
		env.RegisterWorkflowWithOptions(func(ctx workflow.Context, in any) (contract.SweepOutcome, error) {
			mu.Lock()
			defer mu.Unlock()
			started[name] = append(started[name], workflow.GetInfo(ctx).WorkflowExecution.ID)
			return contract.SweepOutcome{Outcome: "done"}, nil
		}, workflow.RegisterOptions{Name: name})
	}
	env.RegisterWorkflowWithOptions(workflows.PrivilegeSweepWorkflow, workflow.RegisterOptions{Name: contract.PrivilegeSweepWorkflowName})
	env.ExecuteWorkflow(contract.PrivilegeSweepWorkflowName, contract.SweepInput{Date: "2026-12-02", Directories: []string{"entra", "okta"},
		ElevationRoles: map[string]contract.ElevationRoleRef{"entra-user-admin": {Directory: "entra", Role: "User Administrator"}}, Policy: sweepPolicy})
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())
	var res contract.SweepResult
	require.NoError(t, env.GetWorkflowResult(&res))

	assert.Equal(t, []contract.ElevationRoleRef{{Directory: "entra", Role: "User Administrator"}}, s.invIn.Elevated["E0014"], "active elevations reach the inventory")
	assert.Equal(t, "active", s.invIn.HR["E0007"], "the HR records jml holds reach the inventory")
	assert.Equal(t, []string{"sweep/standing/k-std"}, started[contract.StandingAdminWorkflowName])
	assert.ElementsMatch(t, []string{"sweep/unknown/k-ga", "sweep/unknown/k-sp"}, started[contract.UnknownAdminWorkflowName])
	assert.Equal(t, []string{"sweep/orphan/k-orph"}, started[contract.OrphanAccountWorkflowName], "a kept orphan starts nothing until its expiry")
	assert.Len(t, res.Children, 4, "jit, break-glass and the declared service account start nothing")
	assert.Contains(t, res.Outcomes, contract.SweepOutcome{Key: "k-kept", Kind: "orphan", Outcome: "kept", Detail: "until 2027-01-15, sponsor E0002"})

	// standing (E0007) and the two unknowns are outside JIT and break-glass,
	// out of 7 principals holding a role
	assert.Equal(t, contract.SweepKPI{StandingOutsideJIT: 3, Population: 7, GlobalAdmins: 3, GlobalAdminsOK: true, BreakGlass: 2, Orphans: 2}, res.KPI)
	require.NotNil(t, s.facts)
	assert.Equal(t, res.KPI, s.facts.KPI)
	assert.Len(t, s.facts.Outcomes, 5)
	assert.Equal(t, "Sweeps/2026/12/02/run.json", res.Evidence.Path)
	require.Len(t, s.texts["channel:#security"], 1, "the break-glass warning goes to security")
	assert.Contains(t, s.texts["channel:#security"][0], "signed in this month")
}

func TestPrivilegeSweepReportOnlyStartsNoRemediation(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	s.inventory = contract.SweepInventoryOutput{
		Holders: []contract.SweepHolder{{Key: "k-std", Directory: "entra", Role: "User Administrator", PrincipalID: "u7", EmployeeID: "E0007", Class: contract.SweepStanding}},
		Orphans: []contract.SweepOrphan{{Key: "k-orph", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner}},
	}
	env.RegisterWorkflowWithOptions(workflows.PrivilegeSweepWorkflow, workflow.RegisterOptions{Name: contract.PrivilegeSweepWorkflowName})
	p := sweepPolicy
	p.Remediate = false
	env.ExecuteWorkflow(contract.PrivilegeSweepWorkflowName, contract.SweepInput{Date: "2026-12-02", Directories: []string{"entra"}, Policy: p})
	require.NoError(t, env.GetWorkflowError())
	var res contract.SweepResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Empty(t, res.Children)
	assert.Equal(t, 1, res.KPI.StandingOutsideJIT)
}

func TestPrivilegeSweepRejectsABadDate(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	newSweepStubs(env)
	env.ExecuteWorkflow(workflows.PrivilegeSweepWorkflow, contract.SweepInput{Date: "2026-13-40", Directories: []string{"entra"}, Policy: sweepPolicy})
	require.Error(t, env.GetWorkflowError())
	assert.Contains(t, env.GetWorkflowError().Error(), `date "2026-13-40"`)
}

func TestStandingAdminIsNotifiedThenRemovedAfterTheGracePeriod(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	start := env.Now()
	h := contract.SweepHolder{Key: "k", Directory: "entra", Role: "User Administrator", PrincipalID: "u7", EmployeeID: "E0007", Manager: "E0001",
		Class: contract.SweepStanding, Elevation: "entra-user-admin"}
	env.ExecuteWorkflow(workflows.StandingAdminWorkflow, contract.StandingAdminInput{Date: "2026-12-02", Holder: h, Policy: sweepPolicy})
	require.NoError(t, env.GetWorkflowError())
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))

	require.Len(t, s.texts["employee:E0007"], 1)
	assert.Contains(t, s.texts["employee:E0007"][0], "/jml elevate entra-user-admin", "the notice says how to request it through JIT")
	require.Len(t, s.texts["manager:E0001"], 1)
	require.Len(t, s.revoked, 1)
	assert.Equal(t, contract.AdminRoleInput{Directory: "entra", AccountID: "u7", EmployeeID: "E0007", Role: "User Administrator"}, s.revoked[0])
	assert.False(t, s.revokedAt[0].Before(start.Add(sweepPolicy.Grace)), "removed only after the grace period")
	assert.False(t, s.at[contract.VerifyAdminRoleRevoked.Name].IsZero(), "read back")
	assert.Equal(t, "removed", out.Outcome)
}

func TestUnknownAdminEscalatesAndReportsABreachedSLA(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	h := contract.SweepHolder{Key: "k", Directory: "entra", Role: "Global Reader", PrincipalID: "sp1", Kind: "service_principal", Class: contract.SweepUnknown}
	env.ExecuteWorkflow(workflows.UnknownAdminWorkflow, contract.StandingAdminInput{Date: "2026-12-02", Holder: h, Policy: sweepPolicy})
	require.NoError(t, env.GetWorkflowError())
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, "sla_breached", out.Outcome)
	require.Len(t, s.texts["channel:#security"], 2, "the escalation, then the breach")
	assert.Contains(t, s.texts["channel:#security"][1], "SLA breached")
	assert.Empty(t, s.revoked, "an unknown holder is never removed automatically")
}

func TestUnknownAdminAcknowledgedWithinTheSLA(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	var rejected error
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(contract.UpdateAcknowledge, "empty", &sdktest.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { rejected = err }, OnComplete: func(any, error) {}},
			contract.Acknowledgement{})
		env.UpdateWorkflow(contract.UpdateAcknowledge, "ack", &sdktest.TestUpdateCallback{OnAccept: func() {}, OnReject: func(error) {}, OnComplete: func(any, error) {}},
			contract.Acknowledgement{By: contract.Actor{SlackUserID: "U123", Via: "slack"}})
	}, time.Hour)
	h := contract.SweepHolder{Key: "k", Directory: "entra", Role: "Global Reader", PrincipalID: "sp1", Kind: "service_principal", Class: contract.SweepUnknown}
	env.ExecuteWorkflow(workflows.UnknownAdminWorkflow, contract.StandingAdminInput{Date: "2026-12-02", Holder: h, Policy: sweepPolicy})
	require.NoError(t, env.GetWorkflowError())
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Error(t, rejected, "an acknowledgement names who takes it")
	assert.Equal(t, "acknowledged", out.Outcome)
	assert.Equal(t, "slack:U123", out.Detail)
	assert.Len(t, s.texts["channel:#security"], 1)
}

func TestOrphanIsDisabledAfterTheGraceThenDeleted(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	start := env.Now()
	o := contract.SweepOrphan{Key: "k", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner, Enabled: true}
	env.ExecuteWorkflow(workflows.OrphanAccountWorkflow, contract.OrphanInput{Date: "2026-12-02", Orphan: o, Policy: sweepPolicy})
	require.NoError(t, env.GetWorkflowError())
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	require.Len(t, s.texts["employee:E0007"], 1, "the directory's configured owner is told")
	require.Len(t, s.disabled, 1)
	assert.Equal(t, "00u1", s.disabled[0].AccountID)
	assert.False(t, s.at[contract.DisableOrphanAccount.Name].Before(start.Add(sweepPolicy.OrphanGrace)))
	require.Len(t, s.deleted, 1)
	assert.False(t, s.at[contract.DeleteAccount.Name].Before(start.Add(sweepPolicy.OrphanGrace+sweepPolicy.DeleteAfter)))
	assert.Equal(t, "disabled", out.Outcome)
	assert.Equal(t, "delete: removed", out.Detail)
}

func TestOrphanKeptNeedsASponsorAndAnExpiryAndEndsKept(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	start := env.Now()
	expires := start.Add(30 * 24 * time.Hour)
	rejected := map[string]error{}
	send := func(id string, k contract.KeepDecision) {
		env.UpdateWorkflow(contract.UpdateKeep, id, &sdktest.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { rejected[id] = err }, OnComplete: func(any, error) {}}, k)
	}
	env.RegisterDelayedCallback(func() {
		signer := contract.Actor{SlackUserID: "U42", Via: "slack"}
		send("no-sponsor", contract.KeepDecision{Expires: expires, By: signer})
		send("no-expiry", contract.KeepDecision{Sponsor: "E0002", By: signer})
		send("too-long", contract.KeepDecision{Sponsor: "E0002", Expires: start.Add(400 * 24 * time.Hour), By: signer})
		send("unsigned", contract.KeepDecision{Sponsor: "E0002", Expires: expires})
		send("ok", contract.KeepDecision{Sponsor: "E0002", Expires: expires, By: signer, Reason: "vendor audit"})
	}, time.Hour)
	o := contract.SweepOrphan{Key: "k", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner, Enabled: true}
	p := sweepPolicy
	p.DeleteAfter = 0
	env.ExecuteWorkflow(workflows.OrphanAccountWorkflow, contract.OrphanInput{Date: "2026-12-02", Orphan: o, Policy: p})
	require.NoError(t, env.GetWorkflowError())
	for _, id := range []string{"no-sponsor", "no-expiry", "too-long", "unsigned"} {
		assert.Error(t, rejected[id], id)
	}
	assert.NoError(t, rejected["ok"])
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, "kept", out.Outcome, "a keep ends the workflow: the sweep skips the account until the expiry")
	require.NotNil(t, out.Decision)
	assert.Equal(t, "E0002", out.Decision.Sponsor)
	assert.True(t, out.Decision.Expires.Equal(expires))
	assert.Empty(t, s.disabled)
	require.Len(t, s.decisions, 1, "the keep is a line of the decisions evidence")
	assert.Equal(t, "kept", s.decisions[0].Event)
	assert.Equal(t, "slack:U42", s.decisions[0].By)
	assert.Len(t, s.texts["employee:E0007"], 1)
	assert.True(t, strings.Contains(strings.Join(s.texts["channel:#security"], "\n"), "sponsor E0002"))
}

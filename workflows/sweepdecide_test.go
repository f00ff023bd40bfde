package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/workflows"
)

// decisions sends sweep decisions at a point of the workflow clock and
// keeps each one's result or rejection by name.
type decisions struct {
	env      *sdktest.TestWorkflowEnvironment
	results  map[string]contract.SweepDecisionResult
	rejected map[string]error
}

func newDecisions(env *sdktest.TestWorkflowEnvironment) *decisions {
	return &decisions{env: env, results: map[string]contract.SweepDecisionResult{}, rejected: map[string]error{}}
}

func (d *decisions) send(name string, dec contract.SweepDecision) {
	d.env.UpdateWorkflow(contract.UpdateSweepDecision, name, &sdktest.TestUpdateCallback{
		OnAccept: func() {}, OnReject: func(err error) { d.rejected[name] = err },
		OnComplete: func(r any, err error) {
			if err == nil {
				d.results[name] = r.(contract.SweepDecisionResult)
			}
		}}, dec)
}

func pressBy(employeeID string) contract.Actor {
	return contract.Actor{EmployeeID: employeeID, SlackUserID: "U" + employeeID, Via: "slack"}
}

// The orphan's owner and the security approvers decide, by the Slack
// members of their HR emails; anyone else (and the account's own former
// employee) is refused and recorded; a keep's form is checked field by
// field; a valid keep ends the workflow kept, with the sponsor and expiry
// in its result and the decisions evidence.
func TestOrphanKeepDecidedInSlackByTheOwnerOnly(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	start := env.Now()
	expires := start.Add(30 * 24 * time.Hour).UTC().Truncate(24 * time.Hour)
	d := newDecisions(env)
	keep := func(by contract.Actor, sponsor string, exp time.Time) contract.SweepDecision {
		return contract.SweepDecision{Actor: by, Decision: contract.SweepKeep, Sponsor: sponsor, Expires: exp}
	}
	env.RegisterDelayedCallback(func() {
		d.send("stranger", contract.SweepDecision{Actor: pressBy("E0077"), Decision: contract.SweepKeep})
		d.send("former employee", contract.SweepDecision{Actor: pressBy("E0042"), Decision: contract.SweepDisable})
		d.send("slack id not the owner's", contract.SweepDecision{Actor: contract.Actor{EmployeeID: "E0007", SlackUserID: "U999", Via: "slack"}, Decision: contract.SweepKeep})
		d.send("owner press", contract.SweepDecision{Actor: pressBy("E0007"), Decision: contract.SweepKeep})
		d.send("wrong decision", contract.SweepDecision{Actor: pressBy("E0007"), Decision: contract.SweepRemove})
		d.send("no actor", contract.SweepDecision{Decision: contract.SweepKeep})
		d.send("no expiry", keep(pressBy("E0007"), "E0002", time.Time{}))
		d.send("past", keep(pressBy("E0007"), "E0002", start.Add(-time.Hour)))
		d.send("too long", keep(pressBy("E0007"), "E0002", start.Add(91*24*time.Hour)))
		d.send("sponsor is the leaver", keep(pressBy("E0007"), "E0042", expires))
		d.send("ok", keep(pressBy("E0007"), "E0002", expires))
	}, time.Hour)
	o := contract.SweepOrphan{Key: "k", Directory: "okta", AccountID: "00u1", EmployeeID: "E0042", Reason: contract.OrphanTerminatedEnabled, Enabled: true}
	env.ExecuteWorkflow(workflows.OrphanAccountWorkflow, contract.OrphanInput{Date: "2026-12-02", Orphan: o, Policy: sweepPolicy})
	require.NoError(t, env.GetWorkflowError())

	for _, n := range []string{"stranger", "former employee", "slack id not the owner's"} {
		assert.Equal(t, contract.SweepRefused, d.results[n].Result, n)
	}
	assert.Equal(t, "the finding is about your own account", d.results["former employee"].Message)
	assert.Equal(t, contract.SweepForm, d.results["owner press"].Result, "the owner's press opens the form")
	assert.True(t, d.results["owner press"].MaxExpires.Equal(start.Add(time.Hour+sweepPolicy.MaxKeep)), "the form says the latest expiry")
	field := func(name string) string {
		var app *temporal.ApplicationError
		require.ErrorAs(t, d.rejected[name], &app, name)
		var f string
		if app.HasDetails() {
			require.NoError(t, app.Details(&f))
		}
		return f
	}
	assert.Equal(t, "", field("wrong decision"))
	assert.Equal(t, "", field("no actor"))
	assert.Equal(t, contract.SweepFieldExpires, field("no expiry"))
	assert.Equal(t, contract.SweepFieldExpires, field("past"))
	assert.Equal(t, contract.SweepFieldExpires, field("too long"))
	assert.Equal(t, contract.SweepFieldSponsor, field("sponsor is the leaver"))
	assert.Equal(t, contract.SweepAccepted, d.results["ok"].Result)

	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, "kept", out.Outcome)
	require.NotNil(t, out.Decision)
	assert.Equal(t, "E0002", out.Decision.Sponsor)
	assert.True(t, out.Decision.Expires.Equal(expires))
	assert.Equal(t, "E0007", out.Decision.Actor.EmployeeID)
	require.Len(t, out.Refusals, 3, "each refusal is in the result")
	assert.Equal(t, "E0077", out.Refusals[0].Actor.EmployeeID)
	assert.Contains(t, out.Refusals[0].Refused, "only E0007 may decide")
	assert.Empty(t, s.disabled)

	var events []string
	for _, e := range s.decisions {
		events = append(events, e.Event+":"+e.By)
	}
	assert.ElementsMatch(t, []string{"refused:E0077", "refused:E0042", "refused:E0007", "kept:E0007"}, events, "refusals and the keep are evidence lines")
	require.NotEmpty(t, s.notices)
	first := s.notices[0]
	assert.Equal(t, "E0007", first.DM, "the owner's DM")
	assert.Equal(t, "#security", first.Channel, "and the security channel's copy")
	assert.Equal(t, []string{"E0007"}, first.Deciders, "the former employee is never a decider")
	assert.Equal(t, []contract.SweepButton{{Decision: "keep", Label: "Keep…"}, {Decision: "disable", Label: "Disable now", Danger: true}}, first.Buttons)
	last := s.notices[len(s.notices)-1]
	assert.Contains(t, last.Outcome, "Kept until", "the buttons come off, saying what became of it")
}

func TestOrphanDisableNowBySecurityApprover(t *testing.T) {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	s := newSweepStubs(env)
	start := env.Now()
	d := newDecisions(env)
	env.RegisterDelayedCallback(func() {
		d.send("disable", contract.SweepDecision{Actor: pressBy("E0009"), Decision: contract.SweepDisable})
	}, time.Hour)
	p := sweepPolicy
	p.SecurityApprovers, p.DeleteAfter = []string{"E0009"}, 0
	o := contract.SweepOrphan{Key: "k", Directory: "okta", AccountID: "00u1", Reason: contract.OrphanNoHROwner, Enabled: true}
	env.ExecuteWorkflow(workflows.OrphanAccountWorkflow, contract.OrphanInput{Date: "2026-12-02", Orphan: o, Policy: p})
	require.NoError(t, env.GetWorkflowError())
	assert.Equal(t, contract.SweepAccepted, d.results["disable"].Result)
	require.Len(t, s.disabled, 1)
	assert.True(t, s.at[contract.DisableOrphanAccount.Name].Before(start.Add(2*time.Hour)), "at once, not after the grace")
	var out contract.SweepOutcome
	require.NoError(t, env.GetWorkflowResult(&out))
	assert.Equal(t, "disabled", out.Outcome)
	require.Len(t, s.decisions, 1)
	assert.Equal(t, "disabled:E0009", s.decisions[0].Event+":"+s.decisions[0].By)
}

// An unknown admin: only security approvers decide; Acknowledge needs a
// reason; Remove removes the assignment and reads it back; a group gets
// no Remove button.
func TestUnknownAdminDecidedInSlack(t *testing.T) {
	p := sweepPolicy
	p.SecurityApprovers = []string{"E0009"}
	h := contract.SweepHolder{Key: "k", Directory: "entra", Role: "Global Reader", PrincipalID: "sp1", Kind: "service_principal", Class: contract.SweepUnknown}
	run := func(t *testing.T, h contract.SweepHolder, send func(d *decisions)) (*sweepStubs, *decisions, contract.SweepOutcome) {
		var ts sdktest.WorkflowTestSuite
		env := ts.NewTestWorkflowEnvironment()
		s := newSweepStubs(env)
		d := newDecisions(env)
		env.RegisterDelayedCallback(func() { send(d) }, time.Hour)
		env.ExecuteWorkflow(workflows.UnknownAdminWorkflow, contract.StandingAdminInput{Date: "2026-12-02", Holder: h, Policy: p})
		require.NoError(t, env.GetWorkflowError())
		var out contract.SweepOutcome
		require.NoError(t, env.GetWorkflowResult(&out))
		return s, d, out
	}
	t.Run("acknowledge", func(t *testing.T) {
		s, d, out := run(t, h, func(d *decisions) {
			d.send("owner of okta", contract.SweepDecision{Actor: pressBy("E0007"), Decision: contract.SweepAcknowledge})
			d.send("press", contract.SweepDecision{Actor: pressBy("E0009"), Decision: contract.SweepAcknowledge})
			d.send("keep", contract.SweepDecision{Actor: pressBy("E0009"), Decision: contract.SweepKeep})
			d.send("ack", contract.SweepDecision{Actor: pressBy("E0009"), Decision: contract.SweepAcknowledge, Reason: "finance BI export, owned by IT"})
		})
		assert.Equal(t, contract.SweepRefused, d.results["owner of okta"].Result, "a directory owner is not a security approver")
		assert.Equal(t, contract.SweepForm, d.results["press"].Result)
		assert.Error(t, d.rejected["keep"], "an unknown admin takes no keep")
		assert.Equal(t, "acknowledged", out.Outcome)
		require.NotNil(t, out.Decision)
		assert.Equal(t, "finance BI export, owned by IT", out.Decision.Reason)
		assert.Len(t, out.Refusals, 1)
		assert.Empty(t, s.revoked)
		assert.Equal(t, []contract.SweepButton{{Decision: "acknowledge", Label: "Acknowledge"}, {Decision: "remove", Label: "Remove", Danger: true}}, s.notices[0].Buttons)
		assert.Equal(t, []string{"E0009"}, s.notices[0].Deciders)
	})
	t.Run("remove", func(t *testing.T) {
		s, d, out := run(t, h, func(d *decisions) {
			d.send("remove", contract.SweepDecision{Actor: pressBy("E0009"), Decision: contract.SweepRemove})
		})
		assert.Equal(t, contract.SweepAccepted, d.results["remove"].Result)
		require.Len(t, s.revoked, 1)
		assert.Equal(t, contract.AdminRoleInput{Directory: "entra", AccountID: "sp1", Role: "Global Reader"}, s.revoked[0])
		assert.False(t, s.at[contract.VerifyAdminRoleRevoked.Name].IsZero(), "read back")
		assert.Equal(t, "removed", out.Outcome)
		require.Len(t, s.decisions, 1)
		assert.Equal(t, "removed", s.decisions[0].Event)
	})
	t.Run("a group gets no Remove", func(t *testing.T) {
		g := h
		g.Kind = "group"
		s, _, out := run(t, g, func(d *decisions) {})
		assert.Equal(t, "sla_breached", out.Outcome)
		assert.Equal(t, []contract.SweepButton{{Decision: "acknowledge", Label: "Acknowledge"}}, s.notices[0].Buttons)
	})
}

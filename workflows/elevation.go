package workflows

import (
	"fmt"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// maxRefusals bounds the refused attempts one request records: past it the
// validator rejects further attempts, so a pressing loop cannot grow the
// history without end.
const maxRefusals = 20

// elevation is the Elevation workflow's state and handlers.
type elevation struct {
	in    contract.ElevationInput
	st    contract.ElevationState
	title string

	refusals int
	// decided is set by approve/deny; revoke and extend by their updates,
	// consumed by the grant loop.
	decided      string
	decidedBy    contract.Actor
	revokeBy     *contract.Actor
	extendTo     time.Time
	extendQueued bool
}

// ElevationWorkflow is one just-in-time admin elevation request: approval
// by the right person in Slack (signed callbacks become updates), device
// and MFA gates, a grant bounded in time and a revoke on a durable timer.
// Every step, refused attempts included, is in the state query. The phases
// are approve, gate, grant, hold and revoke; each returns false when the
// request ends there.
func ElevationWorkflow(ctx workflow.Context, in contract.ElevationInput) (contract.ElevationState, error) {
	p := in.Policy
	e := &elevation{in: in, title: "Elevation request"}
	e.st = contract.ElevationState{
		RequestID: in.RequestID, RequesterEmployeeID: in.RequesterEmployeeID, RoleName: in.RoleName,
		Directory: p.Directory, Role: p.Role, Duration: in.Duration, Justification: in.Justification,
		RequestedAt: workflow.Now(ctx), ApproverEmployeeID: in.ApproverEmployeeID, ApproverRule: p.Approver,
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.ElevationState, error) { return e.st, nil }); err != nil {
		return e.st, err
	}
	if err := e.validate(); err != nil {
		e.st.Status, e.st.Reason = domain.ElevationFailed, err.Error()
		e.upsert(ctx, domain.ElevationFailed)
		return e.st, temporal.NewNonRetryableApplicationError(err.Error(), string(domain.ErrBadInput), nil)
	}
	if e.st.Duration <= 0 {
		e.st.Duration = p.DefaultDuration
	}
	if err := e.handlers(ctx); err != nil {
		return e.st, err
	}
	for _, phase := range []func(workflow.Context) (bool, error){e.approve, e.gate, e.grant} {
		if next, err := phase(ctx); err != nil || !next {
			return e.st, err
		}
	}
	reason, err := e.hold(ctx)
	if err != nil {
		return e.st, err
	}
	e.revoke(ctx, reason)
	return e.st, nil
}

// approve DMs the approver the request with buttons and waits, on a
// durable timer, for approve or deny.
func (e *elevation) approve(ctx workflow.Context) (bool, error) {
	in, p := e.in, e.in.Policy
	e.upsert(ctx, domain.ElevationPending)
	e.st.ApprovalDeadline = workflow.Now(ctx).Add(p.ApprovalTimeout)
	msg, err := contract.PostApproval.Execute(ctx, "ask approver "+in.ApproverEmployeeID+" · slack", contract.PostApprovalInput{
		ApproverEmployeeID: in.ApproverEmployeeID, ApproverEmail: in.ApproverEmail, RequesterEmail: in.RequesterEmail,
		Directories: p.Directories, Title: e.title, Fields: e.fields(),
		ApproveValue: contract.ElevationButtonValue(in.RequestID, contract.ElevationButtonApprove), DenyValue: contract.ElevationButtonValue(in.RequestID, contract.ElevationButtonDeny),
	})
	e.st.ApprovalMessage = msg
	if err != nil {
		// An operator can still decide with the approve/deny update.
		e.st.ApprovalMessage.Detail = "not delivered: " + failureMessage(err)
	}
	decided, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: p.ApprovalTimeout, TimerOptions: workflow.TimerOptions{Summary: "approval timeout"}}, func() bool { return e.decided != "" })
	if err != nil {
		return false, err
	}
	if !decided {
		e.st.Reason = fmt.Sprintf("no decision within %s", p.ApprovalTimeout)
		e.finish(ctx, domain.ElevationExpired, "Expired: "+e.st.Reason+".",
			fmt.Sprintf("Your elevation request %s for %s expired: %s.", in.RequestID, in.RoleName, e.st.Reason))
		return false, nil
	}
	if e.decided == contract.UpdateDeny {
		e.st.Reason = "denied by " + e.decidedBy.Who()
		e.finish(ctx, domain.ElevationDenied, fmt.Sprintf("Denied by %s.", e.decidedBy.Who()),
			fmt.Sprintf("Your elevation request %s for %s was denied by %s.", in.RequestID, in.RoleName, e.decidedBy.Who()))
		return false, nil
	}
	return true, nil
}

// gate checks the requester's device and MFA once approved.
func (e *elevation) gate(ctx workflow.Context) (bool, error) {
	in, p := e.in, e.in.Policy
	e.upsert(ctx, domain.ElevationGranting)
	gates, err := contract.CheckGates.Execute(ctx, "check device and MFA · "+p.Directory, contract.CheckGatesInput{
		EmployeeID: in.RequesterEmployeeID, Directory: p.Directory, Directories: p.Directories,
		RequireCompliantDevice: p.RequireCompliantDevice, RequireMFA: p.RequireMFA,
	})
	if err != nil {
		return false, e.fail(ctx, "gate check failed: "+failureMessage(err))
	}
	e.st.Gates = &gates
	if !gates.Passed() {
		e.st.Reason = "gate failed: " + gateReason(gates)
		e.finish(ctx, domain.ElevationDenied, fmt.Sprintf("Approved by %s, but not granted: %s.", e.decidedBy.Who(), gateReason(gates)),
			fmt.Sprintf("Your elevation request %s for %s was approved but not granted: %s.", in.RequestID, in.RoleName, gateReason(gates)))
		return false, nil
	}
	return true, nil
}

// grant finds the requester's account and grants the role until the end
// of the duration.
func (e *elevation) grant(ctx workflow.Context) (bool, error) {
	in, p := e.in, e.in.Policy
	acct, err := contract.LookupAccount.Execute(ctx, "lookup account · "+p.Directory, contract.LookupAccountInput{Directory: p.Directory, EmployeeID: in.RequesterEmployeeID})
	if err != nil {
		return false, e.fail(ctx, "account lookup failed: "+failureMessage(err))
	}
	if !acct.Found {
		return false, e.fail(ctx, fmt.Sprintf("requester has no account in %s", p.Directory))
	}
	e.st.AccountID = acct.AccountID
	until := workflow.Now(ctx).Add(e.st.Duration)
	grant, err := contract.GrantAdminRole.Execute(ctx, e.roleSummary("grant"), e.roleInput(until))
	if err != nil {
		return false, e.fail(ctx, "grant failed: "+failureMessage(err))
	}
	e.st.GrantOutcome, e.st.GrantedAt, e.st.GrantedUntil = grant.Outcome, workflow.Now(ctx), until
	e.upsert(ctx, domain.ElevationActive)
	e.updateMessage(ctx, fmt.Sprintf("Approved by %s. Granted until %s.", e.decidedBy.Who(), until.UTC().Format(time.RFC3339)))
	e.tell(ctx, fmt.Sprintf("Your elevation request %s is granted: %s in %s until %s.", in.RequestID, p.Role, p.Directory, until.UTC().Format(time.RFC3339)))
	return true, nil
}

// hold keeps the grant until its end: a durable timer moved by extend and
// cut by revoke. It returns why the grant ends.
func (e *elevation) hold(ctx workflow.Context) (string, error) {
	for {
		left := e.st.GrantedUntil.Sub(workflow.Now(ctx))
		woke, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: left, TimerOptions: workflow.TimerOptions{Summary: "grant expiry"}}, func() bool { return e.revokeBy != nil || e.extendQueued })
		if err != nil {
			return "", err
		}
		if !woke {
			return "expiry", nil
		}
		if e.revokeBy != nil {
			return "early, by " + e.revokeBy.Who(), nil
		}
		// Extend: tell the directory the new end (a PIM grant expires by itself).
		e.extendQueued = false
		out, err := contract.GrantAdminRole.Execute(ctx, e.roleSummary("extend"), e.roleInput(e.extendTo))
		if err != nil {
			workflow.GetLogger(ctx).Warn("extension not applied in the directory", "request_id", e.in.RequestID, "error", failureMessage(err))
			e.st.Reason = "extension not applied in the directory: " + failureMessage(err)
			continue
		}
		e.st.GrantedUntil, e.st.GrantOutcome = e.extendTo, out.Outcome
	}
}

// revoke removes the role (idempotent), then reads back that it is gone.
// A failed revoke is never silent: the security channel is alerted.
func (e *elevation) revoke(ctx workflow.Context, reason string) {
	in, p := e.in, e.in.Policy
	e.upsert(ctx, domain.ElevationRevoked)
	rev, err := contract.RevokeAdminRole.Execute(ctx, e.roleSummary("revoke"), e.roleInput(time.Time{}))
	if err != nil {
		e.st.Reason = "revoke failed: " + failureMessage(err)
		e.alert(ctx, fmt.Sprintf("jml elevation %s: revoking %s of employee %s in %s failed: %s", in.RequestID, p.Role, in.RequesterEmployeeID, p.Directory, failureMessage(err)))
		e.upsert(ctx, domain.ElevationFailed)
		return
	}
	e.st.RevokedAt, e.st.RevokeReason, e.st.RevokeOutcome = workflow.Now(ctx), reason, rev.Outcome
	if _, err := contract.VerifyAdminRoleRevoked.Execute(ctx, e.roleSummary("verify revoked"), e.roleInput(time.Time{})); err != nil {
		e.st.Reason = "revoke not verified: " + failureMessage(err)
		e.alert(ctx, fmt.Sprintf("jml elevation %s: %s of employee %s in %s still listed after the revoke", in.RequestID, p.Role, in.RequesterEmployeeID, p.Directory))
	} else {
		e.st.RevokeVerified = true
	}
	e.updateMessage(ctx, fmt.Sprintf("Approved by %s. Granted until %s. Revoked at %s (%s).", e.decidedBy.Who(),
		e.st.GrantedUntil.UTC().Format(time.RFC3339), e.st.RevokedAt.UTC().Format(time.RFC3339), reason))
	e.tell(ctx, fmt.Sprintf("Your elevation %s (%s in %s) has ended (%s).", in.RequestID, p.Role, p.Directory, reason))
}

// roleSummary names a role step for the UI: "grant role User Administrator · entra".
func (e *elevation) roleSummary(step string) string {
	return summary(step+" role", e.in.Policy.Role, e.in.Policy.Directory)
}

func (e *elevation) validate() error {
	in, p := e.in, e.in.Policy
	switch {
	case in.RequestID == "" || strings.ContainsAny(in.RequestID, "@ /:"):
		return fmt.Errorf("request id %q must be an opaque id", in.RequestID)
	case in.RequesterEmployeeID == "":
		return fmt.Errorf("requester employee id is required")
	case in.ApproverEmployeeID == "":
		return fmt.Errorf("no approver for %s (rule %q)", in.RoleName, p.Approver)
	case in.ApproverEmployeeID == in.RequesterEmployeeID:
		return fmt.Errorf("the requester cannot approve their own elevation")
	case p.Directory == "" || p.Role == "":
		return fmt.Errorf("role %q has no directory role", in.RoleName)
	case p.MaxDuration <= 0 || p.ApprovalTimeout <= 0:
		return fmt.Errorf("role %q has no max duration or approval timeout", in.RoleName)
	case in.Duration < 0:
		return fmt.Errorf("duration %s is negative", in.Duration)
	case in.Duration > p.MaxDuration:
		return fmt.Errorf("duration %s is longer than the maximum %s of %s", in.Duration, p.MaxDuration, in.RoleName)
	case in.Duration == 0 && p.DefaultDuration > p.MaxDuration:
		return fmt.Errorf("default duration %s is longer than the maximum %s of %s", p.DefaultDuration, p.MaxDuration, in.RoleName)
	}
	return nil
}

// handlers: approve and deny by the approver; revoke by the requester or
// the approver; extend by the approver within the role's maximum.
//
// An attempt by anyone else is ACCEPTED and answered "refused": a
// validator's rejection leaves no trace in the history, and an auditor
// needs to see who tried. The validators reject only what is not a
// decision at all (no actor, nothing to decide, the refusal cap).
func (e *elevation) handlers(ctx workflow.Context) error {
	for _, action := range []string{contract.UpdateApprove, contract.UpdateDeny, contract.UpdateRevoke, contract.UpdateExtend} {
		action := action
		err := workflow.SetUpdateHandlerWithOptions(ctx, action,
			func(ctx workflow.Context, d contract.ElevationDecision) (contract.ElevationDecisionResult, error) {
				if err := e.validateDecision(action, d); err != nil {
					return contract.ElevationDecisionResult{}, err // same task as an accepted one: no replay
				}
				return e.decide(ctx, action, d), nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d contract.ElevationDecision) error {
				return e.validateDecision(action, d)
			}},
		)
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *elevation) validateDecision(action string, d contract.ElevationDecision) error {
	if d.Actor.EmployeeID == "" && d.Actor.SlackUserID == "" {
		return fmt.Errorf("actor is required: who decides is recorded")
	}
	if e.refusals >= maxRefusals {
		return fmt.Errorf("too many refused attempts on this request")
	}
	switch action {
	case contract.UpdateApprove, contract.UpdateDeny:
		if e.st.Status != domain.ElevationPending || e.decided != "" {
			return fmt.Errorf("request is not waiting for approval (status %s)", e.st.Status)
		}
	case contract.UpdateRevoke:
		if e.st.Status != domain.ElevationActive || e.revokeBy != nil {
			return fmt.Errorf("no active grant to revoke (status %s)", e.st.Status)
		}
	case contract.UpdateExtend:
		if e.st.Status != domain.ElevationActive || e.revokeBy != nil {
			return fmt.Errorf("no active grant to extend (status %s)", e.st.Status)
		}
		if d.Extend <= 0 {
			return fmt.Errorf("extend must be a positive duration")
		}
	}
	return nil
}

func (e *elevation) decide(ctx workflow.Context, action string, d contract.ElevationDecision) contract.ElevationDecisionResult {
	now := workflow.Now(ctx)
	rec := contract.ElevationDecisionRecord{Action: action, Actor: d.Actor, Reason: d.Reason, At: now, Result: domain.DecisionAccepted}
	refuse := func(why string) contract.ElevationDecisionResult {
		rec.Result, rec.Reason = domain.DecisionRefused, why
		e.st.Decisions = append(e.st.Decisions, rec)
		e.refusals++
		workflow.GetLogger(ctx).Warn("elevation decision refused", "request_id", e.in.RequestID, "action", action, "actor", d.Actor.Who())
		return contract.ElevationDecisionResult{Result: domain.DecisionRefused, Message: why, Status: e.st.Status}
	}
	parties := ElevationParties{RequesterEmployeeID: e.in.RequesterEmployeeID, ApproverEmployeeID: e.in.ApproverEmployeeID,
		RequesterSlackUserID: e.st.ApprovalMessage.RequesterSlackUserID, ApproverSlackUserID: e.st.ApprovalMessage.ApproverSlackUserID}
	isApprover, isRequester := parties.IsApprover(d.Actor), parties.IsRequester(d.Actor)
	switch action {
	case contract.UpdateApprove, contract.UpdateDeny:
		if !isApprover {
			return refuse(fmt.Sprintf("only the approver (%s, rule %q) may %s this request", e.in.ApproverEmployeeID, e.in.Policy.Approver, action))
		}
		e.decided, e.decidedBy = action, d.Actor
	case contract.UpdateRevoke:
		if !isApprover && !isRequester {
			return refuse("only the requester or the approver may revoke this elevation")
		}
		a := d.Actor
		e.revokeBy = &a
	case contract.UpdateExtend:
		if !isApprover {
			return refuse("only the approver may extend this elevation")
		}
		until := e.st.GrantedUntil.Add(time.Duration(d.Extend))
		if until.Sub(e.st.GrantedAt) > e.in.Policy.MaxDuration {
			return refuse(fmt.Sprintf("extending by %s would make %s in total, beyond the maximum %s of %s",
				time.Duration(d.Extend), until.Sub(e.st.GrantedAt).Round(time.Second), e.in.Policy.MaxDuration, e.in.RoleName))
		}
		rec.Until = until
		e.extendTo, e.extendQueued = until, true
		e.st.Decisions = append(e.st.Decisions, rec)
		return contract.ElevationDecisionResult{Result: domain.DecisionAccepted, Message: "extended until " + until.UTC().Format(time.RFC3339), Status: e.st.Status, Until: until}
	}
	e.st.Decisions = append(e.st.Decisions, rec)
	return contract.ElevationDecisionResult{Result: domain.DecisionAccepted, Message: action + " recorded", Status: e.st.Status}
}

func (e *elevation) fields() []contract.MessageField {
	return []contract.MessageField{
		{Label: "Requester", Value: e.in.RequesterEmployeeID},
		{Label: "Role", Value: fmt.Sprintf("%s (%s in %s)", e.in.RoleName, e.in.Policy.Role, e.in.Policy.Directory)},
		{Label: "Duration", Value: e.st.Duration.String()},
		{Label: "Justification", Value: e.in.Justification},
		{Label: "Request", Value: e.in.RequestID},
	}
}

func (e *elevation) roleInput(until time.Time) contract.AdminRoleInput {
	return contract.AdminRoleInput{Directory: e.in.Policy.Directory, AccountID: e.st.AccountID, EmployeeID: e.in.RequesterEmployeeID, Role: e.in.Policy.Role, Until: until}
}

func (e *elevation) upsert(ctx workflow.Context, status domain.ElevationStatus) {
	e.st.Status = status
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		contract.EmployeeIDKey.ValueSet(e.in.RequesterEmployeeID),
		contract.ElevationRoleKey.ValueSet(e.in.RoleName),
		contract.ElevationStatusKey.ValueSet(string(status)),
	); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "request_id", e.in.RequestID, "error", err.Error())
	}
}

// finish ends a request that was never granted: status, the Slack message
// and the requester told.
func (e *elevation) finish(ctx workflow.Context, status domain.ElevationStatus, outcome, text string) {
	e.upsert(ctx, status)
	e.updateMessage(ctx, outcome)
	e.tell(ctx, text)
}

// fail ends a request whose grant could not be made. The workflow itself
// completes: the failure is in its state, and the security channel is told.
func (e *elevation) fail(ctx workflow.Context, why string) error {
	e.st.Reason = why
	e.finish(ctx, domain.ElevationFailed, fmt.Sprintf("Approved by %s, but the grant failed.", e.decidedBy.Who()),
		fmt.Sprintf("Your elevation request %s was approved but could not be granted.", e.in.RequestID))
	e.alert(ctx, fmt.Sprintf("jml elevation %s for employee %s: %s", e.in.RequestID, e.in.RequesterEmployeeID, why))
	return nil
}

func (e *elevation) updateMessage(ctx workflow.Context, outcome string) {
	m := e.st.ApprovalMessage
	if !m.Delivered || m.TS == "" {
		return
	}
	in := contract.UpdateApprovalInput{Channel: m.Channel, TS: m.TS, Title: e.title, Fields: e.fields(), Outcome: outcome}
	if _, err := contract.UpdateApprovalMessage.Execute(ctx, "update approval · slack", in); err != nil {
		workflow.GetLogger(ctx).Warn("approval message not updated", "request_id", e.in.RequestID, "error", err.Error())
	}
}

// changeNotifyEmployee guards (workflow.GetVersion) the requester's DM
// moving from the NotifyManager activity, which it once borrowed, to its
// own NotifyEmployee. Runs that told the requester before keep scheduling
// NotifyManager on replay.
const changeNotifyEmployee = "notify-employee-activity"

// tell DMs the requester.
func (e *elevation) tell(ctx workflow.Context, text string) {
	sum := "tell requester " + e.in.RequesterEmployeeID + " · slack"
	var err error
	if workflow.GetVersion(ctx, changeNotifyEmployee, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		_, err = contract.NotifyManager.Execute(ctx, sum, contract.NotifyManagerInput{ManagerEmployeeID: e.in.RequesterEmployeeID, Directories: e.in.Policy.Directories, Text: text})
	} else {
		_, err = contract.NotifyEmployee.Execute(ctx, sum, contract.NotifyEmployeeInput{EmployeeID: e.in.RequesterEmployeeID, Directories: e.in.Policy.Directories, Text: text})
	}
	if err != nil {
		workflow.GetLogger(ctx).Warn("requester not told", "request_id", e.in.RequestID, "error", err.Error())
	}
}

func (e *elevation) alert(ctx workflow.Context, text string) {
	alertSecurity(ctx, e.in.Policy.SecurityChannel, e.in.RequesterEmployeeID, text)
}

func gateReason(g contract.GatesOutput) string {
	var why []string
	if g.Device.Required && !g.Device.Passed {
		why = append(why, "no compliant device ("+g.Device.Detail+")")
	}
	if g.MFA.Required && !g.MFA.Passed {
		why = append(why, "MFA not enrolled ("+g.MFA.Detail+")")
	}
	return strings.Join(why, "; ")
}

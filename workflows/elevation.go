package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// maxRefusals bounds the refused attempts one request records: past it the
// validator rejects further attempts, so a pressing loop cannot grow the
// history without end.
const maxRefusals = 20

// elevation is the Elevation workflow's state and handlers.
type elevation struct {
	in    ElevationInput
	st    ElevationState
	title string

	refusals int
	// decided is set by approve/deny; revoke and extend by their updates,
	// consumed by the grant loop.
	decided      string
	decidedBy    Actor
	revokeBy     *Actor
	extendTo     time.Time
	extendQueued bool
}

// ElevationWorkflow is one just-in-time admin elevation request: approval
// by the right person in Slack (signed callbacks become updates), device
// and MFA gates, a grant bounded in time and a revoke on a durable timer.
// Every step, refused attempts included, is in the state query.
func ElevationWorkflow(ctx workflow.Context, in ElevationInput) (ElevationState, error) {
	p := in.Policy
	e := &elevation{in: in, title: "Elevation request"}
	e.st = ElevationState{
		RequestID: in.RequestID, RequesterEmployeeID: in.RequesterEmployeeID, RoleName: in.RoleName,
		Directory: p.Directory, Role: p.Role, Duration: in.Duration, Justification: in.Justification,
		RequestedAt: workflow.Now(ctx), ApproverEmployeeID: in.ApproverEmployeeID, ApproverRule: p.Approver,
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (ElevationState, error) { return e.st, nil }); err != nil {
		return e.st, err
	}
	if err := e.validate(); err != nil {
		e.st.Status, e.st.Reason = ElevationFailed, err.Error()
		e.upsert(ctx, ElevationFailed)
		return e.st, temporal.NewNonRetryableApplicationError(err.Error(), ErrBadInput, nil)
	}
	if e.st.Duration <= 0 {
		e.st.Duration = p.DefaultDuration
	}
	if err := e.handlers(ctx); err != nil {
		return e.st, err
	}
	e.upsert(ctx, ElevationPending)

	// The approval: a DM to the approver with buttons, and a durable timer.
	e.st.ApprovalDeadline = workflow.Now(ctx).Add(p.ApprovalTimeout)
	nctx := workflow.WithActivityOptions(ctx, notifyOptions())
	if err := workflow.ExecuteActivity(nctx, ActPostApproval, PostApprovalInput{
		ApproverEmployeeID: in.ApproverEmployeeID, ApproverEmail: in.ApproverEmail, RequesterEmail: in.RequesterEmail,
		Directories: p.Directories, Title: e.title, Fields: e.fields(),
		ApproveValue: ElevationButtonValue(in.RequestID, ElevationButtonApprove), DenyValue: ElevationButtonValue(in.RequestID, ElevationButtonDeny),
	}).Get(nctx, &e.st.ApprovalMessage); err != nil {
		// An operator can still decide with the approve/deny update.
		e.st.ApprovalMessage.Detail = "not delivered: " + failureMessage(err)
	}
	decided, err := workflow.AwaitWithTimeout(ctx, p.ApprovalTimeout, func() bool { return e.decided != "" })
	if err != nil {
		return e.st, err
	}
	if !decided {
		e.st.Reason = fmt.Sprintf("no decision within %s", p.ApprovalTimeout)
		e.finish(ctx, ElevationExpired, "Expired: "+e.st.Reason+".",
			fmt.Sprintf("Your elevation request %s for %s expired: %s.", in.RequestID, in.RoleName, e.st.Reason))
		return e.st, nil
	}
	if e.decided == UpdateDeny {
		e.st.Reason = "denied by " + e.decidedBy.Who()
		e.finish(ctx, ElevationDenied, fmt.Sprintf("Denied by %s.", e.decidedBy.Who()),
			fmt.Sprintf("Your elevation request %s for %s was denied by %s.", in.RequestID, in.RoleName, e.decidedBy.Who()))
		return e.st, nil
	}

	// Approved: the gates, then the grant.
	e.upsert(ctx, ElevationGranting)
	dctx := workflow.WithActivityOptions(ctx, directoryOptions(false))
	var gates GatesOutput
	if err := workflow.ExecuteActivity(dctx, ActCheckGates, CheckGatesInput{
		EmployeeID: in.RequesterEmployeeID, Directory: p.Directory, Directories: p.Directories,
		RequireCompliantDevice: p.RequireCompliantDevice, RequireMFA: p.RequireMFA,
	}).Get(dctx, &gates); err != nil {
		return e.fail(ctx, "gate check failed: "+failureMessage(err))
	}
	e.st.Gates = &gates
	if !gates.Passed() {
		e.st.Reason = "gate failed: " + gateReason(gates)
		e.finish(ctx, ElevationDenied, fmt.Sprintf("Approved by %s, but not granted: %s.", e.decidedBy.Who(), gateReason(gates)),
			fmt.Sprintf("Your elevation request %s for %s was approved but not granted: %s.", in.RequestID, in.RoleName, gateReason(gates)))
		return e.st, nil
	}
	var acct AccountOutput
	if err := workflow.ExecuteActivity(dctx, ActLookupAccount, LookupAccountInput{Directory: p.Directory, EmployeeID: in.RequesterEmployeeID}).Get(dctx, &acct); err != nil {
		return e.fail(ctx, "account lookup failed: "+failureMessage(err))
	}
	if !acct.Found {
		return e.fail(ctx, fmt.Sprintf("requester has no account in %s", p.Directory))
	}
	e.st.AccountID = acct.AccountID
	until := workflow.Now(ctx).Add(e.st.Duration)
	var grant AdminRoleOutput
	if err := workflow.ExecuteActivity(dctx, ActGrantAdminRole, e.roleInput(until)).Get(dctx, &grant); err != nil {
		return e.fail(ctx, "grant failed: "+failureMessage(err))
	}
	e.st.GrantOutcome, e.st.GrantedAt, e.st.GrantedUntil = grant.Outcome, workflow.Now(ctx), until
	e.upsert(ctx, ElevationActive)
	e.updateMessage(ctx, fmt.Sprintf("Approved by %s. Granted until %s.", e.decidedBy.Who(), until.UTC().Format(time.RFC3339)))
	e.tell(ctx, fmt.Sprintf("Your elevation request %s is granted: %s in %s until %s.", in.RequestID, p.Role, p.Directory, until.UTC().Format(time.RFC3339)))

	// Active: a durable timer to the end, moved by extend, cut by revoke.
	reason := "expiry"
	for {
		left := e.st.GrantedUntil.Sub(workflow.Now(ctx))
		woke, err := workflow.AwaitWithTimeout(ctx, left, func() bool { return e.revokeBy != nil || e.extendQueued })
		if err != nil {
			return e.st, err
		}
		if !woke {
			break
		}
		if e.revokeBy != nil {
			reason = "early, by " + e.revokeBy.Who()
			break
		}
		// Extend: tell the directory the new end (a PIM grant expires by itself).
		e.extendQueued = false
		var out AdminRoleOutput
		if err := workflow.ExecuteActivity(dctx, ActGrantAdminRole, e.roleInput(e.extendTo)).Get(dctx, &out); err != nil {
			workflow.GetLogger(ctx).Warn("extension not applied in the directory", "RequestID", in.RequestID, "Error", failureMessage(err))
			e.st.Reason = "extension not applied in the directory: " + failureMessage(err)
			continue
		}
		e.st.GrantedUntil, e.st.GrantOutcome = e.extendTo, out.Outcome
	}

	// Revoke (idempotent), then read back that the role is gone.
	e.upsert(ctx, ElevationRevoked)
	var rev AdminRoleOutput
	if err := workflow.ExecuteActivity(dctx, ActRevokeAdminRole, e.roleInput(time.Time{})).Get(dctx, &rev); err != nil {
		// Never leave a grant in place silently: alert and keep the status.
		e.st.Reason = "revoke failed: " + failureMessage(err)
		e.alert(ctx, fmt.Sprintf("jml elevation %s: revoking %s of employee %s in %s failed: %s", in.RequestID, p.Role, in.RequesterEmployeeID, p.Directory, failureMessage(err)))
		e.upsert(ctx, ElevationFailed)
		return e.st, nil
	}
	e.st.RevokedAt, e.st.RevokeReason, e.st.RevokeOutcome = workflow.Now(ctx), reason, rev.Outcome
	if err := workflow.ExecuteActivity(dctx, ActVerifyRoleRevoked, e.roleInput(time.Time{})).Get(dctx, nil); err != nil {
		e.st.Reason = "revoke not verified: " + failureMessage(err)
		e.alert(ctx, fmt.Sprintf("jml elevation %s: %s of employee %s in %s still listed after the revoke", in.RequestID, p.Role, in.RequesterEmployeeID, p.Directory))
	} else {
		e.st.RevokeVerified = true
	}
	e.updateMessage(ctx, fmt.Sprintf("Approved by %s. Granted until %s. Revoked at %s (%s).", e.decidedBy.Who(),
		e.st.GrantedUntil.UTC().Format(time.RFC3339), e.st.RevokedAt.UTC().Format(time.RFC3339), reason))
	e.tell(ctx, fmt.Sprintf("Your elevation %s (%s in %s) has ended (%s).", in.RequestID, p.Role, p.Directory, reason))
	return e.st, nil
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
	for _, action := range []string{UpdateApprove, UpdateDeny, UpdateRevoke, UpdateExtend} {
		action := action
		err := workflow.SetUpdateHandlerWithOptions(ctx, action,
			func(ctx workflow.Context, d ElevationDecision) (ElevationDecisionResult, error) {
				if err := e.validateDecision(action, d); err != nil {
					return ElevationDecisionResult{}, err // same task as an accepted one: no replay
				}
				return e.decide(ctx, action, d), nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d ElevationDecision) error {
				return e.validateDecision(action, d)
			}},
		)
		if err != nil {
			return err
		}
	}
	return nil
}

func (e *elevation) validateDecision(action string, d ElevationDecision) error {
	if d.Actor.EmployeeID == "" && d.Actor.SlackUserID == "" {
		return fmt.Errorf("actor is required: who decides is recorded")
	}
	if e.refusals >= maxRefusals {
		return fmt.Errorf("too many refused attempts on this request")
	}
	switch action {
	case UpdateApprove, UpdateDeny:
		if e.st.Status != ElevationPending || e.decided != "" {
			return fmt.Errorf("request is not waiting for approval (status %s)", e.st.Status)
		}
	case UpdateRevoke:
		if e.st.Status != ElevationActive || e.revokeBy != nil {
			return fmt.Errorf("no active grant to revoke (status %s)", e.st.Status)
		}
	case UpdateExtend:
		if e.st.Status != ElevationActive || e.revokeBy != nil {
			return fmt.Errorf("no active grant to extend (status %s)", e.st.Status)
		}
		if d.Extend <= 0 {
			return fmt.Errorf("extend must be a positive duration")
		}
	}
	return nil
}

func (e *elevation) decide(ctx workflow.Context, action string, d ElevationDecision) ElevationDecisionResult {
	now := workflow.Now(ctx)
	rec := ElevationDecisionRecord{Action: action, Actor: d.Actor, Reason: d.Reason, At: now, Result: DecisionAccepted}
	refuse := func(why string) ElevationDecisionResult {
		rec.Result, rec.Reason = DecisionRefused, why
		e.st.Decisions = append(e.st.Decisions, rec)
		e.refusals++
		workflow.GetLogger(ctx).Warn("elevation decision refused", "RequestID", e.in.RequestID, "Action", action, "Actor", d.Actor.Who())
		return ElevationDecisionResult{Result: DecisionRefused, Message: why, Status: e.st.Status}
	}
	parties := ElevationParties{RequesterEmployeeID: e.in.RequesterEmployeeID, ApproverEmployeeID: e.in.ApproverEmployeeID,
		RequesterSlackUserID: e.st.ApprovalMessage.RequesterSlackUserID, ApproverSlackUserID: e.st.ApprovalMessage.ApproverSlackUserID}
	isApprover, isRequester := parties.IsApprover(d.Actor), parties.IsRequester(d.Actor)
	switch action {
	case UpdateApprove, UpdateDeny:
		if !isApprover {
			return refuse(fmt.Sprintf("only the approver (%s, rule %q) may %s this request", e.in.ApproverEmployeeID, e.in.Policy.Approver, action))
		}
		e.decided, e.decidedBy = action, d.Actor
	case UpdateRevoke:
		if !isApprover && !isRequester {
			return refuse("only the requester or the approver may revoke this elevation")
		}
		a := d.Actor
		e.revokeBy = &a
	case UpdateExtend:
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
		return ElevationDecisionResult{Result: DecisionAccepted, Message: "extended until " + until.UTC().Format(time.RFC3339), Status: e.st.Status, Until: until}
	}
	e.st.Decisions = append(e.st.Decisions, rec)
	return ElevationDecisionResult{Result: DecisionAccepted, Message: action + " recorded", Status: e.st.Status}
}

func (e *elevation) fields() []MessageField {
	return []MessageField{
		{Label: "Requester", Value: e.in.RequesterEmployeeID},
		{Label: "Role", Value: fmt.Sprintf("%s (%s in %s)", e.in.RoleName, e.in.Policy.Role, e.in.Policy.Directory)},
		{Label: "Duration", Value: e.st.Duration.String()},
		{Label: "Justification", Value: e.in.Justification},
		{Label: "Request", Value: e.in.RequestID},
	}
}

func (e *elevation) roleInput(until time.Time) AdminRoleInput {
	return AdminRoleInput{Directory: e.in.Policy.Directory, AccountID: e.st.AccountID, EmployeeID: e.in.RequesterEmployeeID, Role: e.in.Policy.Role, Until: until}
}

func (e *elevation) upsert(ctx workflow.Context, status string) {
	e.st.Status = status
	if err := workflow.UpsertTypedSearchAttributes(ctx,
		EmployeeIDKey.ValueSet(e.in.RequesterEmployeeID),
		ElevationRoleKey.ValueSet(e.in.RoleName),
		ElevationStatusKey.ValueSet(status),
	); err != nil {
		workflow.GetLogger(ctx).Warn("upsert search attributes failed", "RequestID", e.in.RequestID, "Error", err.Error())
	}
}

// finish ends a request that was never granted: status, the Slack message
// and the requester told.
func (e *elevation) finish(ctx workflow.Context, status, outcome, text string) {
	e.upsert(ctx, status)
	e.updateMessage(ctx, outcome)
	e.tell(ctx, text)
}

// fail ends a request whose grant could not be made.
func (e *elevation) fail(ctx workflow.Context, why string) (ElevationState, error) {
	e.st.Reason = why
	e.finish(ctx, ElevationFailed, fmt.Sprintf("Approved by %s, but the grant failed.", e.decidedBy.Who()),
		fmt.Sprintf("Your elevation request %s was approved but could not be granted.", e.in.RequestID))
	e.alert(ctx, fmt.Sprintf("jml elevation %s for employee %s: %s", e.in.RequestID, e.in.RequesterEmployeeID, why))
	return e.st, nil
}

func (e *elevation) updateMessage(ctx workflow.Context, outcome string) {
	m := e.st.ApprovalMessage
	if !m.Delivered || m.TS == "" {
		return
	}
	actx := workflow.WithActivityOptions(ctx, notifyOptions())
	in := UpdateApprovalInput{Channel: m.Channel, TS: m.TS, Title: e.title, Fields: e.fields(), Outcome: outcome}
	if err := workflow.ExecuteActivity(actx, ActUpdateApprovalMsg, in).Get(actx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("approval message not updated", "RequestID", e.in.RequestID, "Error", err.Error())
	}
}

// tell DMs the requester.
func (e *elevation) tell(ctx workflow.Context, text string) {
	actx := workflow.WithActivityOptions(ctx, notifyOptions())
	in := NotifyManagerInput{ManagerEmployeeID: e.in.RequesterEmployeeID, Directories: e.in.Policy.Directories, Text: text}
	if err := workflow.ExecuteActivity(actx, ActNotifyEmployee, in).Get(actx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("requester not told", "RequestID", e.in.RequestID, "Error", err.Error())
	}
}

func (e *elevation) alert(ctx workflow.Context, text string) {
	alertSecurity(ctx, Policy{SecurityChannel: e.in.Policy.SecurityChannel}, e.in.RequesterEmployeeID, text)
}

func gateReason(g GatesOutput) string {
	var why []string
	if g.Device.Required && !g.Device.Passed {
		why = append(why, "no compliant device ("+g.Device.Detail+")")
	}
	if g.MFA.Required && !g.MFA.Passed {
		why = append(why, "MFA not enrolled ("+g.MFA.Detail+")")
	}
	return strings.Join(why, "; ")
}

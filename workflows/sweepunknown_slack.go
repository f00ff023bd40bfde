package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// unknownDecidedInSlack is the unknown admin's path with Slack buttons: the
// security channel's escalation carries "Acknowledge" (a modal asking the
// reason) and, for a user, guest or service principal, "Remove" (the role
// assignment, read back; a group's assignment reaches all its members, so
// it is left to an admin). Only sweep.security_approvers decide; anyone
// else is refused and recorded. ack is the operator's acknowledge update,
// which counts the same.
func unknownDecidedInSlack(ctx workflow.Context, in contract.StandingAdminInput, ack **contract.Acknowledgement) (contract.SweepOutcome, error) {
	h := in.Holder
	out := contract.SweepOutcome{Key: h.Key, Kind: "unknown"}
	f := newSweepFinding(ctx, "unknown", h.Key, h.Directory, h.PrincipalID, h.EmployeeID, in.Policy.SecurityApprovers)
	if err := f.register(ctx); err != nil {
		return out, err
	}
	who := h.Login
	if who == "" {
		who = h.PrincipalID
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	deadline := workflow.Now(ctx).Add(in.Policy.EscalationSLA).UTC()
	title := fmt.Sprintf("Privilege sweep %s: unknown admin %s %s holds %s in %s", in.Date, h.Kind, who, h.Role, h.Directory)
	fields := []contract.MessageField{
		{Label: "Principal", Value: fmt.Sprintf("%s %s (%s)", h.Kind, who, h.PrincipalID)}, {Label: "Role", Value: h.Role},
		{Label: "Directory", Value: h.Directory}, {Label: "Why", Value: "no HR record or declaration answers for it (" + h.Note + ")"},
		{Label: "Own it by", Value: deadline.Format("2006-01-02 15:04 MST")},
		{Label: "Then", Value: "declare it in governance.service_accounts with an owner, or remove the role"},
		{Label: "Workflow", Value: id},
	}
	buttons := []contract.SweepButton{sweepButton(contract.SweepAcknowledge, "Acknowledge", false)}
	if h.Kind != "group" {
		buttons = append(buttons, sweepButton(contract.SweepRemove, "Remove", true))
	}
	f.post(ctx, contract.PostSweepNoticeInput{Title: title, Fields: fields, Buttons: buttons, Channel: in.Policy.SecurityChannel})
	decided := func() bool { return *ack != nil || f.st.Decision != nil }
	ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: in.Policy.EscalationSLA, TimerOptions: workflow.TimerOptions{Summary: "escalation SLA"}}, decided)
	if err != nil {
		return out, err
	}
	if !ok {
		alertSecurity(ctx, in.Policy.SecurityChannel, "", fmt.Sprintf("Privilege sweep: SLA breached. Nobody owned the %s held by %s %s in %s within %s.", h.Role, h.Kind, h.PrincipalID, h.Directory, in.Policy.EscalationSLA))
		f.close(ctx, title, fmt.Sprintf("SLA breached: nobody owned it within %s.", in.Policy.EscalationSLA))
		out.Outcome = "sla_breached"
		f.outcome(&out)
		return out, waitHandlers(ctx)
	}
	if a := *ack; a != nil && f.st.Decision == nil {
		d := contract.SweepDecision{Actor: a.By, Decision: contract.SweepAcknowledge, Reason: a.Note, At: workflow.Now(ctx)}
		f.st.Decision = &d // the operator's acknowledge update
	}
	d := *f.st.Decision
	if d.Decision == contract.SweepRemove {
		role := contract.AdminRoleInput{Directory: h.Directory, AccountID: h.PrincipalID, EmployeeID: h.EmployeeID, Role: h.Role}
		r, err := contract.RevokeAdminRole.Execute(ctx, summary("remove unknown admin role", h.Key, h.Directory), role)
		if err == nil {
			_, err = contract.VerifyAdminRoleRevoked.Execute(ctx, summary("verify role removed", h.Key, h.Directory), role)
		}
		if err != nil {
			// said where it was decided; the workflow fails for the operator
			f.close(ctx, title, fmt.Sprintf("Remove by %s failed: %s", d.Actor.Who(), failureMessage(err)))
			return out, err
		}
		f.log(ctx, "removed", d)
		res := fmt.Sprintf("Removed by %s (%s), read back: role gone.", d.Actor.Who(), r.Outcome)
		f.close(ctx, title, res)
		alertSecurity(ctx, in.Policy.SecurityChannel, "", fmt.Sprintf("Privilege sweep: removed the %s of %s %s in %s, decided by %s. Workflow %s.", h.Role, h.Kind, h.PrincipalID, h.Directory, d.Actor.Who(), id))
		out.Outcome, out.Detail = "removed", res
		f.outcome(&out)
		return out, waitHandlers(ctx)
	}
	f.log(ctx, "acknowledged", d)
	f.close(ctx, title, fmt.Sprintf("Acknowledged by %s: %s", d.Actor.Who(), d.Reason))
	out.Outcome, out.Detail = "acknowledged", d.Actor.Who()
	f.outcome(&out)
	return out, waitHandlers(ctx)
}

package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// UnknownAdminWorkflow escalates an admin-role holder nobody answers for
// (no HR owner, not declared break-glass or service account) to the
// security channel, and again when nobody acknowledged it within the SLA.
// Nothing is removed automatically: an app or a group may carry a
// production integration.
func UnknownAdminWorkflow(ctx workflow.Context, in contract.StandingAdminInput) (contract.SweepOutcome, error) {
	h := in.Holder
	out := contract.SweepOutcome{Key: h.Key, Kind: "unknown"}
	var ack *contract.Acknowledgement
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateAcknowledge,
		func(ctx workflow.Context, a contract.Acknowledgement) (string, error) {
			ack = &a
			return "acknowledged", nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, a contract.Acknowledgement) error {
			if a.By.EmployeeID == "" && a.By.SlackUserID == "" {
				return temporal.NewApplicationError("acknowledgement: by is required (who takes the escalation)", string(domain.ErrBadInput))
			}
			if ack != nil {
				return temporal.NewApplicationError("already acknowledged", string(domain.ErrBadInput))
			}
			return nil
		}}); err != nil {
		return out, err
	}
	if sweepButtonsOn(ctx) {
		return unknownDecidedInSlack(ctx, in, &ack)
	}
	who := h.Login
	if who == "" {
		who = h.PrincipalID
	}
	deadline := workflow.Now(ctx).Add(in.Policy.EscalationSLA).UTC()
	text := fmt.Sprintf("Privilege sweep %s: %s %s (%s) holds %s in %s and no HR record or declaration answers for it (%s). Own it by %s: declare it in governance.service_accounts with an owner, or remove the role. Workflow %s.",
		in.Date, h.Kind, who, h.PrincipalID, h.Role, h.Directory, h.Note, deadline.Format("2006-01-02 15:04 MST"), workflow.GetInfo(ctx).WorkflowExecution.ID)
	alertSecurity(ctx, in.Policy.SecurityChannel, "", text)
	ok, err := workflow.AwaitWithTimeout(ctx, in.Policy.EscalationSLA, func() bool { return ack != nil })
	if err != nil {
		return out, err
	}
	if ok {
		out.Outcome, out.Detail = "acknowledged", ack.By.Who()
		return out, nil
	}
	alertSecurity(ctx, in.Policy.SecurityChannel, "", fmt.Sprintf("Privilege sweep: SLA breached. Nobody owned the %s held by %s %s in %s within %s.", h.Role, h.Kind, h.PrincipalID, h.Directory, in.Policy.EscalationSLA))
	out.Outcome = "sla_breached"
	return out, nil
}

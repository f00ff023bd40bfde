package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// OrphanAccountWorkflow handles one account no HR record answers for (or a
// terminated employee's enabled account): a notice to the directory's
// configured owner, the grace period, disable, and later delete where the
// policy allows it and the directory can. A "keep" signed by a sponsor
// with an expiry date holds it until that date; then the notice starts
// over.
func OrphanAccountWorkflow(ctx workflow.Context, in contract.OrphanInput) (contract.SweepOutcome, error) {
	o := in.Orphan
	out := contract.SweepOutcome{Key: o.Key, Kind: "orphan"}
	var keep *contract.KeepDecision
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateKeep,
		func(ctx workflow.Context, k contract.KeepDecision) (string, error) {
			keep = &k
			return "kept until " + k.Expires.UTC().Format(contract.DateLayout), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, k contract.KeepDecision) error {
			return validKeep(ctx, k, in.Policy.MaxKeep)
		}}); err != nil {
		return out, err
	}
	owner := in.Policy.Owners[o.Directory]
	if sweepButtonsOn(ctx) {
		return orphanDecidedInSlack(ctx, in, &keep)
	}
	for {
		disableAt := workflow.Now(ctx).Add(in.Policy.OrphanGrace).UTC()
		why := map[string]string{contract.OrphanNoHROwner: "no HR record owns it", contract.OrphanTerminatedEnabled: "its employee has left (HR: terminated) but it is enabled"}[o.Reason]
		text := fmt.Sprintf("Privilege sweep %s: account %s (%s) in %s: %s. jml disables it on %s unless a sponsor keeps it: a keep names the sponsor's employee id and an expiry date, signed in Slack. Workflow %s.",
			in.Date, o.Login, o.AccountID, o.Directory, why, disableAt.Format("2006-01-02 15:04 MST"), workflow.GetInfo(ctx).WorkflowExecution.ID)
		if owner != "" {
			if _, err := contract.NotifyEmployee.Execute(ctx, summary("notify account owner", owner, "slack"), contract.NotifyEmployeeInput{EmployeeID: owner, Text: text}); err != nil {
				workflow.GetLogger(ctx).Warn("orphan notice not delivered", "owner", owner, "error", err.Error())
			}
		}
		alertSecurity(ctx, in.Policy.SecurityChannel, "", text)
		keep = nil
		if _, err := workflow.AwaitWithTimeout(ctx, in.Policy.OrphanGrace, func() bool { return keep != nil }); err != nil {
			return out, err
		}
		if keep == nil {
			break
		}
		alertSecurity(ctx, in.Policy.SecurityChannel, "", fmt.Sprintf("Privilege sweep: account %s in %s kept until %s, sponsor %s, signed by %s.",
			o.AccountID, o.Directory, keep.Expires.UTC().Format(contract.DateLayout), keep.Sponsor, keep.By.Who()))
		if err := workflow.Sleep(ctx, keep.Expires.Sub(workflow.Now(ctx))); err != nil {
			return out, err
		}
	}
	acct := contract.AccountInput{Directory: o.Directory, AccountID: o.AccountID, EmployeeID: o.EmployeeID}
	d, err := contract.DisableOrphanAccount.Execute(ctx, summary("disable orphan", o.Key, o.Directory), acct)
	if err != nil {
		return out, err
	}
	out.Outcome = firstOutcome(d, "disabled")
	if in.Policy.DeleteAfter <= 0 {
		return out, nil
	}
	if err := workflow.Sleep(ctx, in.Policy.DeleteAfter); err != nil {
		return out, err
	}
	del, err := contract.DeleteAccount.Execute(ctx, summary("delete orphan", o.Key, o.Directory), acct)
	if err != nil {
		return out, err
	}
	out.Detail = "delete: " + firstOutcome(del, "")
	return out, nil
}

func firstOutcome(s contract.StepOutput, def string) string {
	if len(s.Actions) > 0 {
		return s.Actions[0].Outcome
	}
	return def
}

// validKeep: a keep needs a sponsor, an expiry in the future and within
// the policy's longest keep, and the Slack user who signed it.
func validKeep(ctx workflow.Context, k contract.KeepDecision, maxKeep time.Duration) error {
	now := workflow.Now(ctx)
	switch {
	case k.Sponsor == "":
		return temporal.NewApplicationError("keep: sponsor is required (the HR employee id who answers for the account)", string(domain.ErrBadInput))
	case k.By.SlackUserID == "":
		return temporal.NewApplicationError("keep: by.slack_user_id is required (a keep is signed in Slack)", string(domain.ErrBadInput))
	case !k.Expires.After(now):
		return temporal.NewApplicationError("keep: expires must be in the future", string(domain.ErrBadInput))
	case maxKeep > 0 && k.Expires.Sub(now) > maxKeep:
		return temporal.NewApplicationError(fmt.Sprintf("keep: expires is more than %s away", maxKeep), string(domain.ErrBadInput))
	}
	return nil
}

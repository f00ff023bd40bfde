package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// orphanDecidedInSlack is the orphan's path with Slack buttons: the owner's
// DM and the security channel's copy carry "Keep…" (a modal: sponsor and
// expiry, signed by the presser) and "Disable now". The owner and the
// security approvers decide; anyone else is refused and recorded. A keep
// ends the workflow kept (the decisions file holds it, and the sweep starts
// no child for the account until the expiry); otherwise the account is
// disabled at the end of the grace period, or at once on "Disable now".
// keep is the operator's keep update (UpdateKeep), which counts the same.
func orphanDecidedInSlack(ctx workflow.Context, in contract.OrphanInput, keep **contract.KeepDecision) (contract.SweepOutcome, error) {
	o := in.Orphan
	out := contract.SweepOutcome{Key: o.Key, Kind: "orphan"}
	owner := in.Policy.Owners[o.Directory]
	self := ""
	if o.Reason == contract.OrphanTerminatedEnabled {
		self = o.EmployeeID
	}
	f := newSweepFinding(ctx, "orphan", o.Key, o.Directory, o.AccountID, self, append([]string{owner}, in.Policy.SecurityApprovers...))
	f.maxKeep = in.Policy.MaxKeep
	f.onKeep = func(d contract.SweepDecision) {
		k := contract.KeepDecision{Sponsor: d.Sponsor, Expires: d.Expires, Reason: d.Reason, By: d.Actor}
		*keep = &k
	}
	if err := f.register(ctx); err != nil {
		return out, err
	}
	id := workflow.GetInfo(ctx).WorkflowExecution.ID
	disableAt := workflow.Now(ctx).Add(in.Policy.OrphanGrace).UTC()
	why := map[string]string{contract.OrphanNoHROwner: "no HR record owns it", contract.OrphanTerminatedEnabled: "its employee has left (HR: terminated) but it is enabled"}[o.Reason]
	title := fmt.Sprintf("Privilege sweep %s: orphan account %s in %s", in.Date, o.AccountID, o.Directory)
	fields := []contract.MessageField{
		{Label: "Account", Value: fmt.Sprintf("%s (%s)", o.Login, o.AccountID)}, {Label: "Directory", Value: o.Directory},
		{Label: "Why", Value: why}, {Label: "Disabled on", Value: disableAt.Format("2006-01-02 15:04 MST")},
		{Label: "Keep", Value: fmt.Sprintf("a sponsor (an employee) and an expiry within %s, signed here", in.Policy.MaxKeep)},
		{Label: "Workflow", Value: id},
	}
	buttons := []contract.SweepButton{sweepButton(contract.SweepKeep, "Keep…", false), sweepButton(contract.SweepDisable, "Disable now", true)}
	notice := contract.PostSweepNoticeInput{Title: title, Fields: fields, Buttons: buttons, Channel: in.Policy.SecurityChannel}
	if owner != "" {
		notice.DM = owner
	}
	f.post(ctx, notice) // the owner's DM and the channel's copy, the same buttons on both
	decided := func() bool { return *keep != nil || f.st.Decision != nil }
	if _, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: in.Policy.OrphanGrace, TimerOptions: workflow.TimerOptions{Summary: "orphan grace"}}, decided); err != nil {
		return out, err
	}
	if k := *keep; k != nil {
		d := contract.SweepDecision{Actor: k.By, Decision: contract.SweepKeep, Sponsor: k.Sponsor, Expires: k.Expires, Reason: k.Reason, At: workflow.Now(ctx)}
		if f.st.Decision == nil {
			f.st.Decision = &d // the operator's keep update
		}
		d = *f.st.Decision
		f.log(ctx, "kept", d)
		res := fmt.Sprintf("Kept until %s, sponsor %s, signed by %s.", d.Expires.UTC().Format(contract.DateLayout), d.Sponsor, d.Actor.Who())
		f.close(ctx, title, res)
		alertSecurity(ctx, in.Policy.SecurityChannel, "", fmt.Sprintf("Privilege sweep: account %s in %s kept until %s, sponsor %s, signed by %s. Workflow %s.",
			o.AccountID, o.Directory, d.Expires.UTC().Format(contract.DateLayout), d.Sponsor, d.Actor.Who(), id))
		out.Outcome, out.Detail = "kept", res
		f.outcome(&out)
		return out, waitHandlers(ctx)
	}
	how := "grace period over"
	if d := f.st.Decision; d != nil {
		how = "disable now, by " + d.Actor.Who()
	}
	acct := contract.AccountInput{Directory: o.Directory, AccountID: o.AccountID, EmployeeID: o.EmployeeID}
	dis, err := contract.DisableOrphanAccount.Execute(ctx, summary("disable orphan", o.Key, o.Directory), acct)
	if err != nil {
		return out, err
	}
	out.Outcome = firstOutcome(dis, "disabled")
	if d := f.st.Decision; d != nil {
		f.log(ctx, "disabled", *d)
	}
	f.close(ctx, title, fmt.Sprintf("Disabled (%s): %s.", how, out.Outcome))
	f.outcome(&out)
	if in.Policy.DeleteAfter <= 0 {
		return out, waitHandlers(ctx)
	}
	if err := workflow.Sleep(ctx, in.Policy.DeleteAfter); err != nil {
		return out, err
	}
	del, err := contract.DeleteAccount.Execute(ctx, summary("delete orphan", o.Key, o.Directory), acct)
	if err != nil {
		return out, err
	}
	out.Detail = "delete: " + firstOutcome(del, "")
	f.outcome(&out)
	return out, waitHandlers(ctx)
}

// waitHandlers lets a decision still being judged (a refusal's evidence
// line) finish before the workflow closes.
func waitHandlers(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

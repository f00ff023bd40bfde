package workflows

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeSweepButtons puts Slack buttons on the orphan notice and the
// unknown-admin escalation (PostSweepNotice instead of plain texts), and
// makes a keep end the orphan's workflow (the sweep skips it until the
// expiry). Runs started before keep their plain texts.
const changeSweepButtons = "sweep-slack-buttons"

func sweepButtonsOn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, changeSweepButtons, workflow.DefaultVersion, 1) >= 1
}

// sweepFinding is the Slack side of one sweep child: its notice with
// buttons, who may decide (deciders, by the Slack members of their HR work
// emails for a press), the decision and the refusals, each a line of the
// sweep decisions evidence file.
type sweepFinding struct {
	kind, key, directory, account string
	// self is the employee the account belongs to: never a decider nor a
	// sponsor of their own account.
	self    string
	maxKeep time.Duration
	st      contract.SweepFindingState
	asked   bool // the notice went out (or failed): Slack ids are known
	runID   string
	seq     int
	// onKeep turns an accepted keep into the workflow's keep (orphans).
	onKeep func(contract.SweepDecision)
}

func newSweepFinding(ctx workflow.Context, kind, key, directory, account, self string, deciders []string) *sweepFinding {
	var ds []string
	for _, d := range deciders {
		if d != "" && d != self && !slices.Contains(ds, d) {
			ds = append(ds, d)
		}
	}
	return &sweepFinding{kind: kind, key: key, directory: directory, account: account, self: self,
		st: contract.SweepFindingState{Kind: kind, Deciders: ds}, runID: workflow.GetInfo(ctx).WorkflowExecution.RunID}
}

// register sets the state query and the decision update.
func (f *sweepFinding) register(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.SweepFindingState, error) { return f.st, nil }); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateSweepDecision, f.decide,
		workflow.UpdateHandlerOptions{Validator: f.valid})
}

// post sends the notice with buttons and learns the deciders' Slack ids.
func (f *sweepFinding) post(ctx workflow.Context, in contract.PostSweepNoticeInput) {
	in.WorkflowID, in.Deciders = workflow.GetInfo(ctx).WorkflowExecution.ID, f.st.Deciders
	n, err := contract.PostSweepNotice.Execute(ctx, summary("notify with buttons", f.kind, "slack"), in)
	if err != nil {
		n.Detail = failureMessage(err)
		workflow.GetLogger(ctx).Warn("sweep notice not delivered", "key", f.key, "error", n.Detail)
	}
	n.Messages = append(f.st.Notice.Messages, n.Messages...)
	f.st.Notice, f.asked = n, true
}

// close takes the buttons off the notices, saying what became of it.
func (f *sweepFinding) close(ctx workflow.Context, title, outcome string) {
	if len(f.st.Notice.Messages) == 0 {
		return
	}
	in := contract.PostSweepNoticeInput{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, Title: title, Messages: f.st.Notice.Messages, Outcome: outcome}
	if _, err := contract.PostSweepNotice.Execute(ctx, summary("close notice", f.kind, "slack"), in); err != nil {
		workflow.GetLogger(ctx).Warn("sweep notice not updated", "key", f.key, "error", err.Error())
	}
}

func badField(field, msg string) error {
	return temporal.NewApplicationErrorWithOptions(msg, string(domain.ErrBadInput), temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{field}})
}

// valid turns away, with no history, what no one could decide: no actor,
// a decision this kind does not take, an incomplete form, and, past
// maxRefusals, presses that would be refused again.
func (f *sweepFinding) valid(ctx workflow.Context, d contract.SweepDecision) error {
	if d.Actor.EmployeeID == "" && d.Actor.SlackUserID == "" {
		return badField("", "a decision names who decides (employee id or Slack user)")
	}
	if !slices.Contains(f.decisions(), d.Decision) {
		return badField("", fmt.Sprintf("%q is not a decision on a %s finding (expected one of: %s)", d.Decision, f.kind, strings.Join(f.decisions(), ", ")))
	}
	if f.st.RefusedCount >= maxRefusals && f.refusal(d.Actor) != "" {
		return badField("", "too many refused decisions: only the deciders may decide")
	}
	if !f.form(d) {
		return nil
	}
	switch d.Decision {
	case contract.SweepKeep:
		return f.validKeepForm(ctx, d)
	case contract.SweepAcknowledge:
		if len(strings.TrimSpace(d.Reason)) < 3 {
			return badField(contract.SweepFieldReason, "acknowledge: reason is required (why this admin may stay, or who owns it)")
		}
	}
	return nil
}

func (f *sweepFinding) validKeepForm(ctx workflow.Context, d contract.SweepDecision) error {
	now := workflow.Now(ctx)
	switch {
	case strings.TrimSpace(d.Sponsor) == "":
		return badField(contract.SweepFieldSponsor, "keep: sponsor is required (the HR employee who answers for the account)")
	case f.self != "" && d.Sponsor == f.self:
		return badField(contract.SweepFieldSponsor, "keep: the sponsor cannot be the employee the account belongs to")
	case d.Expires.IsZero():
		return badField(contract.SweepFieldExpires, "keep: expires is required")
	case !d.Expires.After(now):
		return badField(contract.SweepFieldExpires, "keep: expires must be in the future")
	case f.maxKeep > 0 && d.Expires.Sub(now) > f.maxKeep:
		return badField(contract.SweepFieldExpires, fmt.Sprintf("keep: expires is more than %s away (sweep.max_keep): %s at the latest",
			f.maxKeep, now.Add(f.maxKeep).UTC().Format(contract.DateLayout)))
	}
	return nil
}

func (f *sweepFinding) decisions() []string {
	if f.kind == "orphan" {
		return []string{contract.SweepKeep, contract.SweepDisable}
	}
	return []string{contract.SweepAcknowledge, contract.SweepRemove}
}

// form: the decision carries its form's fields (a modal's submission), or
// needs none.
func (f *sweepFinding) form(d contract.SweepDecision) bool {
	switch d.Decision {
	case contract.SweepKeep:
		return d.Sponsor != "" || !d.Expires.IsZero()
	case contract.SweepAcknowledge:
		return d.Reason != ""
	}
	return true
}

// refusal says why the actor may not decide ("" when they may): a Slack
// press counts from the Slack member of a decider's HR work email, an
// operator's by employee id; never the employee the account belongs to.
func (f *sweepFinding) refusal(a contract.Actor) string {
	if f.self != "" && a.EmployeeID == f.self {
		return "the finding is about your own account"
	}
	if len(f.st.Deciders) == 0 {
		return "nobody may decide this in Slack: set sweep.owners for " + f.directory + " or sweep.security_approvers"
	}
	if a.SlackUserID != "" {
		for _, id := range f.st.Deciders {
			if s := f.st.Notice.DeciderSlackIDs[id]; s != "" && s == a.SlackUserID {
				return ""
			}
		}
	} else if slices.Contains(f.st.Deciders, a.EmployeeID) {
		return ""
	}
	return "only " + strings.Join(f.st.Deciders, ", ") + " may decide on this " + f.kind + " finding"
}

// decide judges a decision. One that lands before the notice's Slack ids
// are known waits for them, so it is judged against the deciders.
func (f *sweepFinding) decide(ctx workflow.Context, d contract.SweepDecision) (contract.SweepDecisionResult, error) {
	if err := workflow.Await(ctx, func() bool { return f.asked }); err != nil {
		return contract.SweepDecisionResult{}, err
	}
	d.At = workflow.Now(ctx)
	if c := f.st.Decision; c != nil {
		return contract.SweepDecisionResult{Result: contract.SweepDecided, Message: fmt.Sprintf("already decided: %s by %s", c.Decision, c.Actor.Who())}, nil
	}
	if reason := f.refusal(d.Actor); reason != "" {
		d.Refused = reason
		f.st.RefusedCount++
		if len(f.st.Refusals) < maxRefusalsKept {
			f.st.Refusals = append(f.st.Refusals, d)
			f.log(ctx, "refused", d)
		}
		workflow.GetLogger(ctx).Warn("sweep decision refused", "key", f.key, "actor", d.Actor.Who(), "reason", reason)
		return contract.SweepDecisionResult{Result: contract.SweepRefused, Message: reason}, nil
	}
	if !f.form(d) {
		out := contract.SweepDecisionResult{Result: contract.SweepForm, Message: "fill in the form"}
		if d.Decision == contract.SweepKeep && f.maxKeep > 0 {
			out.MaxExpires = d.At.Add(f.maxKeep).UTC()
		}
		return out, nil
	}
	f.st.Decision = &d
	if d.Decision == contract.SweepKeep && f.onKeep != nil {
		f.onKeep(d)
	}
	msg := map[string]string{contract.SweepDisable: "disabling it now", contract.SweepAcknowledge: "acknowledged",
		contract.SweepRemove: "removing the role assignment now"}[d.Decision]
	if d.Decision == contract.SweepKeep {
		msg = fmt.Sprintf("kept until %s, sponsor %s", d.Expires.UTC().Format(contract.DateLayout), d.Sponsor)
	}
	return contract.SweepDecisionResult{Result: contract.SweepAccepted, Message: msg}, nil
}

// log writes one line of the sweep decisions file; a failure is logged,
// the state keeps the fact.
func (f *sweepFinding) log(ctx workflow.Context, event string, d contract.SweepDecision) {
	f.seq++
	reason := d.Reason
	if d.Refused != "" {
		reason = d.Refused
	}
	ev := contract.SweepDecisionEvent{WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, RunID: f.runID, Seq: f.seq, Kind: f.kind, Key: f.key,
		Directory: f.directory, AccountID: f.account, Event: event, By: d.Actor.Who(), Sponsor: d.Sponsor, Expires: d.Expires, Reason: reason, At: workflow.Now(ctx)}
	if _, err := contract.AppendSweepDecision.Execute(ctx, summary("decision log", event, "evidence"), ev); err != nil {
		workflow.GetLogger(ctx).Error("sweep decision evidence not written", "key", f.key, "event", event, "error", err.Error())
	}
}

// outcome copies the decision and the refusals into the result.
func (f *sweepFinding) outcome(out *contract.SweepOutcome) {
	out.Decision, out.Refusals = f.st.Decision, f.st.Refusals
}

// sweepButton is a notice's button.
func sweepButton(decision, label string, danger bool) contract.SweepButton {
	return contract.SweepButton{Decision: decision, Label: label, Danger: danger}
}

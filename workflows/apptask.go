package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// AppTaskWorkflow is one owner task of a manual app: the owner is DMed
// "remove <login> from <app>" (or "create"), with a signed Done button.
// Only the owner or the app's fallback may confirm (a Slack press counts
// from the Slack member of their HR email); anyone else is refused and
// recorded. At half the deadline the owner is reminded; at the deadline
// the security channel is alerted like an SLA breach, and the task keeps
// waiting. Every step is a line in the task evidence file
// (contract.AppTasksLogPath); the lifecycle run that opened the task never
// waits on it.
func AppTaskWorkflow(ctx workflow.Context, in contract.AppTaskInput) (contract.AppTaskState, error) {
	info := workflow.GetInfo(ctx)
	t := &appTask{in: in, st: contract.AppTaskState{TaskID: info.WorkflowExecution.ID, App: in.App, Action: in.Action,
		Status: contract.AppTaskPending, OpenedAt: workflow.Now(ctx)}, runID: info.WorkflowExecution.RunID}
	deadline := in.Deadline
	if deadline <= 0 {
		deadline = 72 * time.Hour
	}
	t.st.DueAt = t.st.OpenedAt.Add(deadline)
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.AppTaskState, error) { return t.st, nil }); err != nil {
		return t.st, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateAppTaskDone, t.done,
		workflow.UpdateHandlerOptions{Validator: func(p contract.AppTaskPress) error { return t.validPress(p) }}); err != nil {
		return t.st, err
	}

	msg, err := contract.PostAppTask.Execute(ctx, summary("ask owner", in.App, "slack"), contract.PostAppTaskInput{TaskID: t.st.TaskID, Task: in})
	if err != nil {
		msg.Detail = failureMessage(err)
	}
	t.st.Message, t.asked = msg, true
	t.log(ctx, "opened", "", fmt.Sprintf("owner %s asked in Slack: %t %s", in.Owner, msg.Posted, msg.Detail))
	if !msg.Posted {
		// Nobody will see a button: say so now rather than at the deadline.
		alertSecurity(ctx, in.SecurityChannel, in.EmployeeID, fmt.Sprintf("jml: the owner task %s (%s the account of employee %s in %s) could not be sent to owner %s: %s. Confirm it with the owner.",
			t.st.TaskID, in.Action, in.EmployeeID, in.App, in.Owner, msg.Detail))
	}

	confirmed := func() bool { return t.st.Confirmed != nil }
	if ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: deadline / 2, TimerOptions: workflow.TimerOptions{Summary: "owner reminder"}}, confirmed); err != nil {
		return t.st, err
	} else if !ok {
		t.remind(ctx)
	}
	if !confirmed() {
		if ok, err := workflow.AwaitWithOptions(ctx, workflow.AwaitOptions{Timeout: t.st.DueAt.Sub(workflow.Now(ctx)), TimerOptions: workflow.TimerOptions{Summary: "owner deadline"}}, confirmed); err != nil {
			return t.st, err
		} else if !ok {
			t.breach(ctx)
		}
	}
	if err := workflow.Await(ctx, confirmed); err != nil {
		return t.st, err
	}
	t.close(ctx)
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return t.st, err
	}
	return t.st, nil
}

type appTask struct {
	in    contract.AppTaskInput
	st    contract.AppTaskState
	runID string
	seq   int
	asked bool // the DM's Slack ids are known (or known missing)
}

// Refusals are bounded as elevation's are (maxRefusalsKept, maxRefusals):
// the first are kept (state and evidence) with who and why, all are
// counted, and past the maximum the validator turns presses away (no
// history) while the owner's still counts.
func (t *appTask) validPress(p contract.AppTaskPress) error {
	if p.Actor.EmployeeID == "" && p.Actor.SlackUserID == "" {
		return errors.New("a confirmation names who presses (employee id or Slack user)")
	}
	if t.st.RefusedCount >= maxRefusals && t.refusal(p.Actor) != "" {
		return errors.New("too many refused confirmations: only the owner or the fallback may confirm")
	}
	return nil
}

// done judges a press. A press that lands before the DM's Slack ids are
// known waits for them, so it is judged against the owner, not refused.
func (t *appTask) done(ctx workflow.Context, p contract.AppTaskPress) (contract.AppTaskDoneResult, error) {
	if err := workflow.Await(ctx, func() bool { return t.asked }); err != nil {
		return contract.AppTaskDoneResult{}, err
	}
	p.At = workflow.Now(ctx)
	if c := t.st.Confirmed; c != nil {
		return contract.AppTaskDoneResult{Result: "already confirmed", By: c.Actor.Who(), At: c.At}, nil
	}
	if reason := t.refusal(p.Actor); reason != "" {
		p.Reason = reason
		t.st.RefusedCount++
		if len(t.st.Refusals) < maxRefusalsKept {
			t.st.Refusals = append(t.st.Refusals, p)
			t.log(ctx, "refused", p.Actor.Who(), reason)
		}
		return contract.AppTaskDoneResult{Result: "refused", Reason: reason, By: p.Actor.Who(), At: p.At}, nil
	}
	t.st.Confirmed, t.st.Status = &p, contract.AppTaskConfirmed
	return contract.AppTaskDoneResult{Result: contract.AppTaskConfirmed, By: p.Actor.Who(), At: p.At}, nil
}

// refusal says why the actor may not confirm ("" when they may): the
// owner or the fallback only, by the Slack member of their HR email for a
// Slack press, by employee id otherwise; never the employee the task is
// about.
func (t *appTask) refusal(a contract.Actor) string {
	if a.EmployeeID != "" && a.EmployeeID == t.in.EmployeeID {
		return "the task is about your own account"
	}
	m := t.st.Message
	if a.SlackUserID != "" {
		if (m.OwnerSlackID != "" && a.SlackUserID == m.OwnerSlackID) || (m.FallbackSlackID != "" && a.SlackUserID == m.FallbackSlackID) {
			return ""
		}
	} else if a.EmployeeID != "" && (a.EmployeeID == t.in.Owner || (t.in.Fallback != "" && a.EmployeeID == t.in.Fallback)) {
		return ""
	}
	return fmt.Sprintf("only the owner of %s (or its fallback) may confirm", t.in.App)
}

func (t *appTask) remind(ctx workflow.Context) {
	t.st.RemindedAt = workflow.Now(ctx)
	text := fmt.Sprintf("jml reminder: please %s %s, then press Done on the task message (task %s, due %s).",
		taskWords(t.in), t.in.App, t.st.TaskID, t.st.DueAt.UTC().Format(time.RFC3339))
	for _, who := range []string{t.in.Owner, t.in.Fallback} {
		if who == "" {
			continue
		}
		if _, err := contract.NotifyEmployee.Execute(ctx, summary("remind owner", t.in.App, "slack"), contract.NotifyEmployeeInput{EmployeeID: who, Text: text}); err != nil {
			workflow.GetLogger(ctx).Warn("owner not reminded", "task", t.st.TaskID, "error", err.Error())
		}
	}
	t.log(ctx, "reminded", "", "owner "+t.in.Owner)
}

func (t *appTask) breach(ctx workflow.Context) {
	t.st.BreachedAt = workflow.Now(ctx)
	alertSecurity(ctx, t.in.SecurityChannel, t.in.EmployeeID, fmt.Sprintf("jml: APP TASK OVERDUE: owner %s has not confirmed the %s of employee %s's account in %s, due %s (task %s). The task keeps waiting.",
		t.in.Owner, t.in.Action, t.in.EmployeeID, t.in.App, t.st.DueAt.UTC().Format(time.RFC3339), t.st.TaskID))
	t.log(ctx, "breached", "", fmt.Sprintf("deadline %s passed", t.in.Deadline))
}

// close records the confirmation, takes the button off the DM, and tells
// the security channel when it came after a breach.
func (t *appTask) close(ctx workflow.Context) {
	c := t.st.Confirmed
	detail := "in time"
	if !t.st.BreachedAt.IsZero() {
		detail = "after the deadline"
	}
	t.log(ctx, "confirmed", c.Actor.Who(), detail)
	if t.st.Message.Posted {
		out := fmt.Sprintf("Done: confirmed by %s at %s", c.Actor.Who(), c.At.UTC().Format(time.RFC3339))
		if _, err := contract.PostAppTask.Execute(ctx, summary("close task", t.in.App, "slack"), contract.PostAppTaskInput{TaskID: t.st.TaskID, Task: t.in, Message: t.st.Message, Outcome: out}); err != nil {
			workflow.GetLogger(ctx).Warn("task message not updated", "task", t.st.TaskID, "error", err.Error())
		}
	}
	if !t.st.BreachedAt.IsZero() {
		alertSecurity(ctx, t.in.SecurityChannel, t.in.EmployeeID, fmt.Sprintf("jml: app task %s confirmed late by %s.", t.st.TaskID, c.Actor.Who()))
	}
}

// log writes one line of the task evidence file; a failure is logged, the
// state keeps the fact.
func (t *appTask) log(ctx workflow.Context, event, by, detail string) {
	t.seq++
	ev := contract.AppTaskEvent{TaskID: t.st.TaskID, RunID: t.runID, Seq: t.seq, EmployeeID: t.in.EmployeeID, App: t.in.App, Action: t.in.Action,
		Owner: t.in.Owner, Event: event, At: workflow.Now(ctx), DueAt: t.st.DueAt, By: by, Lifecycle: t.in.Lifecycle, Detail: detail}
	if _, err := contract.AppendAppTaskLog.Execute(ctx, summary("task log", event, "evidence"), ev); err != nil {
		workflow.GetLogger(ctx).Error("task evidence not written", "task", t.st.TaskID, "event", event, "error", err.Error())
	}
}

func taskWords(in contract.AppTaskInput) string {
	if in.Action == contract.AppTaskCreate {
		return "create the account of " + in.Login + " (employee " + in.EmployeeID + ") in"
	}
	return "remove " + in.Login + " (employee " + in.EmployeeID + ") from"
}

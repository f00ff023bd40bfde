package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// guardWindow is the rolling window of the per-hour limit.
const guardWindow = time.Hour

// guardActiveTTL is how long a count of active employees (percentage
// limits) is reused before it is counted again.
const guardActiveTTL = 10 * time.Minute

// guardQuiet is how long a run's hold waits for more held records before
// its one message goes to the security channel.
const guardQuiet = 3 * time.Second

// guardKeepDecided bounds the decided holds kept in the state.
const guardKeepDecided = 20

// TerminationGuardWorkflow is the one guard of mass terminations
// (contract.GuardWorkflowID). Delivery asks it (update admit-termination)
// before sending each termination: within the per-run and rolling-hour
// limits it is admitted at once; past them it is held, and the run's hold
// is posted once to the security channel with Approve and Reject buttons.
// Approval (by hr.guard.approvers, never the run's requester, two when the
// two-person rule is on) delivers the held records through an activity;
// rejection quarantines them. Refused presses are recorded on the hold.
func TerminationGuardWorkflow(ctx workflow.Context, in contract.GuardInput) error {
	g := &guard{policy: in.Policy}
	if in.State != nil {
		g.st = *in.State
	}
	if g.st.Runs == nil {
		g.st.Runs, g.st.RunSeen = map[string]int{}, map[string]int64{}
	}
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.GuardState, error) { return g.st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateAdmitTermination, g.admit,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in contract.AdmitTerminationInput) error {
			if in.RunID == "" {
				return errors.New("run_id is required")
			}
			for i, it := range in.Items {
				switch {
				case !domain.ValidEmployeeID(it.Record.EmployeeID):
					return fmt.Errorf("items[%d].record.employee_id is not an employee id", i)
				case it.Record.Status != domain.HRTerminated:
					return fmt.Errorf("items[%d]: record %s is not a termination", i, it.Record.EmployeeID)
				}
			}
			return nil
		}}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateGuardDecide, g.decide,
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d contract.GuardDecision) error {
			h := g.hold(d.HoldID)
			switch {
			case d.Action != "approve" && d.Action != "reject":
				return fmt.Errorf("action %q is not approve or reject", d.Action)
			case h == nil:
				return fmt.Errorf("hold %q not found", d.HoldID)
			case h.Status != contract.HoldPending:
				return fmt.Errorf("hold %s is already %s", d.HoldID, h.Status)
			}
			return nil
		}}); err != nil {
		return err
	}
	// A hold whose message was not out yet when the last run continued.
	for _, h := range g.st.Holds {
		if h.Status == contract.HoldPending && !h.Message.Posted {
			g.startPoster(ctx, h.ID)
		}
	}
	if err := workflow.Await(ctx, func() bool {
		info := workflow.GetInfo(ctx)
		return g.busy == 0 && (info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > contract.DefaultHistoryThreshold)
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && g.busy == 0 }); err != nil {
		return err
	}
	g.prune(workflow.Now(ctx))
	return workflow.NewContinueAsNewError(ctx, contract.GuardWorkflowName, contract.GuardInput{Policy: g.policy, State: &g.st})
}

type guard struct {
	st       contract.GuardState
	policy   contract.GuardPolicy
	counting bool
	busy     int // posters and deliveries in flight: no continue-as-new
}

func (g *guard) hold(id string) *contract.Hold {
	for i := range g.st.Holds {
		if g.st.Holds[i].ID == id {
			return &g.st.Holds[i]
		}
	}
	return nil
}

// prune forgets what is older than the window: admitted times, runs last
// seen a day ago, decided holds beyond the last few.
func (g *guard) prune(now time.Time) {
	g.st.Admitted = slices.DeleteFunc(g.st.Admitted, func(t time.Time) bool { return now.Sub(t) >= guardWindow })
	for _, run := range workflow.DeterministicKeys(g.st.RunSeen) {
		if now.Sub(time.Unix(g.st.RunSeen[run], 0)) > 24*time.Hour {
			delete(g.st.RunSeen, run)
			delete(g.st.Runs, run)
		}
	}
	decided := 0
	for i := len(g.st.Holds) - 1; i >= 0; i-- {
		if g.st.Holds[i].Status != contract.HoldPending {
			decided++
			if decided > guardKeepDecided {
				g.st.Holds = slices.Delete(g.st.Holds, i, i+1)
			}
		}
	}
}

// limits are the per-run and per-hour limits now, counting the active
// employees when a limit is a percentage and the count is stale.
func (g *guard) limits(ctx workflow.Context) (perRun, perHour int) {
	if g.policy.PerRun.Percent > 0 || g.policy.PerHour.Percent > 0 {
		_ = workflow.Await(ctx, func() bool { return !g.counting })
		if g.st.ActiveAt.IsZero() || workflow.Now(ctx).Sub(g.st.ActiveAt) > guardActiveTTL {
			g.counting = true
			out, err := contract.CountActiveForGuard.Execute(ctx, "count active employees · guard", contract.Empty{})
			g.counting = false
			if err == nil {
				g.st.Active, g.st.ActiveAt = out.Active, workflow.Now(ctx)
			} else {
				workflow.GetLogger(ctx).Warn("guard: active employees not counted; the last count holds", "error", err.Error())
			}
		}
	}
	return g.policy.PerRun.Of(g.st.Active), g.policy.PerHour.Of(g.st.Active)
}

// admit answers terminations in order: each admitted within both limits,
// else held in its run's pending hold (one per run).
func (g *guard) admit(ctx workflow.Context, in contract.AdmitTerminationInput) (contract.AdmitTerminationResult, error) {
	if in.Policy != nil {
		g.policy = *in.Policy
	}
	now := workflow.Now(ctx)
	g.prune(now)
	perRun, perHour := g.limits(ctx)
	now = workflow.Now(ctx)
	g.st.RunSeen[in.RunID] = now.Unix()
	res := contract.AdmitTerminationResult{RunLimit: perRun}
	for _, it := range in.Items {
		res.Results = append(res.Results, g.admitOne(ctx, in, it, now, perRun, perHour))
	}
	return res, nil
}

func (g *guard) admitOne(ctx workflow.Context, in contract.AdmitTerminationInput, it contract.AdmitItem, now time.Time, perRun, perHour int) contract.Admission {
	// The same employee already held in this run stays in its hold.
	for _, h := range g.st.Holds {
		if h.Status == contract.HoldPending && h.RunID == in.RunID && slices.ContainsFunc(h.Records, func(r contract.HeldTermination) bool {
			return r.Record.EmployeeID == it.Record.EmployeeID
		}) {
			return contract.Admission{HoldID: h.ID, Reason: "already held"}
		}
	}
	if g.st.Runs[in.RunID] < perRun && len(g.st.Admitted) < perHour {
		g.st.Runs[in.RunID]++
		g.st.Admitted = append(g.st.Admitted, now)
		return contract.Admission{Admitted: true}
	}
	res := contract.Admission{Reason: fmt.Sprintf("over the limit: %d per run, %d in the last hour", perRun, perHour)}
	if g.st.Runs[in.RunID] < perRun {
		res.Reason = fmt.Sprintf("over the limit of %d terminations in the last hour", perHour)
	}
	var h *contract.Hold
	for i := range g.st.Holds {
		if g.st.Holds[i].Status == contract.HoldPending && g.st.Holds[i].RunID == in.RunID {
			h = &g.st.Holds[i]
		}
	}
	if h == nil {
		g.st.Seq++
		g.st.Holds = append(g.st.Holds, contract.Hold{ID: fmt.Sprintf("hold-%d", g.st.Seq), RunID: in.RunID, Source: in.Source,
			Requester: in.Requester, Status: contract.HoldPending, Created: now})
		h = &g.st.Holds[len(g.st.Holds)-1]
		g.startPoster(ctx, h.ID)
	}
	h.Records = append(h.Records, contract.HeldTermination{Record: it.Record, DeliveryID: it.DeliveryID, HeldAt: now})
	res.HoldID = h.ID
	workflow.GetLogger(ctx).Info("termination held", "employee_id", it.Record.EmployeeID, "hold", h.ID, "held", len(h.Records))
	return res
}

// startPoster posts a hold's one message once no more records have joined
// it for guardQuiet, and rewrites it when more join later.
func (g *guard) startPoster(ctx workflow.Context, id string) {
	g.busy++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { g.busy-- }()
		for {
			n := len(g.hold(id).Records)
			more, err := workflow.AwaitWithTimeout(ctx, guardQuiet, func() bool {
				h := g.hold(id)
				return h == nil || len(h.Records) != n || h.Status != contract.HoldPending
			})
			if err != nil {
				return
			}
			if !more {
				break
			}
		}
		h := g.hold(id)
		if h == nil || h.Status != contract.HoldPending {
			return
		}
		perRun, _ := g.limits(ctx)
		msg, err := contract.PostHold.Execute(ctx, "post hold · slack "+g.policy.SecurityChannel, contract.PostHoldInput{Hold: *h,
			Approvers: g.policy.Approvers, Channel: g.policy.SecurityChannel, Required: g.policy.ApprovalsRequired, PerRun: perRun})
		if err != nil {
			workflow.GetLogger(ctx).Error("guard: hold message not posted", "hold", id, "error", err.Error())
		}
		if h = g.hold(id); h != nil {
			h.Message = msg
		}
	})
}

// judge says why actor may not decide on h ("" = may).
func (g *guard) judge(h *contract.Hold, a contract.Actor, action string) (approver string, refusal string) {
	if (a.EmployeeID != "" && a.EmployeeID == h.Requester) || (a.SlackUserID != "" && a.SlackUserID == h.Message.RequesterSlackID) {
		if action == "approve" {
			return "", "the requester of the run cannot approve its held terminations"
		}
	}
	if a.SlackUserID != "" {
		// A Slack press counts only from the Slack member of an
		// approver's HR work email (resolved when the message was posted).
		for _, id := range workflow.DeterministicKeys(h.Message.ApproverSlackIDs) {
			if h.Message.ApproverSlackIDs[id] == a.SlackUserID {
				approver = id
			}
		}
	} else if slices.Contains(g.policy.Approvers, a.EmployeeID) {
		approver = a.EmployeeID
	}
	if approver == "" {
		return "", "not an approver of held terminations (hr.guard.approvers)"
	}
	if approver == h.Requester && action == "approve" {
		return "", "the requester of the run cannot approve its held terminations"
	}
	if action == "approve" && slices.ContainsFunc(h.Approvals, func(d contract.GuardDecision) bool { return d.Actor.EmployeeID == approver }) {
		return "", "already approved by this approver; another approver is needed"
	}
	return approver, ""
}

// decide records an approve or reject. Enough distinct approvals release
// the hold; one reject quarantines it. A refused press is recorded.
func (g *guard) decide(ctx workflow.Context, d contract.GuardDecision) (contract.GuardDecisionResult, error) {
	h := g.hold(d.HoldID)
	d.At = workflow.Now(ctx)
	if h == nil || h.Status != contract.HoldPending {
		return contract.GuardDecisionResult{Result: "refused", Reason: "not pending"}, nil
	}
	approver, refusal := g.judge(h, d.Actor, d.Action)
	if refusal != "" {
		d.Reason = refusal
		h.Refusals = append(h.Refusals, d)
		workflow.GetLogger(ctx).Warn("guard: decision refused", "hold", h.ID, "who", d.Actor.Who(), "reason", refusal)
		return contract.GuardDecisionResult{Result: string(domain.DecisionRefused), Reason: refusal, Status: h.Status}, nil
	}
	d.Actor.EmployeeID = approver
	if d.Action == "reject" {
		h.Rejected, h.Status, h.DecidedAt = &d, contract.HoldRejected, d.At
		g.settle(ctx, h.ID)
		return contract.GuardDecisionResult{Result: "rejected", Status: h.Status}, nil
	}
	h.Approvals = append(h.Approvals, d)
	if len(h.Approvals) < max(g.policy.ApprovalsRequired, 1) {
		return contract.GuardDecisionResult{Result: "recorded", Status: h.Status,
			Reason: fmt.Sprintf("%d of %d approvals", len(h.Approvals), g.policy.ApprovalsRequired)}, nil
	}
	h.Status, h.DecidedAt = contract.HoldApproved, d.At
	g.settle(ctx, h.ID)
	return contract.GuardDecisionResult{Result: "released", Status: h.Status}, nil
}

// settle carries out a decision in the background (the press is answered
// at once): deliver or quarantine the records, then rewrite the message.
func (g *guard) settle(ctx workflow.Context, id string) {
	g.busy++
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { g.busy-- }()
		h := g.hold(id)
		if h == nil {
			return
		}
		var outcome string
		if h.Status == contract.HoldApproved {
			out, err := contract.DeliverHeld.Execute(ctx, fmt.Sprintf("deliver %d held terminations · hr", len(h.Records)),
				contract.DeliverHeldInput{HoldID: id, Records: h.Records, Note: fmt.Sprintf("%s (%s) held %s, released %s by %s",
					id, h.Source, h.Created.UTC().Format(time.RFC3339), h.DecidedAt.UTC().Format(time.RFC3339), who(h.Approvals))})
			if h = g.hold(id); h == nil {
				return
			}
			if err != nil {
				outcome = "Approved, but delivery failed: " + failureMessage(err)
			} else {
				h.Delivered = out.Delivered
				outcome = fmt.Sprintf("Approved by %s: %d terminations released.", who(h.Approvals), out.Delivered)
			}
		} else {
			out, err := contract.QuarantineHeld.Execute(ctx, "quarantine held terminations · evidence", contract.QuarantineHeldInput{Hold: *h})
			if h = g.hold(id); h == nil {
				return
			}
			if err != nil {
				outcome = "Rejected, but the quarantine file failed: " + failureMessage(err)
			} else {
				h.Quarantine = out.Path
				outcome = fmt.Sprintf("Rejected by %s: %d terminations quarantined, none applied.", h.Rejected.Actor.Who(), len(h.Records))
			}
		}
		if h.Message.Posted {
			if _, err := contract.PostHold.Execute(ctx, "update hold · slack", contract.PostHoldInput{Hold: *h, Channel: h.Message.Channel, Outcome: outcome}); err != nil {
				workflow.GetLogger(ctx).Warn("guard: hold message not updated", "hold", id, "error", err.Error())
			}
		}
	})
}

func who(ds []contract.GuardDecision) string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Actor.Who())
	}
	return fmt.Sprint(out)
}

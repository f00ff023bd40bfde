package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Review timing defaults (reviews.due, reviews.escalation_grace).
const (
	defaultReviewDue   = 14 * 24 * time.Hour
	defaultReviewGrace = 7 * 24 * time.Hour
	// reviewLastReminder is how long before the due date the second
	// reminder goes out.
	reviewLastReminder = 48 * time.Hour
)

// review is one campaign's workflow state.
type review struct {
	in     contract.AccessReviewInput
	st     contract.ReviewState
	people map[string]contract.ReviewPerson // HR as last read
	dirty  map[string]bool                  // reviewees with new decisions
	// decided holds operator retry/skip of failed removals, by "<reviewee>/<key>".
	decided map[string]string
	// pages are the employees of each part of a campaign reviewed in parts.
	pages [][]string
}

// AccessReviewWorkflow runs one access-review campaign: a snapshot of the
// access every employee in scope really holds, one Slack DM per reviewee to
// their reviewer (HR manager, then the manager's manager, then the owner),
// reminders at the halfway point and two days before due, the
// non-response policy at due, and each removal applied through the
// lifecycle's idempotent activities and read back. It ends with
// Reviews/<campaign>/decisions.csv and summary.json.
func AccessReviewWorkflow(ctx workflow.Context, in contract.AccessReviewInput) (contract.ReviewState, error) {
	r := &review{in: in, people: map[string]contract.ReviewPerson{}, dirty: map[string]bool{}, decided: map[string]string{}}
	if in.Campaign == "" {
		in.Campaign = contract.CampaignFromWorkflowID(workflow.GetInfo(ctx).WorkflowExecution.ID)
		r.in.Campaign = in.Campaign
	}
	if r.in.Policy.Due <= 0 {
		r.in.Policy.Due = defaultReviewDue
	}
	if r.in.Policy.EscalationGrace <= 0 {
		r.in.Policy.EscalationGrace = defaultReviewGrace
	}
	if r.in.Policy.NonResponse == "" {
		r.in.Policy.NonResponse = contract.NonResponseKeep
	}
	now := workflow.Now(ctx)
	r.st = contract.ReviewState{Campaign: in.Campaign, Scope: in.Scope, Status: contract.ReviewStatusSnapshot, StartedBy: in.StartedBy,
		StartedAt: now, DueAt: now.Add(r.in.Policy.Due), NonResponse: r.in.Policy.NonResponse, Reviewees: []contract.Reviewee{}, PartOf: in.PartOf}
	if err := workflow.SetQueryHandler(ctx, contract.QueryState, func() (contract.ReviewState, error) { return r.st, nil }); err != nil {
		return r.st, err
	}
	if err := contract.ValidReviewCampaign(in.Campaign, in.PartOf); err != nil {
		return r.st, temporal.NewNonRetryableApplicationError(err.Error(), string(domain.ErrBadInput), nil)
	}
	if err := r.handlers(ctx); err != nil {
		return r.st, err
	}
	if err := r.snapshot(ctx); err != nil {
		return r.st, err
	}
	if len(r.st.Parts) > 0 {
		return r.runParts(ctx) // accessreview_parts.go
	}
	r.st.Status = contract.ReviewStatusOpen
	for i := range r.st.Reviewees {
		r.assign(ctx, &r.st.Reviewees[i], "")
	}
	for _, cp := range r.checkpoints() {
		if err := r.until(ctx, cp.at); err != nil {
			return r.st, err
		}
		if r.done() {
			break
		}
		r.refresh(ctx)
		if cp.due {
			r.atDue(ctx)
		} else {
			r.remind(ctx, cp.name)
		}
	}
	if r.st.Status == contract.ReviewStatusEscalated {
		if err := r.until(ctx, r.st.EscalatedAt.Add(r.in.Policy.EscalationGrace)); err != nil {
			return r.st, err
		}
		r.closeUnreviewed(ctx)
	}
	r.process(ctx)
	if err := r.awaitBlocked(ctx); err != nil {
		return r.st, err
	}
	r.st.Status, r.st.CompletedAt = contract.ReviewStatusDone, workflow.Now(ctx)
	out, err := contract.WriteReviewEvidence.Execute(ctx, "write review evidence · evidence", r.st)
	if err != nil {
		return r.st, err
	}
	r.st.Evidence = []string{out.DecisionsCSV, out.SummaryJSON}
	if r.in.PartOf != "" {
		return partResult(r.st), nil
	}
	return r.st, nil
}

type checkpoint struct {
	name string
	at   time.Time
	due  bool
}

// checkpoints: the halfway reminder, the two-days-before reminder (when it
// falls after halfway) and the due date.
func (r *review) checkpoints() []checkpoint {
	half := r.st.StartedAt.Add(r.in.Policy.Due / 2)
	cps := []checkpoint{{name: "halfway", at: half}}
	if last := r.st.DueAt.Add(-reviewLastReminder); last.After(half) {
		cps = append(cps, checkpoint{name: "two days before due", at: last})
	}
	return append(cps, checkpoint{name: "due", at: r.st.DueAt, due: true})
}

// until processes decisions as they come until at, or until nothing is
// left to decide.
func (r *review) until(ctx workflow.Context, at time.Time) error {
	for {
		r.process(ctx)
		if r.done() {
			return nil
		}
		left := at.Sub(workflow.Now(ctx))
		if left <= 0 {
			return nil
		}
		if _, err := workflow.AwaitWithTimeout(ctx, left, func() bool { return len(r.dirty) > 0 }); err != nil {
			return err
		}
	}
}

// done: every reviewee is decided and applied.
func (r *review) done() bool {
	for _, rv := range r.st.Reviewees {
		if rv.Closed == "" && !rv.Applied {
			return false
		}
	}
	return true
}

// process applies the reviewees whose decisions are complete and rewrites
// the DMs of those with new decisions.
func (r *review) process(ctx workflow.Context) {
	for len(r.dirty) > 0 {
		ids := workflow.DeterministicKeys(r.dirty)
		clear(r.dirty)
		for _, id := range ids {
			rv := r.reviewee(id)
			if rv == nil || rv.Closed != "" {
				continue
			}
			if !rv.Pending() && !rv.Applied {
				r.apply(ctx, rv)
			}
			r.message(ctx, rv, "")
		}
	}
}

func (r *review) reviewee(id string) *contract.Reviewee {
	for i := range r.st.Reviewees {
		if r.st.Reviewees[i].EmployeeID == id {
			return &r.st.Reviewees[i]
		}
	}
	return nil
}

// handlers registers the decision update and the operator's retry and
// skip of a failed removal.
func (r *review) handlers(ctx workflow.Context) error {
	err := workflow.SetUpdateHandlerWithOptions(ctx, contract.UpdateReviewDecision,
		func(ctx workflow.Context, d contract.ReviewDecision) (contract.ReviewDecisionResult, error) {
			if err := r.validateDecision(d); err != nil {
				return contract.ReviewDecisionResult{}, err
			}
			return r.decide(ctx, d), nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d contract.ReviewDecision) error { return r.validateDecision(d) }})
	if err != nil {
		return err
	}
	for _, action := range []string{contract.UpdateRetry, contract.UpdateSkip} {
		err := workflow.SetUpdateHandlerWithOptions(ctx, action,
			func(ctx workflow.Context, d contract.OperatorDecision) (contract.DecisionRecord, error) {
				if err := r.validateOperator(d); err != nil {
					return contract.DecisionRecord{}, err
				}
				r.decided[d.Directory] = action
				return contract.DecisionRecord{Directory: d.Directory, Step: "review removal", Action: action, Operator: d.Operator, Reason: d.Reason, At: workflow.Now(ctx)}, nil
			},
			workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, d contract.OperatorDecision) error { return r.validateOperator(d) }})
		if err != nil {
			return err
		}
	}
	return nil
}

func (r *review) validateOperator(d contract.OperatorDecision) error {
	if strings.TrimSpace(d.Operator) == "" {
		return errors.New("operator is required: who decides is recorded")
	}
	if !slices.Contains(r.st.Blocked, d.Directory) {
		return fmt.Errorf("%q is not a failed removal waiting for an operator (blocked: %s)", d.Directory, strings.Join(r.st.Blocked, ", "))
	}
	if r.decided[d.Directory] != "" {
		return fmt.Errorf("%q already has a decision", d.Directory)
	}
	return nil
}

func (r *review) validateDecision(d contract.ReviewDecision) error {
	if len(r.st.Parts) > 0 {
		return r.partsRefusal(d)
	}
	if d.Actor.EmployeeID == "" && d.Actor.SlackUserID == "" {
		return errors.New("actor is required: who decides is recorded")
	}
	if d.Decision != contract.ReviewKeep && d.Decision != contract.ReviewRemove {
		return fmt.Errorf("decision %q: want keep or remove", d.Decision)
	}
	if d.All && d.Decision != contract.ReviewKeep {
		return errors.New("only keep applies to all items")
	}
	if r.reviewee(d.Reviewee) == nil {
		return fmt.Errorf("employee %q is not under review in campaign %s", d.Reviewee, r.st.Campaign)
	}
	return nil
}

// maxReviewRefusalsKept bounds the refusals the state keeps (the first ones).
const maxReviewRefusalsKept = 200

// decide records a decision from the assigned reviewer, or refuses and
// records anyone else's: the reviewee themselves, another employee, a
// Slack member who is not the reviewer's HR email.
func (r *review) decide(ctx workflow.Context, d contract.ReviewDecision) contract.ReviewDecisionResult {
	rv := r.reviewee(d.Reviewee)
	now := workflow.Now(ctx)
	refuse := func(reason string) contract.ReviewDecisionResult {
		if len(r.st.Refusals) < maxReviewRefusalsKept {
			r.st.Refusals = append(r.st.Refusals, contract.ReviewRefusal{Actor: d.Actor, Reviewee: d.Reviewee, Reason: reason, At: now})
		}
		workflow.GetLogger(ctx).Warn("review decision refused", "campaign", r.st.Campaign, "reviewee", d.Reviewee, "actor", d.Actor.Who(), "reason", reason)
		return contract.ReviewDecisionResult{Result: domain.DecisionRefused, Message: reason}
	}
	switch {
	case d.Actor.EmployeeID == rv.EmployeeID:
		return refuse("a person never reviews their own access")
	case rv.Closed != "":
		return refuse("this review is closed (" + rv.Closed + ")")
	case rv.Reviewer == "":
		return refuse("this review has no reviewer assigned")
	case d.Actor.SlackUserID != "" && (rv.ReviewerSlackUserID == "" || d.Actor.SlackUserID != rv.ReviewerSlackUserID):
		return refuse("you are not the reviewer of " + rv.EmployeeID)
	case d.Actor.SlackUserID == "" && d.Actor.EmployeeID != rv.Reviewer:
		return refuse("you are not the reviewer of " + rv.EmployeeID)
	}
	n := 0
	for i := range rv.Items {
		it := &rv.Items[i]
		if it.Result != "" || (!d.All && it.Key != d.Key) || (d.All && it.Decision != "") {
			continue
		}
		it.Decision, it.DecidedBy, it.DecidedAt, it.Reviewer = d.Decision, rv.Reviewer, now, rv.Reviewer
		n++
	}
	if n == 0 {
		return contract.ReviewDecisionResult{Result: domain.DecisionRefused, Message: "nothing left to decide for that item"}
	}
	r.dirty[rv.EmployeeID] = true
	return contract.ReviewDecisionResult{Result: domain.DecisionAccepted, Message: fmt.Sprintf("recorded %s for %d item(s) of %s", d.Decision, n, rv.EmployeeID)}
}

// remind DMs each reviewer who still has items pending.
func (r *review) remind(ctx workflow.Context, which string) {
	r.st.Reminders = append(r.st.Reminders, workflow.Now(ctx))
	for _, rev := range r.pendingReviewers() {
		n := r.pendingOf(rev)
		text := fmt.Sprintf("Reminder (%s): %d access review(s) of campaign %s wait for your decision, due %s.", which, n, r.st.Campaign, r.st.DueAt.Format(time.RFC3339))
		if _, err := contract.NotifyEmployee.Execute(ctx, "remind reviewer · slack", contract.NotifyEmployeeInput{EmployeeID: rev, Text: text}); err != nil {
			workflow.GetLogger(ctx).Warn("reminder not sent", "campaign", r.st.Campaign, "reviewer", rev, "error", err.Error())
		}
	}
}

// pendingReviewers are the reviewers with a reviewee still pending, sorted.
func (r *review) pendingReviewers() []string {
	var out []string
	for _, rv := range r.st.Reviewees {
		if rv.Pending() && rv.Reviewer != "" && !slices.Contains(out, rv.Reviewer) {
			out = append(out, rv.Reviewer)
		}
	}
	slices.Sort(out)
	return out
}

func (r *review) pendingOf(reviewer string) int {
	n := 0
	for _, rv := range r.st.Reviewees {
		if rv.Pending() && rv.Reviewer == reviewer {
			n++
		}
	}
	return n
}

// atDue records the overdue reviewers, tells the owner and the security
// channel, and applies the non-response policy to what is still pending.
func (r *review) atDue(ctx workflow.Context) {
	r.st.Overdue = r.pendingReviewers()
	pending := 0
	for _, rv := range r.st.Reviewees {
		if rv.Pending() {
			pending++
		}
	}
	if pending == 0 {
		return
	}
	text := fmt.Sprintf("Access review %s is due with %d reviewee(s) undecided; overdue reviewers: %s. Non-response policy: %s.",
		r.st.Campaign, pending, strings.Join(r.st.Overdue, ", "), r.in.Policy.NonResponse)
	r.alert(ctx, text)
	if o := r.in.Policy.Owner; o != "" {
		if _, err := contract.NotifyEmployee.Execute(ctx, "escalate to owner · slack", contract.NotifyEmployeeInput{EmployeeID: o, Text: text}); err != nil {
			workflow.GetLogger(ctx).Warn("owner not told", "campaign", r.st.Campaign, "error", err.Error())
		}
	}
	now := workflow.Now(ctx)
	for i := range r.st.Reviewees {
		rv := &r.st.Reviewees[i]
		if !rv.Pending() {
			continue
		}
		switch r.in.Policy.NonResponse {
		case contract.NonResponseEscalate:
			r.escalate(ctx, rv)
			continue
		case contract.NonResponseRemove:
			r.decideByPolicy(rv, contract.ReviewRemove, now)
		default:
			r.decideByPolicy(rv, contract.ReviewKeep, now)
		}
		r.dirty[rv.EmployeeID] = true
	}
	if r.st.Status == contract.ReviewStatusEscalated {
		r.st.EscalatedAt = now
	}
}

func (r *review) decideByPolicy(rv *contract.Reviewee, decision string, now time.Time) {
	for j := range rv.Items {
		if it := &rv.Items[j]; it.Decision == "" && it.Result == "" {
			it.Decision, it.DecidedBy, it.DecidedAt, it.Reviewer = decision, "policy:"+r.in.Policy.NonResponse, now, rv.Reviewer
		}
	}
}

// escalate hands a pending reviewee to the owner, who has the grace period.
func (r *review) escalate(ctx workflow.Context, rv *contract.Reviewee) {
	r.st.Status = contract.ReviewStatusEscalated
	o := r.in.Policy.Owner
	if o == "" || o == rv.EmployeeID || o == rv.Reviewer {
		return // the owner already has it, or may not review themselves
	}
	r.assign(ctx, rv, "escalated: the review was not done by the due date")
}

// closeUnreviewed ends what the escalation left undecided: kept, recorded
// as not reviewed.
func (r *review) closeUnreviewed(ctx workflow.Context) {
	now := workflow.Now(ctx)
	for i := range r.st.Reviewees {
		rv := &r.st.Reviewees[i]
		if !rv.Pending() {
			continue
		}
		for j := range rv.Items {
			if it := &rv.Items[j]; it.Decision == "" && it.Result == "" {
				it.Result, it.Detail, it.AppliedAt, it.Reviewer = contract.ReviewNotReviewed, "no decision by the end of the escalation; kept", now, rv.Reviewer
			}
		}
		r.dirty[rv.EmployeeID] = true
	}
}

// alert posts to the security channel (best effort).
func (r *review) alert(ctx workflow.Context, text string) {
	if r.in.Policy.SecurityChannel == "" {
		return
	}
	if _, err := contract.NotifyChannel.Execute(ctx, "alert · slack", contract.NotifyChannelInput{Channel: r.in.Policy.SecurityChannel, Text: text}); err != nil {
		workflow.GetLogger(ctx).Warn("alert not sent", "campaign", r.st.Campaign, "error", err.Error())
	}
}

// awaitBlocked waits for an operator's retry or skip of each failed
// removal; a retry runs it again.
func (r *review) awaitBlocked(ctx workflow.Context) error {
	for len(r.st.Blocked) > 0 {
		r.st.Status = contract.ReviewStatusBlocked
		if err := workflow.Await(ctx, func() bool { return len(r.decided) > 0 }); err != nil {
			return err
		}
		for _, k := range workflow.DeterministicKeys(r.decided) {
			action := r.decided[k]
			delete(r.decided, k)
			r.st.Blocked = slices.DeleteFunc(r.st.Blocked, func(b string) bool { return b == k })
			rv, it := r.blockedItem(k)
			if it == nil {
				continue
			}
			if action == contract.UpdateSkip {
				it.Detail += "; skipped by an operator"
				continue
			}
			it.Result, it.Detail = "", ""
			r.removeItem(ctx, rv, it)
			r.message(ctx, rv, "")
		}
	}
	return nil
}

func (r *review) blockedItem(k string) (*contract.Reviewee, *contract.ReviewItem) {
	emp, key, _ := strings.Cut(k, "/")
	rv := r.reviewee(emp)
	if rv == nil {
		return nil, nil
	}
	for i := range rv.Items {
		if fmt.Sprint(rv.Items[i].Key) == key {
			return rv, &rv.Items[i]
		}
	}
	return nil, nil
}

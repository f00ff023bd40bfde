package workflows

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// The AccessReview workflow's phases that talk to HR, Slack and the
// directories: the snapshot, reviewer assignment, the re-read before
// applying (leavers and movers), and the removals.

// snapshot finds who is in scope (active in HR as jml holds it) and reads
// their access from the directories.
func (r *review) snapshot(ctx workflow.Context) error {
	ids := []string{}
	if e := r.in.Scope.EmployeeID; e != "" {
		ids = append(ids, e)
	} else if len(r.in.Population) > 0 {
		ids = append(ids, r.in.Population...) // a part's page
	} else {
		pop, err := contract.ListActiveEmployees.Execute(ctx, "list active employees · temporal", contract.Empty{})
		if err != nil {
			return err
		}
		ids = pop.EmployeeIDs
	}
	if err := r.read(ctx, ids); err != nil {
		return err
	}
	var scope []string
	for _, id := range ids {
		p := r.people[id]
		if p.Found && p.Active && (r.in.Scope.Department == "" || strings.EqualFold(p.Role.Department, r.in.Scope.Department)) {
			scope = append(scope, id)
		}
	}
	if r.split(ctx, scope) {
		return nil // reviewed in parts (accessreview_parts.go)
	}
	snap, err := contract.SnapshotAccess.Execute(ctx, "snapshot access · directories", contract.SnapshotInput{Campaign: r.st.Campaign, EmployeeIDs: scope, PartOf: r.in.PartOf})
	if err != nil {
		return err
	}
	r.st.SnapshotPath, r.st.SnapshotSHA256 = snap.Path, snap.SHA256
	for _, ea := range snap.Employees {
		rv := contract.Reviewee{EmployeeID: ea.EmployeeID, Role: r.people[ea.EmployeeID].Role, Unreadable: ea.Unreadable, Items: []contract.ReviewItem{}}
		for _, a := range ea.Items {
			rv.Items = append(rv.Items, contract.ReviewItem{Key: rv.NextKey, Access: a})
			rv.NextKey++
		}
		if len(rv.Items) == 0 {
			rv.Applied = true // nothing to review
		}
		r.st.Reviewees = append(r.st.Reviewees, rv)
	}
	return nil
}

// read refreshes what HR says of these people (missing ones included).
func (r *review) read(ctx workflow.Context, ids []string) error {
	for start := 0; start < len(ids); start += assessBatch {
		out, err := contract.ReadReviewPeople.Execute(ctx, "read HR · jml", contract.ReviewPeopleInput{EmployeeIDs: ids[start:min(start+assessBatch, len(ids))]})
		if err != nil {
			return err
		}
		for _, p := range out.People {
			r.people[p.EmployeeID] = p
		}
	}
	return nil
}

// chain is who may review emp, in order: the HR manager, the manager's
// manager, then the owner; never emp themselves, never someone who has
// left or whom jml does not know.
func (r *review) chain(ctx workflow.Context, emp string) []string {
	var cands []string
	m := r.people[emp].ManagerEmployeeID
	if m != "" {
		cands = append(cands, m)
		if _, ok := r.people[m]; !ok {
			_ = r.read(ctx, []string{m})
		}
		if mm := r.people[m].ManagerEmployeeID; mm != "" {
			cands = append(cands, mm)
		}
	}
	if o := r.in.Policy.Owner; o != "" {
		cands = append(cands, o)
	}
	var unknown []string
	for _, c := range cands {
		if _, ok := r.people[c]; !ok && !slices.Contains(unknown, c) {
			unknown = append(unknown, c)
		}
	}
	if len(unknown) > 0 {
		if err := r.read(ctx, unknown); err != nil {
			workflow.GetLogger(ctx).Warn("reviewers not read", "campaign", r.st.Campaign, "error", err.Error())
		}
	}
	var out []string
	for _, c := range cands {
		if p := r.people[c]; c != emp && p.Found && p.Active && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// assign gives the reviewee the first reviewer of their chain after the
// current one (a new campaign: the first) and DMs them. note says why a
// review moved.
func (r *review) assign(ctx workflow.Context, rv *contract.Reviewee, note string) {
	if rv.Applied || rv.Closed != "" {
		return
	}
	chain := r.chain(ctx, rv.EmployeeID)
	if note != "" {
		// after the current reviewer: the next in line, else the owner
		if i := slices.Index(chain, rv.Reviewer); i >= 0 {
			chain = chain[i+1:]
		}
		if strings.HasPrefix(note, "escalated") {
			chain = nil
			if o := r.in.Policy.Owner; o != "" && o != rv.EmployeeID && r.people[o].Active {
				chain = []string{o}
			}
		}
	}
	old := rv.Message
	if len(chain) == 0 {
		rv.Reviewer, rv.ReviewerSlackUserID, rv.Chain, rv.Message = "", "", nil, contract.ReviewMessageRef{}
		r.alert(ctx, fmt.Sprintf("Access review %s: employee %s has no reviewer (no active manager, manager's manager or owner other than themselves).", r.st.Campaign, rv.EmployeeID))
		return
	}
	if old.TS != "" && rv.Reviewer != "" {
		r.message(ctx, rv, "moved to another reviewer: "+note) // the old DM loses its buttons
	}
	rv.Reviewer, rv.Chain, rv.Message, rv.ReviewerSlackUserID, rv.Delivered = chain[0], chain[1:], contract.ReviewMessageRef{}, "", false
	r.message(ctx, rv, note)
}

// message posts the reviewee's DM to the reviewer, or rewrites it with the
// decisions so far. A DM that cannot be delivered is recorded, not fatal:
// reminders and the non-response policy still run.
func (r *review) message(ctx workflow.Context, rv *contract.Reviewee, note string) {
	if rv.Reviewer == "" {
		return
	}
	out, err := contract.PostReviewMessage.Execute(ctx, "review DM · slack", contract.ReviewMessageInput{Campaign: r.st.Campaign,
		ReviewerEmployeeID: rv.Reviewer, RevieweeEmployeeID: rv.EmployeeID, DueAt: r.st.DueAt, Items: rv.Items, Message: rv.Message, Note: note})
	if err != nil {
		workflow.GetLogger(ctx).Warn("review DM not sent", "campaign", r.st.Campaign, "reviewee", rv.EmployeeID, "error", err.Error())
		return
	}
	if out.Delivered {
		rv.Delivered, rv.Message = true, out.Message
		if out.ReviewerSlackUserID != "" {
			rv.ReviewerSlackUserID = out.ReviewerSlackUserID
		}
	}
}

// refresh re-reads HR for every open reviewee and their reviewer: a leaver's
// items close, a mover's access is read again, and a reviewer who left
// hands over to the next in line.
func (r *review) refresh(ctx workflow.Context) {
	var ids []string
	for _, rv := range r.st.Reviewees {
		if rv.Closed == "" && !rv.Applied {
			ids = append(ids, rv.EmployeeID)
			if rv.Reviewer != "" {
				ids = append(ids, rv.Reviewer)
			}
		}
	}
	slices.Sort(ids)
	if err := r.read(ctx, slices.Compact(ids)); err != nil {
		workflow.GetLogger(ctx).Warn("HR not re-read", "campaign", r.st.Campaign, "error", err.Error())
		return
	}
	for i := range r.st.Reviewees {
		rv := &r.st.Reviewees[i]
		if rv.Closed != "" || rv.Applied {
			continue
		}
		if r.recheck(ctx, rv) {
			continue
		}
		if p := r.people[rv.Reviewer]; rv.Reviewer != "" && (!p.Found || !p.Active) {
			r.assign(ctx, rv, fmt.Sprintf("reviewer %s has left", rv.Reviewer))
		}
	}
}

// recheck acts on what HR says of the reviewee now; it reports whether the
// reviewee was closed.
func (r *review) recheck(ctx workflow.Context, rv *contract.Reviewee) bool {
	p := r.people[rv.EmployeeID]
	if !p.Found || !p.Active {
		r.closeLeaver(ctx, rv)
		return true
	}
	if p.Role != rv.Role {
		r.rescope(ctx, rv, p.Role)
	}
	return false
}

// closeLeaver closes a leaver's items: the leaver workflow removes
// everything they hold.
func (r *review) closeLeaver(ctx workflow.Context, rv *contract.Reviewee) {
	now := workflow.Now(ctx)
	for i := range rv.Items {
		if it := &rv.Items[i]; it.Result == "" {
			it.Result, it.Detail, it.AppliedAt = contract.ReviewClosedLeaver, "the employee left; the leaver removes all access", now
		}
	}
	rv.Closed = "left"
	r.message(ctx, rv, "closed: the employee has left")
}

// rescope reads a mover's access again: items they no longer hold close,
// items still held keep their decision, new ones are added for review.
func (r *review) rescope(ctx workflow.Context, rv *contract.Reviewee, role contract.ReviewRole) {
	rv.Rescoped++
	id := fmt.Sprintf("%s.rescope-%s-%d", r.st.Campaign, rv.EmployeeID, rv.Rescoped)
	snap, err := contract.SnapshotAccess.Execute(ctx, "re-read mover access · directories", contract.SnapshotInput{Campaign: id, EmployeeIDs: []string{rv.EmployeeID}, PartOf: r.in.PartOf})
	if err != nil {
		workflow.GetLogger(ctx).Warn("mover access not re-read", "campaign", r.st.Campaign, "reviewee", rv.EmployeeID, "error", err.Error())
		return
	}
	rv.Role = role
	held := map[string]contract.AccessItem{}
	for _, ea := range snap.Employees {
		for _, a := range ea.Items {
			held[a.ID] = a
		}
	}
	now := workflow.Now(ctx)
	for i := range rv.Items {
		it := &rv.Items[i]
		a, ok := held[it.Access.ID]
		switch {
		case !ok && it.Result == "":
			it.Result, it.Detail, it.AppliedAt = contract.ReviewClosedMoved, "no longer held after a move", now
		case ok:
			it.Access.Catalog = a.Catalog
		}
		delete(held, it.Access.ID)
	}
	for _, id := range workflow.DeterministicKeys(held) {
		rv.Items = append(rv.Items, contract.ReviewItem{Key: rv.NextKey, Access: held[id]})
		rv.NextKey++
	}
	r.message(ctx, rv, "re-scoped: the employee moved; review the access they hold now")
}

// apply re-reads the reviewee in HR, then carries out their decisions.
func (r *review) apply(ctx workflow.Context, rv *contract.Reviewee) {
	if err := r.read(ctx, []string{rv.EmployeeID}); err == nil {
		if r.recheck(ctx, rv) || rv.Pending() {
			return // closed, or re-scoped with new items to decide
		}
	}
	for i := range rv.Items {
		it := &rv.Items[i]
		if it.Result != "" {
			continue
		}
		if it.Decision == contract.ReviewKeep {
			it.Result, it.AppliedAt = contract.ReviewKept, workflow.Now(ctx)
			continue
		}
		r.removeItem(ctx, rv, it)
	}
	rv.Applied = true
}

// removeItem removes one item through the lifecycle's idempotent removal
// activities and reads it back, unless policy protects it: a declared
// break-glass account, or the last holder of an admin role.
func (r *review) removeItem(ctx workflow.Context, rv *contract.Reviewee, it *contract.ReviewItem) {
	a := it.Access
	set := func(result, detail string) {
		it.Result, it.Detail, it.AppliedAt = result, detail, workflow.Now(ctx)
	}
	if a.Kind == contract.EntitlementAdminRole && r.lastHolder(rv, a) {
		set(contract.ReviewSkippedByPolicy, "last holder of the role in the campaign: removing it could lock everyone out")
		return
	}
	sum := func(step string) string { return step + " · " + a.Directory }
	acct, err := contract.ResolveReviewAccount.Execute(ctx, sum("find account"), contract.ReviewAccountInput{Directory: a.Directory, Kind: a.Kind, EmployeeID: rv.EmployeeID, BreakGlass: r.in.Policy.BreakGlass})
	if err != nil {
		r.failed(ctx, rv, it, err)
		return
	}
	switch {
	case acct.BreakGlass:
		set(contract.ReviewSkippedByPolicy, "declared break-glass account (governance.break_glass)")
		return
	case !acct.Found:
		set(contract.ReviewAlreadyRemoved, "no account any more")
		return
	}
	var outcome string
	switch a.Kind {
	case contract.EntitlementGroup, contract.EntitlementLicense:
		kind := domain.KindGroup
		if a.Kind == contract.EntitlementLicense {
			kind = domain.KindLicense
		}
		out, err := contract.ApplyAccess.Execute(ctx, sum("remove "+a.Kind), contract.ApplyAccessInput{Directory: a.Directory, AccountID: acct.AccountID, EmployeeID: rv.EmployeeID,
			Changes: []domain.Change{{Directory: a.Directory, Kind: kind, Remove: []string{a.Entitlement}}}})
		if err != nil {
			r.failed(ctx, rv, it, err)
			return
		}
		if len(out.Actions) > 0 {
			outcome = out.Actions[0].Outcome
		}
	case contract.EntitlementAdminRole:
		out, err := contract.RevokeAdminRole.Execute(ctx, sum("revoke admin role"), contract.AdminRoleInput{Directory: a.Directory, AccountID: acct.AccountID, EmployeeID: rv.EmployeeID, Role: a.Entitlement})
		if err != nil {
			r.failed(ctx, rv, it, err)
			return
		}
		outcome = out.Outcome
	case contract.EntitlementApp:
		out, err := contract.DeprovisionApp.Execute(ctx, sum("deprovision app"), contract.AppInput{App: a.Directory, Person: domain.Person{EmployeeID: rv.EmployeeID}})
		if err != nil {
			r.failed(ctx, rv, it, err)
			return
		}
		if len(out.Actions) > 0 {
			outcome = out.Actions[0].Outcome
		}
	case contract.EntitlementSSOApp:
		var ok bool
		if outcome, ok = r.removeSSOApp(ctx, rv, it, acct.AccountID); !ok {
			return
		}
	default:
		set(contract.ReviewFailed, "unknown kind "+a.Kind)
		return
	}
	var verr error
	if a.Kind == contract.EntitlementAdminRole {
		_, verr = contract.VerifyAdminRoleRevoked.Execute(ctx, sum("verify role revoked"), contract.AdminRoleInput{Directory: a.Directory, AccountID: acct.AccountID, EmployeeID: rv.EmployeeID, Role: a.Entitlement})
	} else {
		_, verr = contract.VerifyAccessRemoved.Execute(ctx, sum("verify removed"), contract.VerifyRemovedInput{Directory: a.Directory, Kind: a.Kind, AccountID: acct.AccountID, EmployeeID: rv.EmployeeID, Entitlement: a.Entitlement})
	}
	if verr != nil {
		r.failed(ctx, rv, it, verr)
		return
	}
	switch domain.Outcome(outcome) {
	case domain.WasAbsent, domain.AlreadyDisabled:
		set(contract.ReviewAlreadyRemoved, "read back: not held ("+outcome+")")
	default:
		set(contract.ReviewApplied, "read back: removed ("+outcome+")")
	}
}

// lastHolder: no other reviewee of the campaign keeps this admin role in
// this directory. A campaign sees only its scope, so a role held only by
// people out of scope counts as not held: the removal is skipped, never a
// lock-out.
func (r *review) lastHolder(self *contract.Reviewee, a contract.AccessItem) bool {
	for _, rv := range r.st.Reviewees {
		if rv.EmployeeID == self.EmployeeID || rv.Closed != "" {
			continue
		}
		for _, it := range rv.Items {
			if it.Access.Kind == a.Kind && it.Access.Directory == a.Directory && strings.EqualFold(it.Access.Entitlement, a.Entitlement) && stillHeld(it) {
				return false
			}
		}
	}
	return true
}

// stillHeld: the item stays held (kept, undecided, or a removal that was
// skipped or failed); a removal decided but not yet applied does not count.
func stillHeld(it contract.ReviewItem) bool {
	switch it.Result {
	case contract.ReviewSkippedByPolicy, contract.ReviewFailed:
		return true
	case contract.ReviewApplied, contract.ReviewAlreadyRemoved, contract.ReviewClosedMoved, contract.ReviewClosedLeaver:
		return false
	}
	return it.Decision != contract.ReviewRemove
}

// failed records a removal that did not happen (after the activity's
// retries), blocks the campaign's end on it and alerts, like a lane.
func (r *review) failed(ctx workflow.Context, rv *contract.Reviewee, it *contract.ReviewItem, err error) {
	it.Result, it.Detail, it.AppliedAt = contract.ReviewFailed, err.Error(), workflow.Now(ctx)
	k := fmt.Sprintf("%s/%d", rv.EmployeeID, it.Key)
	if !slices.Contains(r.st.Blocked, k) {
		r.st.Blocked = append(r.st.Blocked, k)
	}
	r.alert(ctx, fmt.Sprintf("Access review %s: removing %s %s of employee %s from %s failed: %s. An operator must send the %q or %q update to workflow %s with directory %q.",
		r.st.Campaign, it.Access.Kind, it.Access.Entitlement, rv.EmployeeID, it.Access.Directory, err.Error(), contract.UpdateRetry, contract.UpdateSkip,
		workflow.GetInfo(ctx).WorkflowExecution.ID, k))
}

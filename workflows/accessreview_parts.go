package workflows

import (
	"fmt"
	"slices"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// A campaign over more people than its part size is reviewed in parts
// (contract/reviewparts.go): one workflow holding every reviewee would
// outgrow Temporal's limits (a ~1 KB-per-employee snapshot in one 2 MB
// payload, a state no query or continue-as-new can carry, a history of
// every DM and decision), so review/<campaign> pages its population and runs
// one child campaign per page, each bounded by the part size. A part is
// the same workflow: snapshot, reviewers, DMs, reminders, non-response
// policy, removals read back. Its DMs' buttons carry the part's id, so a
// press goes straight to the part that holds the item.

// reviewPartsChange: campaigns over the part size are split (before,
// one workflow snapshotted everyone and failed on the payload limit).
const reviewPartsChange = "review-parts"

func (r *review) partSize() int {
	if n := r.in.Policy.PartSize; n > 0 {
		return min(n, contract.MaxReviewPartSize)
	}
	return contract.DefaultReviewPartSize
}

// split pages the scope into parts when it is larger than the part size,
// reports of one manager next to each other (one manager's reviews, and
// reminders, mostly in one part). It reports whether the campaign is
// reviewed in parts.
func (r *review) split(ctx workflow.Context, scope []string) bool {
	size := r.partSize()
	if r.in.PartOf != "" || len(scope) <= size {
		return false
	}
	if workflow.GetVersion(ctx, reviewPartsChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return false
	}
	ids := slices.Clone(scope)
	slices.SortStableFunc(ids, func(a, b string) int {
		if c := strings.Compare(r.people[a].ManagerEmployeeID, r.people[b].ManagerEmployeeID); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	r.pages = nil
	for start := 0; start < len(ids); start += size {
		page := ids[start:min(start+size, len(ids))]
		part := contract.ReviewPartID(r.st.Campaign, len(r.pages)+1)
		r.pages = append(r.pages, page)
		r.st.Parts = append(r.st.Parts, contract.ReviewPart{Campaign: part, WorkflowID: contract.AccessReviewWorkflowID(part), Reviewees: len(page), Status: contract.ReviewPartOpen})
	}
	return true
}

// runParts starts every part, waits for them all, and merges their
// evidence. A part that fails is recorded, alerted and named in the
// summary; the others still finish and count.
func (r *review) runParts(ctx workflow.Context) (contract.ReviewState, error) {
	r.st.Status = contract.ReviewStatusOpen
	futures := make([]workflow.ChildWorkflowFuture, len(r.st.Parts))
	for i, p := range r.st.Parts {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{WorkflowID: p.WorkflowID,
			StaticSummary:         fmt.Sprintf("access review %s: part %d of %d", r.st.Campaign, i+1, len(r.st.Parts)),
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE})
		futures[i] = workflow.ExecuteChildWorkflow(cctx, contract.AccessReviewWorkflowName, contract.AccessReviewInput{Campaign: p.Campaign, PartOf: r.st.Campaign,
			Population: r.pages[i], Scope: r.in.Scope, Policy: r.in.Policy, StartedBy: r.in.StartedBy})
	}
	for i, f := range futures {
		p := &r.st.Parts[i]
		var out contract.ReviewState
		if err := f.Get(ctx, &out); err != nil {
			p.Status, p.Error = contract.ReviewPartFailed, err.Error()
			r.alert(ctx, fmt.Sprintf("Access review %s: part %s failed: %s. Its decisions so far are in workflow %s.", r.st.Campaign, p.Campaign, err.Error(), p.WorkflowID))
			continue
		}
		p.Status, p.Overdue, p.Evidence = contract.ReviewPartDone, out.Overdue, out.Evidence
		for _, o := range out.Overdue {
			if !slices.Contains(r.st.Overdue, o) {
				r.st.Overdue = append(r.st.Overdue, o)
			}
		}
	}
	slices.Sort(r.st.Overdue)
	r.st.Status, r.st.CompletedAt = contract.ReviewStatusDone, workflow.Now(ctx)
	out, err := contract.MergeReviewEvidence.Execute(ctx, "merge review evidence · evidence", r.st)
	if err != nil {
		return r.st, err
	}
	r.st.SnapshotPath, r.st.SnapshotSHA256 = out.SnapshotPath, out.SnapshotSHA256
	r.st.Evidence = []string{out.DecisionsCSV, out.SummaryJSON}
	return r.st, nil
}

// partsRefusal answers a decision sent to a campaign reviewed in parts:
// its DMs come from the parts, and so must the decisions.
func (r *review) partsRefusal(d contract.ReviewDecision) error {
	for i, page := range r.pages {
		if slices.Contains(page, d.Reviewee) {
			return fmt.Errorf("campaign %s is reviewed in parts: employee %q is reviewed in %s (workflow %s)", r.st.Campaign, d.Reviewee, r.st.Parts[i].Campaign, r.st.Parts[i].WorkflowID)
		}
	}
	return fmt.Errorf("employee %q is not under review in campaign %s", d.Reviewee, r.st.Campaign)
}

// partResult is what a part returns to its campaign: its outcome and
// evidence, not its reviewees (they are in its evidence files and its
// state query), so the campaign's history stays small.
func partResult(st contract.ReviewState) contract.ReviewState {
	st.Reviewees, st.Refusals = nil, nil
	return st
}

package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	sdktest "go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

// ssoStubs adds RemoveSSOApp to the review stubs: an app a group grants
// (groupApps) is refused as Okta refuses it; others are unassigned.
func (r *reviewRig) ssoStubs(groupApps map[string]string) *[]contract.SSOAppInput {
	var calls []contract.SSOAppInput
	r.env.RegisterActivityWithOptions(func(_ context.Context, in contract.SSOAppInput) (contract.SSOAppOutput, error) {
		r.s.mu.Lock()
		calls = append(calls, in)
		r.s.mu.Unlock()
		if g, ok := groupApps[in.App]; ok {
			return contract.SSOAppOutput{Outcome: contract.SSOAppGroupAssigned, Groups: []string{g}}, nil
		}
		return contract.SSOAppOutput{Outcome: r.s.drop(strings.TrimPrefix(in.AccountID, "acct-"), in.Directory, contract.EntitlementSSOApp, in.App)}, nil
	}, activity.RegisterOptions{Name: contract.RemoveSSOApp.Name})
	return &calls
}

// A reviewer removes two Okta apps of E1: the directly assigned one is
// unassigned and read back (applied); the one a group grants is not
// removed, and the outcome says so (failed, naming the group, blocking the
// campaign and alerting) until an operator skips it.
func TestAccessReviewSSOAppRemoval(t *testing.T) {
	r := newReviewRig(t)
	r.s.access["E1"] = []contract.AccessItem{item("okta", contract.EntitlementSSOApp, "AWS Console", false), item("okta", contract.EntitlementSSOApp, "Gong", false)}
	calls := r.ssoStubs(map[string]string{"Gong": "dept-sales"})
	r.remove(time.Hour, "M1", "E1", 0)
	r.remove(time.Hour+time.Minute, "M1", "E1", 1)
	var skipped error
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(contract.UpdateSkip, "skip", &sdktest.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { skipped = err }, OnComplete: func(_ any, err error) { skipped = err }},
			contract.OperatorDecision{Directory: "E1/1", Operator: "ops", Reason: "the group stays; reviewed with its owner"})
	}, 2*time.Hour)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})

	require.NoError(t, skipped)
	aws := reviewItem(t, st, "E1", "okta/sso_app/AWS Console")
	assert.Equal(t, contract.ReviewApplied, aws.Result, aws.Detail)
	assert.False(t, r.s.holds("E1", "okta/sso_app/AWS Console"), "unassigned in the directory")
	gong := reviewItem(t, st, "E1", "okta/sso_app/Gong")
	assert.Equal(t, contract.ReviewFailed, gong.Result, "never reported as removed")
	assert.Contains(t, gong.Detail, "assigned through group dept-sales")
	assert.Contains(t, gong.Detail, "skipped by an operator")
	assert.True(t, r.s.holds("E1", "okta/sso_app/Gong"))
	assert.True(t, slices.ContainsFunc(r.s.alerts, func(a string) bool { return strings.Contains(a, "dept-sales") && strings.Contains(a, `"E1/1"`) }), "alerted: %v", r.s.alerts)
	require.Len(t, *calls, 2)
	assert.Equal(t, contract.SSOAppInput{Directory: "okta", AccountID: "acct-E1", EmployeeID: "E1", App: "AWS Console"}, (*calls)[0])
	assert.Equal(t, contract.ReviewStatusDone, st.Status)
}

// partsRig records every evidence write (one per part) and the merge.
type partsRig struct {
	*reviewRig
	parts  []contract.ReviewState
	merged *contract.ReviewState
}

func newPartsRig(t *testing.T) *partsRig {
	p := &partsRig{reviewRig: newReviewRig(t)}
	// The parts start by the workflow type's registered name.
	p.env.RegisterWorkflowWithOptions(workflows.AccessReviewWorkflow, workflow.RegisterOptions{Name: contract.AccessReviewWorkflowName})
	p.env.RegisterActivityWithOptions(func(_ context.Context, st contract.ReviewState) (contract.ReviewEvidenceOutput, error) {
		p.s.mu.Lock()
		defer p.s.mu.Unlock()
		p.parts = append(p.parts, st)
		p.s.evidence = &st
		dir := "Reviews/" + st.PartOf + "/parts/" + st.Campaign
		return contract.ReviewEvidenceOutput{DecisionsCSV: dir + "/decisions.csv", SummaryJSON: dir + "/summary.json"}, nil
	}, activity.RegisterOptions{Name: contract.WriteReviewEvidence.Name, DisableAlreadyRegisteredCheck: true})
	p.env.RegisterActivityWithOptions(func(_ context.Context, st contract.ReviewState) (contract.ReviewMergeOutput, error) {
		p.s.mu.Lock()
		defer p.s.mu.Unlock()
		p.merged = &st
		return contract.ReviewMergeOutput{DecisionsCSV: "Reviews/" + st.Campaign + "/decisions.csv", SummaryJSON: "Reviews/" + st.Campaign + "/summary.json",
			SnapshotPath: "Reviews/" + st.Campaign + "/snapshot.json", SnapshotSHA256: "merged"}, nil
	}, activity.RegisterOptions{Name: contract.MergeReviewEvidence.Name})
	return p
}

// pressIn sends a decision to one part's workflow.
func (p *partsRig) pressIn(after time.Duration, part string, d contract.ReviewDecision) string {
	p.seq++
	key := fmt.Sprintf("d%d", p.seq)
	p.env.RegisterDelayedCallback(func() {
		err := p.env.UpdateWorkflowByID(contract.AccessReviewWorkflowID(part), contract.UpdateReviewDecision, key, &sdktest.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { p.errs[key] = err },
			OnComplete: func(v any, err error) {
				if err != nil {
					p.errs[key] = err
					return
				}
				p.results[key] = v.(contract.ReviewDecisionResult)
			},
		}, d)
		if err != nil {
			p.errs[key] = err
		}
	}, after)
	return key
}

// A campaign of six over a part size of two is reviewed in three parts
// (child workflows review/q4.part-00N), the reports of one manager
// together. Decisions go to the part that DMed them and are applied there;
// a press sent to the campaign itself is refused, naming the part. Every
// reviewee is in exactly one part, every item of everyone is decided and
// recorded in a part's evidence, and the campaign merges the three.
func TestAccessReviewInPartsLosesNothing(t *testing.T) {
	p := newPartsRig(t)
	p.s.people["E3"] = person("E3", "O1", "Security")
	p.s.access["E2"] = append(p.s.access["E2"], item("entra", "license", "E5", false))
	p.s.access["E3"] = []contract.AccessItem{item("entra", "group", "Security", true), item("google", "group", "secops", false)}
	p.s.access["M1"] = []contract.AccessItem{item("entra", "group", "Managers", true)}
	// by manager: M2 ("") · E1 E2 (M1) · M1 O1 (M2) · E3 (O1)
	// parts of two: [M2 E1] [E2 M1] [O1 E3]
	removeE1 := p.pressIn(time.Hour, "q4.part-001", contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E1", Key: 0, Decision: contract.ReviewRemove})
	p.pressIn(2*time.Hour, "q4.part-001", contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E1", All: true, Decision: contract.ReviewKeep})
	removeE2 := p.pressIn(time.Hour, "q4.part-002", contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E2", Key: 1, Decision: contract.ReviewRemove})
	p.pressIn(2*time.Hour, "q4.part-002", contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E2", All: true, Decision: contract.ReviewKeep})
	removeE3 := p.pressIn(3*time.Hour, "q4.part-003", contract.ReviewDecision{Actor: slackActor("O1"), Reviewee: "E3", Key: 1, Decision: contract.ReviewRemove})
	wrong := p.press(time.Hour, contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E2", Key: 0, Decision: contract.ReviewRemove})
	// M1's own review (by M2, in part 2) is left to the non-response policy.
	pol := policy(contract.NonResponseRemove)
	pol.PartSize = 2
	st := p.run(contract.AccessReviewInput{Policy: pol})

	for _, k := range []string{removeE1, removeE2, removeE3} {
		require.NoError(t, p.errs[k], k)
		assert.Equal(t, domain.DecisionAccepted, p.results[k].Result, k)
	}
	require.Error(t, p.errs[wrong], "a decision sent to the campaign, not its part")
	assert.Contains(t, p.errs[wrong].Error(), "q4.part-002")

	assert.Equal(t, contract.ReviewStatusDone, st.Status)
	require.Len(t, st.Parts, 3)
	assert.Empty(t, st.Reviewees, "the campaign holds no reviewee itself")
	for i, part := range st.Parts {
		assert.Equal(t, fmt.Sprintf("q4.part-%03d", i+1), part.Campaign)
		assert.Equal(t, "review/"+part.Campaign, part.WorkflowID)
		assert.Equal(t, contract.ReviewPartDone, part.Status, part.Error)
		assert.Len(t, part.Evidence, 2)
	}
	require.NotNil(t, p.merged)
	assert.Len(t, p.merged.Parts, 3)
	assert.Equal(t, "Reviews/q4/snapshot.json", st.SnapshotPath)
	assert.Equal(t, []string{"Reviews/q4/decisions.csv", "Reviews/q4/summary.json"}, st.Evidence)

	// Each part snapshotted its own page, under the campaign.
	var snapped []string
	for _, s := range p.s.snaps {
		if strings.Contains(s.Campaign, "rescope") {
			continue
		}
		assert.Equal(t, "q4", s.PartOf, s.Campaign)
		assert.LessOrEqual(t, len(s.EmployeeIDs), 2, s.Campaign)
		snapped = append(snapped, s.EmployeeIDs...)
	}
	slices.Sort(snapped)
	assert.Equal(t, []string{"E1", "E2", "E3", "M1", "M2", "O1"}, snapped, "everyone snapshotted exactly once")

	require.Len(t, p.parts, 3)
	byPart := map[string][]string{}
	seen := map[string]int{}
	for _, ps := range p.parts {
		assert.Equal(t, "q4", ps.PartOf)
		for _, rv := range ps.Reviewees {
			byPart[ps.Campaign] = append(byPart[ps.Campaign], rv.EmployeeID)
			seen[rv.EmployeeID]++
			for _, it := range rv.Items {
				assert.NotEmpty(t, it.Result, "%s %s in %s has no outcome", rv.EmployeeID, it.Access.ID, ps.Campaign)
				assert.NotEmpty(t, it.Decision, "%s %s undecided", rv.EmployeeID, it.Access.ID)
			}
		}
	}
	for _, id := range []string{"E1", "E2", "E3", "M1", "M2", "O1"} {
		assert.Equal(t, 1, seen[id], "%s reviewed in exactly one part", id)
	}
	assert.ElementsMatch(t, []string{"M2", "E1"}, byPart["q4.part-001"])
	assert.ElementsMatch(t, []string{"E2", "M1"}, byPart["q4.part-002"], "E1 and E2 share M1 but a part holds two")
	assert.ElementsMatch(t, []string{"O1", "E3"}, byPart["q4.part-003"])

	items := func(part, emp string) map[string]contract.ReviewItem {
		out := map[string]contract.ReviewItem{}
		for _, ps := range p.parts {
			for _, rv := range ps.Reviewees {
				if ps.Campaign == part && rv.EmployeeID == emp {
					for _, it := range rv.Items {
						out[it.Access.ID] = it
					}
				}
			}
		}
		return out
	}
	e1 := items("q4.part-001", "E1")
	require.Len(t, e1, 4)
	assert.Equal(t, contract.ReviewApplied, e1["entra/group/Sales"].Result)
	assert.Equal(t, "M1", e1["entra/group/Sales"].DecidedBy)
	assert.Equal(t, contract.ReviewKept, e1["entra/license/E3"].Result)
	e2 := items("q4.part-002", "E2")
	assert.Equal(t, contract.ReviewApplied, e2["entra/license/E5"].Result)
	assert.Equal(t, contract.ReviewKept, e2["entra/group/Sales"].Result)
	e3 := items("q4.part-003", "E3")
	assert.Equal(t, contract.ReviewApplied, e3["google/group/secops"].Result)
	assert.Equal(t, "O1", e3["google/group/secops"].DecidedBy)
	assert.Equal(t, contract.ReviewApplied, e3["entra/group/Security"].Result, "non-response remove at the part's due date")
	assert.Equal(t, "policy:remove", e3["entra/group/Security"].DecidedBy)
	m1 := items("q4.part-002", "M1")
	assert.Equal(t, "policy:remove", m1["entra/group/Managers"].DecidedBy)

	assert.False(t, p.s.holds("E1", "entra/group/Sales"))
	assert.False(t, p.s.holds("E2", "entra/license/E5"))
	assert.True(t, p.s.holds("E2", "entra/group/Sales"))
	assert.False(t, p.s.holds("E3", "google/group/secops"))
	for _, dm := range p.s.posts {
		assert.True(t, strings.HasPrefix(dm.Campaign, "q4.part-"), "every DM comes from a part (buttons carry its id): %s", dm.Campaign)
	}
}

// A campaign no larger than its part size runs as one workflow, as before.
func TestAccessReviewUnderPartSizeIsOneWorkflow(t *testing.T) {
	r := newReviewRig(t)
	r.keepAll(time.Hour, "M1", "E1")
	r.keepAll(time.Hour, "M1", "E2")
	pol := policy(contract.NonResponseKeep)
	pol.PartSize = 3
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{Department: "Sales"}, Policy: pol})
	assert.Empty(t, st.Parts)
	assert.Len(t, st.Reviewees, 3)
	require.Len(t, r.s.snaps, 1)
	assert.Equal(t, "", r.s.snaps[0].PartOf)
}

package workflows_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/workflows"
)

// reviewStubs are the mocked activities of the AccessReview tests: HR as
// jml holds it, the access each employee holds (removals change it), and
// every DM, reminder and alert.
type reviewStubs struct {
	mu       sync.Mutex
	people   map[string]contract.ReviewPerson
	access   map[string][]contract.AccessItem // employee -> items held now
	posts    []contract.ReviewMessageInput
	told     []string // "<employee>: <text>"
	alerts   []string
	applied  []contract.ApplyAccessInput
	revoked  []contract.AdminRoleInput
	deprov   []contract.AppInput
	failOnce map[string]int // entitlement -> permanent failures left
	evidence *contract.ReviewState
	snaps    []contract.SnapshotInput
}

func item(dir, kind, name string, catalog bool) contract.AccessItem {
	return contract.AccessItem{ID: dir + "/" + kind + "/" + name, Directory: dir, Kind: kind, Entitlement: name, Catalog: catalog}
}

func person(id, manager, dept string) contract.ReviewPerson {
	return contract.ReviewPerson{EmployeeID: id, Found: true, Active: true, ManagerEmployeeID: manager, Role: contract.ReviewRole{Department: dept, Title: "Engineer"}}
}

// newReviewStubs: E1 and E2 report to M1, M1 to M2; O1 owns the reviews.
// E1 holds a catalog group, a licence, an admin role nobody else holds and
// an app account; E2 the same group.
func newReviewStubs() *reviewStubs {
	s := &reviewStubs{people: map[string]contract.ReviewPerson{}, access: map[string][]contract.AccessItem{}, failOnce: map[string]int{}}
	for _, p := range []contract.ReviewPerson{person("E1", "M1", "Sales"), person("E2", "M1", "Sales"), person("M1", "M2", "Sales"), person("M2", "", "Exec"), person("O1", "M2", "Security")} {
		s.people[p.EmployeeID] = p
	}
	s.access["E1"] = []contract.AccessItem{item("entra", "group", "Sales", true), item("entra", "license", "E3", true), item("okta", "admin_role", "SUPER_ADMIN", false), item("tableau", "app", "tableau", false)}
	s.access["E2"] = []contract.AccessItem{item("entra", "group", "Sales", true)}
	return s
}

func (s *reviewStubs) holds(emp, id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.ContainsFunc(s.access[emp], func(a contract.AccessItem) bool { return a.ID == id })
}

func (s *reviewStubs) drop(emp, dir, kind, name string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.access[emp])
	s.access[emp] = slices.DeleteFunc(s.access[emp], func(a contract.AccessItem) bool {
		return a.Directory == dir && a.Kind == kind && a.Entitlement == name
	})
	if len(s.access[emp]) < n {
		return "removed"
	}
	return string(domain.WasAbsent)
}

func (s *reviewStubs) fail(name string) error {
	if s.failOnce[name] > 0 {
		s.failOnce[name]--
		return temporal.NewNonRetryableApplicationError("Permanent (HTTP 403): forbidden", string(domain.ErrDirectoryPermanent), nil)
	}
	return nil
}

// activityRegistrar is a test environment or a worker.
type activityRegistrar interface {
	RegisterActivityWithOptions(a any, options activity.RegisterOptions)
}

func (s *reviewStubs) register(env activityRegistrar) {
	reg := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	reg(contract.ListActiveEmployees.Name, func(context.Context, contract.Empty) (contract.PopulationOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		out := contract.PopulationOutput{Source: "visibility"}
		for id, p := range s.people {
			if p.Active {
				out.EmployeeIDs = append(out.EmployeeIDs, id)
			}
		}
		slices.Sort(out.EmployeeIDs)
		return out, nil
	})
	reg(contract.ReadReviewPeople.Name, func(_ context.Context, in contract.ReviewPeopleInput) (contract.ReviewPeopleOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		var out contract.ReviewPeopleOutput
		for _, id := range in.EmployeeIDs {
			p, ok := s.people[id]
			if !ok {
				p = contract.ReviewPerson{EmployeeID: id}
			}
			out.People = append(out.People, p)
		}
		return out, nil
	})
	reg(contract.SnapshotAccess.Name, func(_ context.Context, in contract.SnapshotInput) (contract.SnapshotOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.snaps = append(s.snaps, in)
		out := contract.SnapshotOutput{Path: "Reviews/" + in.Campaign + "/snapshot.json", SHA256: "abc"}
		for _, id := range in.EmployeeIDs {
			out.Employees = append(out.Employees, contract.EmployeeAccess{EmployeeID: id, Items: slices.Clone(s.access[id])})
		}
		return out, nil
	})
	reg(contract.PostReviewMessage.Name, func(_ context.Context, in contract.ReviewMessageInput) (contract.ReviewMessageOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.posts = append(s.posts, in)
		ts := in.Message.TS
		if ts == "" {
			ts = fmt.Sprintf("%d.0001", len(s.posts))
		}
		return contract.ReviewMessageOutput{Delivered: true, Message: contract.ReviewMessageRef{Channel: "D-" + in.ReviewerEmployeeID, TS: ts}, ReviewerSlackUserID: "U-" + in.ReviewerEmployeeID}, nil
	})
	reg(contract.NotifyEmployee.Name, func(_ context.Context, in contract.NotifyEmployeeInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.told = append(s.told, in.EmployeeID+": "+in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.NotifyChannel.Name, func(_ context.Context, in contract.NotifyChannelInput) (contract.NotifyOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.alerts = append(s.alerts, in.Text)
		return contract.NotifyOutput{Delivered: true}, nil
	})
	reg(contract.ResolveReviewAccount.Name, func(_ context.Context, in contract.ReviewAccountInput) (contract.ReviewAccountOutput, error) {
		acct := "acct-" + in.EmployeeID
		bg := slices.ContainsFunc(in.BreakGlass, func(b contract.BreakGlassRef) bool { return b.Directory == in.Directory && b.Account == acct })
		return contract.ReviewAccountOutput{Found: true, AccountID: acct, BreakGlass: bg}, nil
	})
	emp := func(acct string) string { return strings.TrimPrefix(acct, "acct-") }
	reg(contract.ApplyAccess.Name, func(_ context.Context, in contract.ApplyAccessInput) (contract.StepOutput, error) {
		s.mu.Lock()
		s.applied = append(s.applied, in)
		err := s.fail(in.Changes[0].Remove[0])
		s.mu.Unlock()
		if err != nil {
			return contract.StepOutput{}, err
		}
		c := in.Changes[0]
		o := s.drop(emp(in.AccountID), in.Directory, string(c.Kind), c.Remove[0])
		return contract.StepOutput{Directory: in.Directory, Actions: []contract.Action{{Step: "remove " + string(c.Kind), Target: c.Remove[0], Outcome: o}}}, nil
	})
	reg(contract.RevokeAdminRole.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
		s.mu.Lock()
		s.revoked = append(s.revoked, in)
		s.mu.Unlock()
		return contract.AdminRoleOutput{Outcome: s.drop(emp(in.AccountID), in.Directory, "admin_role", in.Role)}, nil
	})
	reg(contract.DeprovisionApp.Name, func(_ context.Context, in contract.AppInput) (contract.StepOutput, error) {
		s.mu.Lock()
		s.deprov = append(s.deprov, in)
		s.mu.Unlock()
		o := s.drop(in.Person.EmployeeID, in.App, "app", in.App)
		if o == "removed" {
			o = string(domain.Disabled)
		}
		return contract.StepOutput{Directory: "scim:" + in.App, Actions: []contract.Action{{Step: "deprovision app", Outcome: o}}}, nil
	})
	reg(contract.VerifyAdminRoleRevoked.Name, func(_ context.Context, in contract.AdminRoleInput) (contract.Empty, error) {
		if s.holds(emp(in.AccountID), in.Directory+"/admin_role/"+in.Role) {
			return contract.Empty{}, temporal.NewNonRetryableApplicationError("still assigned", string(domain.ErrVerifyFailed), nil)
		}
		return contract.Empty{}, nil
	})
	reg(contract.VerifyAccessRemoved.Name, func(_ context.Context, in contract.VerifyRemovedInput) (contract.Empty, error) {
		if s.holds(emp(in.AccountID), in.Directory+"/"+in.Kind+"/"+in.Entitlement) {
			return contract.Empty{}, temporal.NewNonRetryableApplicationError("still held", string(domain.ErrVerifyFailed), nil)
		}
		return contract.Empty{}, nil
	})
	reg(contract.WriteReviewEvidence.Name, func(_ context.Context, st contract.ReviewState) (contract.ReviewEvidenceOutput, error) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.evidence = &st
		return contract.ReviewEvidenceOutput{DecisionsCSV: "Reviews/" + st.Campaign + "/decisions.csv", SummaryJSON: "Reviews/" + st.Campaign + "/summary.json"}, nil
	})
}

// reviewRig runs one campaign in the time-skipping test environment.
type reviewRig struct {
	t       *testing.T
	env     *sdktest.TestWorkflowEnvironment
	s       *reviewStubs
	results map[string]contract.ReviewDecisionResult
	errs    map[string]error
	seq     int
}

func newReviewRig(t *testing.T) *reviewRig {
	var ts sdktest.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.RegisterWorkflow(workflows.AccessReviewWorkflow)
	s := newReviewStubs()
	s.register(env)
	return &reviewRig{t: t, env: env, s: s, results: map[string]contract.ReviewDecisionResult{}, errs: map[string]error{}}
}

// press sends a decision at virtual time after; it returns the key its
// result is stored under.
func (r *reviewRig) press(after time.Duration, d contract.ReviewDecision) string {
	r.seq++
	key := fmt.Sprintf("d%d", r.seq)
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(contract.UpdateReviewDecision, key, &sdktest.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { r.errs[key] = err },
			OnComplete: func(v any, err error) {
				if err != nil {
					r.errs[key] = err
					return
				}
				r.results[key] = v.(contract.ReviewDecisionResult)
			},
		}, d)
	}, after)
	return key
}

func slackActor(reviewer string) contract.Actor {
	return contract.Actor{EmployeeID: reviewer, SlackUserID: "U-" + reviewer, Via: "slack"}
}

func (r *reviewRig) keepAll(after time.Duration, reviewer, reviewee string) string {
	return r.press(after, contract.ReviewDecision{Actor: slackActor(reviewer), Reviewee: reviewee, All: true, Decision: contract.ReviewKeep})
}

func (r *reviewRig) remove(after time.Duration, reviewer, reviewee string, key int) string {
	return r.press(after, contract.ReviewDecision{Actor: slackActor(reviewer), Reviewee: reviewee, Key: key, Decision: contract.ReviewRemove})
}

func (r *reviewRig) run(in contract.AccessReviewInput) contract.ReviewState {
	r.t.Helper()
	if in.Campaign == "" {
		in.Campaign = "q4"
	}
	r.env.ExecuteWorkflow(workflows.AccessReviewWorkflow, in)
	require.True(r.t, r.env.IsWorkflowCompleted())
	require.NoError(r.t, r.env.GetWorkflowError())
	var st contract.ReviewState
	require.NoError(r.t, r.env.GetWorkflowResult(&st))
	require.NotNil(r.t, r.s.evidence, "the evidence is written")
	return st
}

func reviewItem(t *testing.T, st contract.ReviewState, emp, id string) contract.ReviewItem {
	t.Helper()
	for _, rv := range st.Reviewees {
		if rv.EmployeeID == emp {
			for _, it := range rv.Items {
				if it.Access.ID == id {
					return it
				}
			}
		}
	}
	t.Fatalf("%s has no item %s", emp, id)
	return contract.ReviewItem{}
}

func policy(nonResponse string) contract.ReviewPolicy {
	return contract.ReviewPolicy{Due: 14 * 24 * time.Hour, Owner: "O1", NonResponse: nonResponse, EscalationGrace: 3 * 24 * time.Hour, SecurityChannel: "#security"}
}

// The manager removes one group and keeps the rest: the group is removed
// through ApplyAccess and read back, the campaign ends early, and the
// reviewer was the HR manager.
func TestAccessReviewRemoveAppliedAndReadBack(t *testing.T) {
	r := newReviewRig(t)
	r.remove(time.Hour, "M1", "E1", 0)
	r.keepAll(2*time.Hour, "M1", "E1")
	r.keepAll(2*time.Hour, "M1", "E2")
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{Department: "Sales"}, Policy: policy(contract.NonResponseKeep)})

	assert.Equal(t, contract.ReviewStatusDone, st.Status)
	assert.Len(t, st.Reviewees, 3, "E1, E2 and M1 are in Sales")
	g := reviewItem(t, st, "E1", "entra/group/Sales")
	assert.Equal(t, contract.ReviewRemove, g.Decision)
	assert.Equal(t, contract.ReviewApplied, g.Result)
	assert.Equal(t, "M1", g.DecidedBy)
	assert.False(t, r.s.holds("E1", "entra/group/Sales"), "removed in the directory")
	assert.True(t, r.s.holds("E2", "entra/group/Sales"), "E2's kept")
	assert.Equal(t, contract.ReviewKept, reviewItem(t, st, "E1", "entra/license/E3").Result)
	require.Len(t, r.s.applied, 1)
	assert.Equal(t, []string{"Sales"}, r.s.applied[0].Changes[0].Remove)
	assert.Empty(t, st.Reminders, "finished before the halfway point")
	assert.Less(t, st.CompletedAt.Sub(st.StartedAt), 24*time.Hour)
	assert.Equal(t, "Reviews/q4/snapshot.json", st.SnapshotPath)
	for _, p := range r.s.posts {
		if p.RevieweeEmployeeID == "E1" {
			assert.Equal(t, "M1", p.ReviewerEmployeeID)
		}
		if p.RevieweeEmployeeID == "M1" {
			assert.Equal(t, "M2", p.ReviewerEmployeeID, "the manager's own manager reviews them")
		}
	}
}

// The reviewee and anyone but the assigned reviewer are refused, and each
// refusal is recorded; the reviewer's press still counts.
func TestAccessReviewRefusesAnyoneButTheReviewer(t *testing.T) {
	r := newReviewRig(t)
	self := r.press(time.Hour, contract.ReviewDecision{Actor: slackActor("E1"), Reviewee: "E1", All: true, Decision: contract.ReviewKeep})
	other := r.press(time.Hour, contract.ReviewDecision{Actor: slackActor("M2"), Reviewee: "E1", Key: 0, Decision: contract.ReviewRemove})
	// an HR id claimed with someone else's Slack member: judged by Slack
	spoof := r.press(time.Hour, contract.ReviewDecision{Actor: contract.Actor{EmployeeID: "M1", SlackUserID: "U-E2"}, Reviewee: "E1", Key: 0, Decision: contract.ReviewRemove})
	ok := r.keepAll(2*time.Hour, "M1", "E1")
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})

	for _, k := range []string{self, other, spoof} {
		require.NoError(t, r.errs[k])
		assert.Equal(t, domain.DecisionRefused, r.results[k].Result, k)
	}
	assert.Contains(t, r.results[self].Message, "own access")
	assert.Equal(t, domain.DecisionAccepted, r.results[ok].Result)
	require.Len(t, st.Refusals, 3)
	assert.Equal(t, "E1", st.Refusals[0].Actor.EmployeeID)
	assert.Equal(t, contract.ReviewKept, reviewItem(t, st, "E1", "entra/group/Sales").Result, "no refused press changed anything")
	assert.Empty(t, r.s.applied)
}

// Nobody answers: reminders at the halfway point and two days before
// due, then at due the owner and the security channel are told and the
// reviews move to the owner; the owner keeps everything in the grace
// period.
func TestAccessReviewRemindersAndEscalation(t *testing.T) {
	r := newReviewRig(t)
	r.keepAll(14*24*time.Hour+time.Hour, "O1", "E1")
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseEscalate)})

	require.Len(t, st.Reminders, 2)
	assert.Equal(t, 7*24*time.Hour, st.Reminders[0].Sub(st.StartedAt))
	assert.Equal(t, 12*24*time.Hour, st.Reminders[1].Sub(st.StartedAt))
	var reminded int
	for _, m := range r.s.told {
		if strings.HasPrefix(m, "M1: Reminder") {
			reminded++
		}
	}
	assert.Equal(t, 2, reminded)
	assert.Equal(t, []string{"M1"}, st.Overdue)
	assert.True(t, slices.ContainsFunc(r.s.told, func(m string) bool { return strings.HasPrefix(m, "O1: Access review q4 is due") }), "the owner is told")
	require.NotEmpty(t, r.s.alerts)
	assert.True(t, slices.ContainsFunc(r.s.posts, func(p contract.ReviewMessageInput) bool {
		return p.ReviewerEmployeeID == "O1" && p.Message.TS == "" && strings.HasPrefix(p.Note, "escalated")
	}), "a new DM went to the owner")
	it := reviewItem(t, st, "E1", "entra/group/Sales")
	assert.Equal(t, contract.ReviewKept, it.Result)
	assert.Equal(t, "O1", it.DecidedBy)
	assert.Equal(t, 14*24*time.Hour, st.EscalatedAt.Sub(st.StartedAt))
}

// Escalated and still unanswered by the end of the grace period: kept,
// recorded as not reviewed.
func TestAccessReviewEscalationUnanswered(t *testing.T) {
	r := newReviewRig(t)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseEscalate)})
	it := reviewItem(t, st, "E1", "entra/group/Sales")
	assert.Equal(t, contract.ReviewNotReviewed, it.Result)
	assert.Equal(t, (14+3)*24*time.Hour, st.CompletedAt.Sub(st.StartedAt))
	assert.Empty(t, r.s.applied)
}

// Non-response keep: everything is kept by policy at due.
func TestAccessReviewNonResponseKeep(t *testing.T) {
	r := newReviewRig(t)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})
	it := reviewItem(t, st, "E1", "entra/group/Sales")
	assert.Equal(t, contract.ReviewKept, it.Result)
	assert.Equal(t, "policy:keep", it.DecidedBy)
	assert.Equal(t, 14*24*time.Hour, st.CompletedAt.Sub(st.StartedAt))
	assert.Empty(t, r.s.applied)
}

// Non-response remove: everything is removed at due and read back, except
// the admin role E1 alone holds (no lock-out).
func TestAccessReviewNonResponseRemove(t *testing.T) {
	r := newReviewRig(t)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseRemove)})
	for _, id := range []string{"entra/group/Sales", "entra/license/E3", "tableau/app/tableau"} {
		it := reviewItem(t, st, "E1", id)
		assert.Equal(t, contract.ReviewApplied, it.Result, id)
		assert.Equal(t, "policy:remove", it.DecidedBy, id)
		assert.False(t, r.s.holds("E1", id), id)
	}
	admin := reviewItem(t, st, "E1", "okta/admin_role/SUPER_ADMIN")
	assert.Equal(t, contract.ReviewSkippedByPolicy, admin.Result)
	assert.Contains(t, admin.Detail, "last holder")
	assert.True(t, r.s.holds("E1", "okta/admin_role/SUPER_ADMIN"))
	assert.Empty(t, r.s.revoked)
	require.Len(t, r.s.deprov, 1)
	assert.Equal(t, "tableau", r.s.deprov[0].App)
}

// An admin role another reviewee keeps may be removed (revoked and read back).
func TestAccessReviewAdminRoleRemovedWhenAnotherHolderKeepsIt(t *testing.T) {
	r := newReviewRig(t)
	r.s.access["E2"] = append(r.s.access["E2"], item("okta", "admin_role", "SUPER_ADMIN", false))
	r.keepAll(time.Hour, "M1", "E2")
	r.remove(2*time.Hour, "M1", "E1", 2)
	r.keepAll(3*time.Hour, "M1", "E1")
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{Department: "Sales"}, Policy: policy(contract.NonResponseKeep)})
	assert.Equal(t, contract.ReviewApplied, reviewItem(t, st, "E1", "okta/admin_role/SUPER_ADMIN").Result)
	require.Len(t, r.s.revoked, 1)
	assert.False(t, r.s.holds("E1", "okta/admin_role/SUPER_ADMIN"))
}

// Nothing is removed from a declared break-glass account.
func TestAccessReviewBreakGlassProtected(t *testing.T) {
	r := newReviewRig(t)
	r.remove(time.Hour, "M1", "E1", 0)
	r.keepAll(2*time.Hour, "M1", "E1")
	p := policy(contract.NonResponseKeep)
	p.BreakGlass = []contract.BreakGlassRef{{Directory: "entra", Account: "acct-E1"}}
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: p})
	it := reviewItem(t, st, "E1", "entra/group/Sales")
	assert.Equal(t, contract.ReviewSkippedByPolicy, it.Result)
	assert.Contains(t, it.Detail, "break-glass")
	assert.Empty(t, r.s.applied)
	assert.True(t, r.s.holds("E1", "entra/group/Sales"))
}

// A leaver mid-campaign: their items close at the next re-read.
func TestAccessReviewLeaverMidCampaign(t *testing.T) {
	r := newReviewRig(t)
	r.env.RegisterDelayedCallback(func() {
		r.s.mu.Lock()
		p := r.s.people["E1"]
		p.Active = false
		r.s.people["E1"] = p
		r.s.mu.Unlock()
	}, 24*time.Hour)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseRemove)})
	assert.Equal(t, "left", st.Reviewees[0].Closed)
	for _, it := range st.Reviewees[0].Items {
		assert.Equal(t, contract.ReviewClosedLeaver, it.Result)
	}
	assert.Empty(t, r.s.applied, "the leaver removes everything; the review does not")
	assert.Equal(t, 7*24*time.Hour, st.CompletedAt.Sub(st.StartedAt), "closed at the halfway re-read")
}

// A mover mid-campaign: what they no longer hold closes, what they hold now
// is added for review, and the decision made on a kept item stands.
func TestAccessReviewMoverRescoped(t *testing.T) {
	r := newReviewRig(t)
	r.press(time.Hour, contract.ReviewDecision{Actor: slackActor("M1"), Reviewee: "E1", Key: 1, Decision: contract.ReviewKeep})
	r.env.RegisterDelayedCallback(func() {
		r.s.mu.Lock()
		p := r.s.people["E1"]
		p.Role.Department = "Engineering"
		r.s.people["E1"] = p
		r.s.access["E1"] = []contract.AccessItem{item("entra", "license", "E3", true), item("entra", "group", "Engineering", true)}
		r.s.mu.Unlock()
	}, 24*time.Hour)
	r.remove(8*24*time.Hour, "M1", "E1", 4) // the new group, key 4
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})
	assert.Equal(t, contract.ReviewClosedMoved, reviewItem(t, st, "E1", "entra/group/Sales").Result)
	assert.Equal(t, contract.ReviewClosedMoved, reviewItem(t, st, "E1", "tableau/app/tableau").Result)
	lic := reviewItem(t, st, "E1", "entra/license/E3")
	assert.Equal(t, contract.ReviewKept, lic.Result)
	assert.Equal(t, "M1", lic.DecidedBy, "the reviewer's decision stands")
	eng := reviewItem(t, st, "E1", "entra/group/Engineering")
	assert.Equal(t, 4, eng.Key)
	assert.Equal(t, contract.ReviewApplied, eng.Result)
	assert.Equal(t, 1, st.Reviewees[0].Rescoped)
	require.Len(t, r.s.snaps, 2)
	assert.Equal(t, "q4.rescope-E1-1", r.s.snaps[1].Campaign)
}

// A reviewer who leaves mid-campaign hands their reviews to the next in
// line (the manager's manager), who gets the DM and decides.
func TestAccessReviewReviewerLeavesHandsOver(t *testing.T) {
	r := newReviewRig(t)
	r.env.RegisterDelayedCallback(func() {
		r.s.mu.Lock()
		p := r.s.people["M1"]
		p.Active = false
		r.s.people["M1"] = p
		r.s.mu.Unlock()
	}, 24*time.Hour)
	late := r.keepAll(7*24*time.Hour+time.Hour, "M1", "E1")
	r.keepAll(7*24*time.Hour+2*time.Hour, "M2", "E1")
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})
	assert.Equal(t, domain.DecisionRefused, r.results[late].Result, "the leaver's press no longer counts")
	assert.Equal(t, "M2", st.Reviewees[0].Reviewer)
	assert.Equal(t, "M2", reviewItem(t, st, "E1", "entra/group/Sales").DecidedBy)
	assert.True(t, slices.ContainsFunc(r.s.posts, func(p contract.ReviewMessageInput) bool {
		return p.ReviewerEmployeeID == "M2" && p.RevieweeEmployeeID == "E1" && strings.Contains(p.Note, "has left")
	}))
}

// A removal that fails blocks the campaign's end and alerts; an operator's
// retry runs it again.
func TestAccessReviewFailedRemovalBlocksUntilRetry(t *testing.T) {
	r := newReviewRig(t)
	r.s.failOnce["Sales"] = 1
	r.remove(time.Hour, "M1", "E1", 0)
	r.keepAll(2*time.Hour, "M1", "E1")
	var retried error
	r.env.RegisterDelayedCallback(func() {
		r.env.UpdateWorkflow(contract.UpdateRetry, "retry", &sdktest.TestUpdateCallback{OnAccept: func() {}, OnReject: func(err error) { retried = err }, OnComplete: func(_ any, err error) { retried = err }},
			contract.OperatorDecision{Directory: "E1/0", Operator: "ops"})
	}, 3*time.Hour)
	st := r.run(contract.AccessReviewInput{Scope: contract.ReviewScope{EmployeeID: "E1"}, Policy: policy(contract.NonResponseKeep)})
	require.NoError(t, retried)
	assert.True(t, slices.ContainsFunc(r.s.alerts, func(a string) bool { return strings.Contains(a, "failed") && strings.Contains(a, `"E1/0"`) }))
	assert.Equal(t, contract.ReviewApplied, reviewItem(t, st, "E1", "entra/group/Sales").Result)
	assert.Empty(t, st.Blocked)
	assert.Len(t, r.s.applied, 2)
}

package workflows_test

import (
	"fmt"
	"time"

	sdktest "go.temporal.io/sdk/testsuite"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// decide sends an operator's retry or skip to a lifecycle child.
func (s *EmployeeSuite) decide(childID, action, lane string) {
	s.updates++
	s.seq++
	err := s.env.UpdateWorkflowByID(childID, action, fmt.Sprintf("%s-%d", action, s.seq), &sdktest.TestUpdateCallback{
		OnReject: func(err error) { s.updates--; s.NoError(err) }, OnAccept: func() {},
		OnComplete: func(_ any, err error) { s.updates--; s.NoError(err) },
	}, contract.OperatorDecision{Directory: lane, Operator: "alice", Reason: "test"})
	s.Require().NoError(err)
}

func pendingFrom(date string) func(*domain.HRRecord) {
	return func(r *domain.HRRecord) { r.Status = domain.HRPending; r.StartDate = date }
}

func (s *EmployeeSuite) TestStartDateMovedLaterReschedulesThePendingJoiner() {
	oldStart := time.Date(2026, 3, 12, 0, 0, 0, 0, ny)
	newStart := time.Date(2026, 3, 19, 0, 0, 0, 0, ny)
	lead := testPolicy().JoinerLeadTime
	s.at(0, func() { s.signal(rec(pendingFrom("2026-03-12"))) })
	s.at(time.Hour, func() {
		s.apply(rec(pendingFrom("2026-03-19")), func(res contract.ApplyHRRecordResult, err error) {
			s.NoError(err)
			s.Equal(domain.ClassJoin, res.Classification, res.Reason)
			s.Equal(1, res.Seq, "the queued joiner, not a new item")
			s.True(res.DueAt.Equal(newStart.Add(-lead)), "due %v", res.DueAt)
		})
	})
	s.at(oldStart.Add(-lead).Sub(t0)+time.Minute, func() {
		s.Equal(0, s.stubs.count(contract.EnsureAccount.Name, ""), "nothing at the old lead time")
		s.Equal(domain.StatusPendingStart, s.state().Status)
	})
	s.at(oldStart.Sub(t0)+time.Minute, func() { s.Equal(0, s.stubs.count(contract.EnsureAccount.Name, ""), "nothing at the old start") })
	s.at(newStart.Add(-lead).Sub(t0)-time.Minute, func() { s.Equal(0, s.stubs.count(contract.EnsureAccount.Name, "")) })
	s.at(newStart.Add(-lead).Sub(t0)+time.Minute, func() {
		s.Equal(3, s.stubs.count(contract.EnsureAccount.Name, ""), "provisioned at the new lead time")
		s.Equal(0, s.stubs.count(contract.EnableAccount.Name, ""))
	})
	s.at(newStart.Sub(t0)-time.Minute, func() { s.Equal(0, s.stubs.count(contract.EnableAccount.Name, ""), "not enabled before the new start") })
	s.at(newStart.Sub(t0)+time.Minute, func() {
		s.Equal(3, s.stubs.count(contract.EnableAccount.Name, ""))
		s.Equal(domain.StatusActive, s.state().Status)
	})
	s.run(newStart.Sub(t0)+time.Hour, contract.EmployeeInput{})
	s.Equal(0, s.stubs.count(contract.UpdateProfile.Name, ""), "no mover for a start date")
	s.Equal(3, s.stubs.count(contract.EnsureAccount.Name, ""), "one joiner")
}

func (s *EmployeeSuite) TestStartDateMovedToTodayRunsTheJoinerNowEnabled() {
	s.at(0, func() { s.signal(rec(pendingFrom("2026-03-20"))) })
	s.at(time.Hour, func() {
		s.Equal(0, s.stubs.count(contract.EnsureAccount.Name, ""))
		// Moved to today, and to Sales: the queued joiner takes both.
		s.apply(rec(pendingFrom("2026-03-02"), func(r *domain.HRRecord) { r.Department = "Sales" }), func(res contract.ApplyHRRecordResult, err error) {
			s.NoError(err)
			s.Equal(domain.ClassJoin, res.Classification, res.Reason)
			s.True(res.DueAt.IsZero(), "due now")
		})
	})
	s.at(time.Hour+time.Minute, func() {
		s.Equal(3, s.stubs.count(contract.EnsureAccount.Name, ""))
		for _, c := range s.stubs.callsOf(contract.EnsureAccount.Name) {
			s.True(c.In.(contract.EnsureAccountInput).Enabled, "the start date has come: created enabled")
		}
		s.Equal(domain.StatusActive, s.state().Status)
	})
	s.run(30*24*time.Hour, contract.EmployeeInput{})
	s.Equal(3, s.stubs.count(contract.EnsureAccount.Name, ""), "one joiner")
	s.Equal(0, s.stubs.count(contract.EnableAccount.Name, ""), "no activation left queued")
	s.Equal(0, s.stubs.count(contract.UpdateProfile.Name, ""), "no mover before the joiner")
	for _, d := range dirs {
		s.Equal([]string{"all-staff", "dept-sales"}, s.stubs.groupsOf(d, "E0042"), d)
	}
}

func (s *EmployeeSuite) TestStartDateMovedEarlierReschedulesTheActivation() {
	oldStart := time.Date(2026, 3, 12, 0, 0, 0, 0, ny)
	newStart := time.Date(2026, 3, 10, 0, 0, 0, 0, ny)
	provisioned := oldStart.Add(-testPolicy().JoinerLeadTime)
	s.at(0, func() { s.signal(rec(pendingFrom("2026-03-12"))) })
	s.at(provisioned.Sub(t0)+time.Hour, func() {
		s.Equal(3, s.stubs.count(contract.EnsureAccount.Name, ""), "created disabled during the lead time")
		s.apply(rec(pendingFrom("2026-03-10")), func(res contract.ApplyHRRecordResult, err error) {
			s.NoError(err)
			s.Equal(domain.ClassNoOp, res.Classification)
			s.Contains(res.Reason, "activation rescheduled")
			s.True(res.DueAt.Equal(newStart), "due %v", res.DueAt)
		})
	})
	s.at(newStart.Sub(t0)-time.Minute, func() { s.Equal(0, s.stubs.count(contract.EnableAccount.Name, "")) })
	s.at(newStart.Sub(t0)+time.Minute, func() {
		s.Equal(3, s.stubs.count(contract.EnableAccount.Name, ""), "enabled on the new start date")
		s.Equal(domain.StatusActive, s.state().Status)
	})
	s.run(oldStart.Sub(t0)+time.Hour, contract.EmployeeInput{})
	s.Equal(3, s.stubs.count(contract.EnableAccount.Name, ""), "and not again at the old one")
	s.Empty(s.state().Pending)
}

func (s *EmployeeSuite) TestTerminatedWhileTheJoinerRunsIsNeverEnabled() {
	start := time.Date(2026, 3, 12, 0, 0, 0, 0, ny)
	provisioned := start.Add(-testPolicy().JoinerLeadTime)
	s.stubs.fail[contract.EnsureAccount.Name+"/okta"] = 1
	s.at(0, func() { s.signal(rec(pendingFrom("2026-03-12"))) })
	s.at(provisioned.Sub(t0)+time.Hour, func() {
		// The joiner waits for an operator on okta; HR withdraws the offer.
		s.Equal(domain.EventJoiner, s.state().Current.Event)
		s.signal(rec(pendingFrom("2026-03-12"), func(r *domain.HRRecord) { r.Status = domain.HRTerminated; r.TerminationDate = "2026-03-11" }))
	})
	s.at(provisioned.Sub(t0)+2*time.Hour, func() { s.decide("employee/E0042/joiner/1", contract.UpdateSkip, "okta") })
	s.run(start.Sub(t0)+48*time.Hour, contract.EmployeeInput{})
	s.Equal(0, s.stubs.count(contract.EnableAccount.Name, ""), "a terminated joiner is never enabled")
	st := s.state()
	s.Equal(domain.StatusTerminated, st.Status)
	s.Empty(st.Pending)
	for _, d := range []string{"entra", "google"} {
		s.False(s.stubs.enabled[d+"/E0042"], d)
	}
}

func (s *EmployeeSuite) TestSkippedAccessIsNotRecordedAndTheNextMoverRetriesIt() {
	s.stubs.fail[contract.ApplyAccess.Name+"/okta"] = 1
	s.stubs.fail[contract.ProvisionApp.Name+"/scim:salesforce"] = 1
	sales := rec(func(r *domain.HRRecord) { r.Department = "Sales" })
	s.at(time.Minute, func() { s.apply(sales, func(_ contract.ApplyHRRecordResult, err error) { s.NoError(err) }) })
	s.at(10*time.Minute, func() {
		s.decide("employee/E0042/mover/2", contract.UpdateSkip, "okta")
		s.decide("employee/E0042/mover/2", contract.UpdateSkip, "scim:salesforce")
	})
	s.at(20*time.Minute, func() {
		st := s.state()
		s.Equal([]string{"all-staff", "dept-sales"}, st.Access.Groups["entra"], "applied")
		s.Equal([]string{"all-staff", "dept-engineering"}, st.Access.Groups["okta"], "skipped: what okta still holds")
		s.NotContains(st.Access.Apps, "salesforce", "skipped: not provisioned")
		s.NotContains(st.Access.Apps, "github", "deprovisioned")
		s.Equal([]string{"SPE_E3"}, st.Access.Licenses["entra"])
		s.apply(rec(func(r *domain.HRRecord) { r.Department = "Sales"; r.Title = "Account Executive" }), func(_ contract.ApplyHRRecordResult, err error) { s.NoError(err) })
	})
	s.run(time.Hour, contract.EmployeeInput{State: s.employed()})

	applies := s.stubs.callsOf(contract.ApplyAccess.Name)
	s.Require().Len(applies, 4, "3 by the first mover, the okta retry by the second")
	last := applies[3].In.(contract.ApplyAccessInput)
	s.Equal("okta", last.Directory)
	s.Equal([]domain.Change{{Directory: "okta", Kind: "group", Add: []string{"dept-sales"}, Remove: []string{"dept-engineering"}}}, last.Changes)
	s.Equal(2, s.stubs.count(contract.ProvisionApp.Name, "scim:salesforce"), "the skipped app is provisioned by the next mover")
	for _, d := range dirs {
		s.Equal([]string{"all-staff", "dept-sales"}, s.stubs.groupsOf(d, "E0042"), d)
	}
	st := s.state()
	s.Equal([]string{"all-staff", "dept-sales"}, st.Access.Groups["okta"])
	s.Contains(st.Access.Apps, "salesforce")
}

func (s *EmployeeSuite) TestSkippedLeaverRemovalStaysRecorded() {
	s.stubs.fail[contract.RemoveAllAccess.Name+"/google"] = 1
	s.at(time.Minute, func() {
		s.signal(rec(func(r *domain.HRRecord) { r.Status = domain.HRTerminated; r.TerminationEffectiveAt = t0 }))
	})
	s.at(10*time.Minute, func() { s.decide(s.leaverChildID(), contract.UpdateSkip, "google") })
	s.run(time.Hour, contract.EmployeeInput{State: s.employed()})
	st := s.state()
	s.Equal(domain.StatusTerminated, st.Status)
	s.Equal(map[string][]string{"google": {"all-staff", "dept-engineering"}}, st.Access.Groups, "only the skipped removal is still held")
	s.Empty(st.Access.Licenses)
	s.Empty(st.Access.Apps)
}

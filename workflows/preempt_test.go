package workflows_test

import (
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

func (s *EmployeeSuite) blockedAlerts() []string {
	return slices.DeleteFunc(s.stubs.messages("channel:#security-alerts"), func(m string) bool { return !strings.Contains(m, "is blocked") })
}

func terminated(at time.Time) func(*domain.HRRecord) {
	return func(r *domain.HRRecord) { r.Status = domain.HRTerminated; r.TerminationEffectiveAt = at }
}

// A joiner blocked on an operator, then a termination effective 30 minutes
// later: at its effective time the joiner is cancelled (handing back the
// accounts it had created) and the leaver disables everything at once.
func (s *EmployeeSuite) TestTerminationPreemptsABlockedJoinerAtItsEffectiveTime() {
	s.stubs.fail[contract.ApplyAccess.Name+"/okta"] = 100 // blocked until an operator decides
	effective := t0.Add(40 * time.Minute)
	s.at(0, func() { s.signal(rec()) })
	s.at(10*time.Minute, func() {
		s.Len(s.blockedAlerts(), 1, "the joiner waits for an operator on okta")
		s.Equal(domain.EventJoiner, s.state().Current.Event)
		s.signal(rec(terminated(effective)))
	})
	s.at(effective.Sub(t0)-time.Second, func() {
		s.Equal(domain.EventJoiner, s.state().Current.Event, "nothing happens before the effective time")
		s.Equal(0, s.stubs.count(contract.DisableAccount.Name, ""))
	})
	s.at(effective.Sub(t0)+time.Second, func() {
		s.Equal(3, s.stubs.count(contract.DisableAccount.Name, ""), "every account disabled at the effective time")
	})
	s.run(3*time.Hour, contract.EmployeeInput{})

	st := s.state()
	s.Equal(domain.StatusTerminated, st.Status)
	s.Empty(st.Pending)
	s.Empty(st.Preempted, "consumed by the leaver")
	s.Require().Len(st.History, 2)
	joiner := st.History[0]
	s.Equal(domain.EventJoiner, joiner.Event)
	s.True(joiner.Preempted)
	s.Contains(joiner.Error, "pre-empted")
	s.True(slices.ContainsFunc(joiner.Directories, func(d contract.DirectoryResult) bool {
		return d.Directory == "okta" && d.AccountID == "okta/E0042" && len(d.Errors) == 1
	}), "the joiner's partial lanes are recorded: %+v", joiner.Directories)
	s.Equal(0, s.stubs.count(contract.LookupAccount.Name, ""), "the leaver knew the accounts the cancelled joiner created")
	for _, d := range dirs {
		s.False(s.stubs.enabled[d+"/E0042"], d)
	}
	s.Equal(1, s.stubs.count(contract.ApplyAccess.Name, "okta"), "the blocked step was not retried")
	s.Require().Len(s.stubs.logRows, 1)
	row := s.stubs.logRows[0]
	s.Equal("joiner employee/E0042/joiner/1", row.Preempted)
	s.True(row.EffectiveAt.Equal(effective), "the SLA counts from the effective time")
	s.True(row.SLAMet)
	s.False(st.SLABreached)
	s.Empty(s.stubs.messages("manager:E0007"), "no 'is provisioned' message for a joiner that never finished")
	cancelled := false
	for _, sa := range s.sas {
		ev, _ := sa.GetKeyword(contract.LifecycleEventKey)
		status, _ := sa.GetKeyword(contract.LifecycleStatusKey)
		cancelled = cancelled || (ev == string(domain.EventJoiner) && status == string(domain.StatusCancelled))
	}
	s.True(cancelled, "the joiner's status says it was cancelled")
}

// A termination effective now, accepted while a mover waits for an
// operator: the mover is cancelled, a mover queued behind it never runs,
// and the leaver starts at once.
func (s *EmployeeSuite) TestTerminationEffectiveNowPreemptsABlockedMover() {
	s.stubs.fail[contract.ApplyAccess.Name+"/google"] = 100
	s.at(time.Minute, func() { s.signal(rec(func(r *domain.HRRecord) { r.Department = "Sales" })) })
	s.at(5*time.Minute, func() {
		s.Len(s.blockedAlerts(), 1)
		s.signal(rec(func(r *domain.HRRecord) { r.Department = "Sales"; r.Title = "Account Executive" })) // queued behind it
	})
	s.at(10*time.Minute, func() {
		s.signal(rec(func(r *domain.HRRecord) { r.Department = "Sales"; r.Title = "Account Executive" }, terminated(t0.Add(10*time.Minute))))
	})
	s.at(10*time.Minute+time.Second, func() {
		s.Equal(3, s.stubs.count(contract.DisableAccount.Name, ""))
	})
	s.run(2*time.Hour, contract.EmployeeInput{State: s.employed()})

	st := s.state()
	s.Equal(domain.StatusTerminated, st.Status)
	var events []domain.Event
	for _, h := range st.History {
		events = append(events, h.Event)
	}
	s.Equal([]domain.Event{domain.EventMover, domain.EventLeaver}, events, "the queued mover never ran after the leaver")
	s.True(st.History[0].Preempted)
	s.Equal(1, s.stubs.count(contract.ApplyAccess.Name, "google"))
	s.Require().Len(s.stubs.logRows, 1)
	s.Equal("mover employee/E0042/mover/2", s.stubs.logRows[0].Preempted)
	s.Empty(st.Access.Groups, "nothing the catalog granted is held")
	for _, d := range dirs {
		s.Empty(s.stubs.groupsOf(d, "E0042"), d)
	}
}

// A joiner that is not blocked finishes; a future-dated termination waits
// for its time and records no pre-emption.
func (s *EmployeeSuite) TestFutureTerminationDoesNotCancelAJoinerThatFinishes() {
	s.at(0, func() {
		s.signal(rec())
		s.signal(rec(terminated(t0.Add(2 * time.Hour))))
	})
	s.run(4*time.Hour, contract.EmployeeInput{})
	st := s.state()
	s.Require().Len(st.History, 2)
	s.False(st.History[0].Preempted)
	s.Empty(st.History[0].Error)
	s.Require().Len(s.stubs.logRows, 1)
	s.Empty(s.stubs.logRows[0].Preempted)
}

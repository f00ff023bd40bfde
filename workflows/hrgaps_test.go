package workflows_test

import (
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/workflows"
)

// breaches are the SLA breach alerts posted to the security channel.
func (s *EmployeeSuite) breaches() []string {
	return slices.DeleteFunc(s.stubs.messages("channel:#security-alerts"), func(m string) bool { return !strings.Contains(m, "SLA BREACHED") })
}

// A termination of someone who never joined (no account anywhere), its
// effective time eleven days past: one row saying there were no accounts,
// and no breach.
func (s *EmployeeSuite) TestTerminationOfSomeoneWhoNeverJoinedIsNoBreach() {
	effective := t0.Add(-959671 * time.Second)
	s.at(time.Minute, func() {
		s.signal(rec(func(r *hr.Record) { r.Status = hr.StatusTerminated; r.TerminationEffectiveAt = effective }))
	})
	s.run(3*time.Hour, workflows.EmployeeInput{})

	s.Empty(s.breaches(), "nothing to offboard, nothing breached")
	s.Equal(0, s.stubs.count(workflows.ActDisableAccount, ""))
	s.Require().Len(s.stubs.logRows, 1)
	row := s.stubs.logRows[0]
	s.True(row.NoAccounts, "the row says there were no accounts")
	s.True(row.SLAMet)
	s.True(row.EffectiveAt.Equal(effective))
	for _, d := range row.Directories {
		if !strings.HasPrefix(d.Directory, "scim:") {
			s.Equal(workflows.ResultNoAccount, d.Result, d.Directory)
		}
	}
	st := s.state()
	s.False(st.SLABreached)
	s.False(st.LastChange.SLABreached)
	s.Equal(workflows.StatusTerminated, st.Status)
	for _, sa := range s.sas {
		b, ok := sa.GetBool(workflows.SLABreachedKey)
		s.False(ok && b, "SLABreached never set")
	}
}

// The same late termination of someone who has accounts is a breach: the
// SLA counts from the effective time.
func (s *EmployeeSuite) TestLateTerminationWithAccountsIsABreach() {
	s.at(time.Minute, func() {
		s.signal(rec(func(r *hr.Record) { r.Status = hr.StatusTerminated; r.TerminationEffectiveAt = t0.Add(-48 * time.Hour) }))
	})
	s.run(3*time.Hour, workflows.EmployeeInput{State: s.employed()})

	s.Len(s.breaches(), 1)
	s.Require().Len(s.stubs.logRows, 1)
	s.False(s.stubs.logRows[0].NoAccounts)
	s.False(s.stubs.logRows[0].SLAMet)
	s.True(s.state().SLABreached)
}

// Only an app still holds an account: that is something to offboard.
func (s *EmployeeSuite) TestTerminationWithOnlyAnAppAccountIsOffboarded() {
	s.stubs.apps["scim:zoom/E0042"] = true
	s.at(time.Minute, func() {
		s.signal(rec(func(r *hr.Record) { r.Status = hr.StatusTerminated; r.TerminationEffectiveAt = t0.Add(-48 * time.Hour) }))
	})
	s.run(3*time.Hour, workflows.EmployeeInput{})

	s.False(s.stubs.apps["scim:zoom/E0042"], "deprovisioned")
	s.Require().Len(s.stubs.logRows, 1)
	s.False(s.stubs.logRows[0].NoAccounts)
	s.Len(s.breaches(), 1)
}

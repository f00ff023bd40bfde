package workflows_test

import (
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
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
		s.signal(rec(func(r *domain.HRRecord) { r.Status = domain.HRTerminated; r.TerminationEffectiveAt = effective }))
	})
	s.run(3*time.Hour, contract.EmployeeInput{})

	s.Empty(s.breaches(), "nothing to offboard, nothing breached")
	s.Equal(0, s.stubs.count(contract.DisableAccount.Name, ""))
	s.Require().Len(s.stubs.logRows, 1)
	row := s.stubs.logRows[0]
	s.True(row.NoAccounts, "the row says there were no accounts")
	s.True(row.SLAMet)
	s.True(row.EffectiveAt.Equal(effective))
	for _, d := range row.Directories {
		if !strings.HasPrefix(d.Directory, "scim:") {
			s.Equal(domain.ResultNoAccount, d.Result, d.Directory)
		}
	}
	st := s.state()
	s.False(st.SLABreached)
	s.False(st.LastChange.SLABreached)
	s.Equal(domain.StatusTerminated, st.Status)
	for _, sa := range s.sas {
		b, ok := sa.GetBool(contract.SLABreachedKey)
		s.False(ok && b, "SLABreached never set")
	}
}

// The same late termination of someone who has accounts is a breach: the
// SLA counts from the effective time.
func (s *EmployeeSuite) TestLateTerminationWithAccountsIsABreach() {
	s.at(time.Minute, func() {
		s.signal(rec(func(r *domain.HRRecord) {
			r.Status = domain.HRTerminated
			r.TerminationEffectiveAt = t0.Add(-48 * time.Hour)
		}))
	})
	s.run(3*time.Hour, contract.EmployeeInput{State: s.employed()})

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
		s.signal(rec(func(r *domain.HRRecord) {
			r.Status = domain.HRTerminated
			r.TerminationEffectiveAt = t0.Add(-48 * time.Hour)
		}))
	})
	s.run(3*time.Hour, contract.EmployeeInput{})

	s.False(s.stubs.apps["scim:zoom/E0042"], "deprovisioned")
	s.Require().Len(s.stubs.logRows, 1)
	s.False(s.stubs.logRows[0].NoAccounts)
	s.Len(s.breaches(), 1)
}

// HR sends the report before the manager: the joiner completes without
// waiting, and the manager is set once their account exists.
func (s *EmployeeSuite) TestUnknownManagerIsSetWhenTheyArriveAndNeverBlocks() {
	for _, d := range dirs {
		s.stubs.setNoManager(d, "E0007", true)
	}
	s.at(0, func() { s.signal(rec()) })
	s.at(30*time.Second, func() {
		st := s.state()
		s.Equal(domain.StatusActive, st.Status, "the joiner did not wait for the manager")
		s.Equal(domain.EventJoiner, st.LastChange.Event)
		s.Require().NotNil(st.ManagerWait)
		s.Equal("E0007", st.ManagerWait.ManagerEmployeeID)
		s.Equal(dirs, st.ManagerWait.Directories)
		s.Empty(s.stubs.messages("channel:#security-alerts"), "nothing blocked, nobody paged")
	})
	s.at(3*time.Hour, func() {
		s.Empty(s.stubs.managerOf("okta/E0042"))
		for _, d := range dirs {
			s.stubs.setNoManager(d, "E0007", false) // the manager's record arrived, their accounts exist
		}
	})
	s.run(6*time.Hour, contract.EmployeeInput{})

	st := s.state()
	s.Nil(st.ManagerWait)
	s.Equal(domain.EventManager, st.LastChange.Event)
	s.Empty(st.LastChange.Error)
	for _, d := range dirs {
		s.Equal("E0007", s.stubs.managerOf(d+"/E0042"), d)
	}
	s.Greater(s.stubs.count(contract.SetManager.Name, "okta"), 2, "tried again, then set")
	s.Empty(st.Pending, "no retry left queued")
}

// A manager who never arrives: after the wait, IT is told and the retries
// stop.
func (s *EmployeeSuite) TestManagerWhoNeverArrivesIsHandedToIT() {
	s.stubs.setNoManager("google", "E0007", true)
	in := contract.EmployeeInput{Policy: testPolicy()}
	in.Policy.ITChannel = "#it-ops"
	s.at(0, func() { s.signal(rec()) })
	s.at(time.Hour, func() {
		st := s.state()
		s.Require().NotNil(st.ManagerWait)
		s.Equal([]string{"google"}, st.ManagerWait.Directories, "set where the manager exists, waiting where not")
	})
	s.run(16*24*time.Hour, in)

	st := s.state()
	s.Nil(st.ManagerWait)
	s.Empty(st.Pending)
	s.Contains(st.LastChange.Error, "E0007 still has no account in google")
	msgs := s.stubs.messages("channel:#it-ops")
	s.Require().Len(msgs, 1)
	s.Contains(msgs[0], "employee E0042")
	s.Equal("E0007", s.stubs.managerOf("entra/E0042"))
	s.Empty(s.stubs.managerOf("google/E0042"))
}

// A record with no country yet takes the policy's default usage location
// before anything is licensed; a country HR has wins.
func (s *EmployeeSuite) TestMissingCountryTakesTheDefaultUsageLocation() {
	in := contract.EmployeeInput{EmployeeID: "E0042", Policy: testPolicy()}
	in.Policy.DefaultUsageLocation = "GB"
	s.at(0, func() { s.signal(rec(func(r *domain.HRRecord) { r.Country = "" })) })
	s.run(time.Hour, in)
	s.Require().Len(s.stubs.callsOf(contract.EnsureAccount.Name), 3)
	for _, c := range s.stubs.callsOf(contract.EnsureAccount.Name) {
		s.Equal("GB", c.In.(contract.EnsureAccountInput).Person.UsageLocation)
	}
	s.Equal(domain.StatusActive, s.state().Status)
}

func (s *EmployeeSuite) TestCountryFromHRWinsOverTheDefault() {
	in := contract.EmployeeInput{EmployeeID: "E0042", Policy: testPolicy()}
	in.Policy.DefaultUsageLocation = "GB"
	s.at(0, func() { s.signal(rec(func(r *domain.HRRecord) { r.Country = "US" })) })
	s.run(time.Hour, in)
	for _, c := range s.stubs.callsOf(contract.EnsureAccount.Name) {
		s.Equal("US", c.In.(contract.EnsureAccountInput).Person.UsageLocation)
	}
}

// A joiner that finds an account (created by hand, or left from before
// jml) writes HR's profile onto it; one it creates needs no update.
func (s *EmployeeSuite) TestJoinerReconcilesTheProfileOfAnAccountItFinds() {
	s.stubs.enabled["okta/E0042"] = true // exists already, with whatever profile
	s.at(0, func() {
		s.signal(rec(func(r *domain.HRRecord) { r.Department, r.Title = "Engineering", "Staff Engineer" }))
	})
	s.run(time.Hour, contract.EmployeeInput{})

	s.Equal(0, s.stubs.count(contract.UpdateProfile.Name, "entra"), "created from HR: nothing to reconcile")
	s.Equal(0, s.stubs.count(contract.UpdateProfile.Name, "google"))
	ups := s.stubs.callsOf(contract.UpdateProfile.Name)
	s.Require().Len(ups, 1)
	up := ups[0].In.(contract.UpdateProfileInput)
	s.Equal("okta", up.Directory)
	s.Equal("okta/E0042", up.AccountID)
	s.Equal("Ada Lovelace", up.Person.DisplayName)
	s.Equal("Engineering", up.Person.Department)
	s.Equal("Staff Engineer", up.Person.Title)
	s.Equal(domain.StatusActive, s.state().Status)
}

package scimemu

import (
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// SeedSweep adds the sweep's SCIM accounts (demoorg SweepAccounts with
// Directory "scim:<app>"), e.g. a former employee's enabled account. A
// repeat is a no-op (matched by userName).
func (e *Emulator) SeedSweep(accts []demoorg.SweepAccount) {
	a := e.api
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now().UTC()
	for _, s := range accts {
		app, ok := strings.CutPrefix(s.Directory, "scim:")
		st := a.apps[app]
		if !ok || st == nil {
			continue
		}
		if _, ok := st.byName[strings.ToLower(s.Login)]; ok {
			continue
		}
		first, last, _ := strings.Cut(s.DisplayName, " ")
		st.add(&User{ExternalID: s.EmployeeID, UserName: s.Login, GivenName: first, FamilyName: last, DisplayName: s.DisplayName,
			EmployeeNo: s.EmployeeID, Active: s.Enabled, Created: now, Modified: now})
	}
}

// SetActive sets a user's active flag as an app admin would (a test
// re-enabling an account after offboarding). It reports whether the user
// exists.
func (e *Emulator) SetActive(app, userName string, active bool) bool {
	a := e.api
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.apps[app]
	if st == nil {
		return false
	}
	id, ok := st.byName[strings.ToLower(userName)]
	if !ok {
		return false
	}
	st.users[id].Active, st.users[id].Modified = active, time.Now().UTC()
	return true
}

package googleemu

import (
	"strings"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// ---- 2-Step Verification enforcement ----

// SeedPosture enforces 2SV for the demo's users, as an organisational unit
// setting would, except every ninth (a gap the baseline must show), and
// records a passed 2SV challenge after the login of each enrolled user.
func (e *Emulator) SeedPosture(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, emp := range org.Employees {
		u := e.userByKey(emp.Email)
		if u == nil {
			continue
		}
		u.IsEnforcedIn2Sv = i%9 != 3
		if !emp.MFA {
			continue
		}
		for _, a := range e.activities["login"] {
			if a.Actor.ProfileID == u.ID && len(a.Events) > 0 && a.Events[0].Name == "login_success" {
				e.addActivity("login", a.time, u.PrimaryEmail, u.ID, a.IPAddress, ActivityEvent{Type: "login", Name: "login_verification",
					Parameters: []Parameter{{Name: "login_type", Value: "google_password"}, {Name: "login_challenge_method", Value: "google_authenticator"},
						{Name: "login_challenge_status", Value: "Challenge Passed"}}})
				break
			}
		}
	}
}

// SetEnforced2SV sets a user's isEnforcedIn2Sv (an OU setting in the Admin
// console; no API writes it), for tests and jml dev.
func (e *Emulator) SetEnforced2SV(idOrEmail string, enforced bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(strings.TrimSpace(idOrEmail))
	if u == nil {
		return false
	}
	u.IsEnforcedIn2Sv = enforced
	return true
}

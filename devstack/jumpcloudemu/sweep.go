package jumpcloudemu

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// deleteUser is DELETE /api/systemusers/{id}: 200 with the deleted user,
// who leaves every group and device binding.
func (e *Emulator) deleteUser(w http.ResponseWriter, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	delete(e.users, id)
	e.uorder = slices.DeleteFunc(e.uorder, func(x string) bool { return x == id })
	for _, g := range e.groups {
		delete(g.Members, id)
	}
	for _, s := range e.systems {
		delete(s.Users, id)
	}
	e.addEventLocked(adminEvent("user_delete", id))
	emulator.WriteJSON(w, http.StatusOK, u)
}

// SeedSweep adds the sweep's JumpCloud accounts (demoorg SweepAccounts
// with Directory "jumpcloud"): users no HR record owns, with user-level
// sudo ("sudo" or "passwordless_sudo" in AdminRoles). A repeat is a no-op
// (matched by email).
func (e *Emulator) SeedSweep(accts []demoorg.SweepAccount) {
	e.mu.Lock()
	defer e.mu.Unlock()
	created := time.Now().UTC().Add(-200 * 24 * time.Hour)
	for _, s := range accts {
		if s.Directory != "jumpcloud" || s.Kind != demoorg.KindUser || e.byEmailLocked(s.Login) != nil {
			continue
		}
		first, last, _ := strings.Cut(s.DisplayName, " ")
		u := &User{ID: e.newID(0x5f), Username: Username(s.Login), Email: strings.ToLower(s.Login), Firstname: first, Lastname: last,
			Displayname: s.DisplayName, EmployeeIdentifier: s.EmployeeID, State: "ACTIVATED", Activated: true, Organization: e.org, Created: created,
			MFAEnrollment: MFAEnrollment{OverallStatus: "NOT_ENROLLED", TOTPStatus: "NOT_ENROLLED", PushStatus: "NOT_ENROLLED", WebAuthnStatus: "NOT_ENROLLED"}}
		if !s.Enabled {
			u.Suspended, u.State = true, "SUSPENDED"
		}
		for _, r := range s.AdminRoles {
			switch r {
			case "sudo":
				u.Sudo = true
			case "passwordless_sudo":
				u.Sudo, u.PasswordlessSudo = true, true
			}
		}
		e.users[u.ID] = u
		e.uorder = append(e.uorder, u.ID)
	}
}

func (e *Emulator) byEmailLocked(email string) *User {
	for _, u := range e.users {
		if strings.EqualFold(u.Email, email) {
			return u
		}
	}
	return nil
}

// UserByEmail returns a copy of the user with that email.
func (e *Emulator) UserByEmail(email string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.byEmailLocked(email); u != nil {
		return *u, true
	}
	return User{}, false
}

// SetGroupSudo turns a user group's sudo attribute on or off (creating
// the group), as an admin would in the console.
func (e *Emulator) SetGroupSudo(name string, on bool) {
	e.mu.Lock()
	e.ensureGroupLocked(name).Sudo = on
	e.mu.Unlock()
}

// AddToGroup puts the user in the group (creating it) directly.
func (e *Emulator) AddToGroup(userID, name string) {
	e.mu.Lock()
	e.ensureGroupLocked(name).Members[userID] = true
	e.mu.Unlock()
}

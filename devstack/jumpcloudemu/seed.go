package jumpcloudemu

import (
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// SudoGroup is the demo's user group whose members are administrators
// (sudo) on every device bound to the group.
const SudoGroup = "it-sudo"

// Username is the JumpCloud username jml gives an email: its local part.
func Username(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	return local
}

// Seed loads the organisation: a system user per employee (username from
// the email, employeeIdentifier the employee id, manager linked), the
// demo's groups plus the sudo-enabled it-sudo group, one laptop per
// employee bound to them (JumpCloud-MDM enrolled and encrypted when the
// employee's device is compliant), TOTP for those with MFA, and
// user-level sudo and it-sudo membership for the standing admins.
func (e *Emulator) Seed(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now().UTC()
	for _, name := range append(slices.Clone(org.Groups), SudoGroup) {
		e.ensureGroupLocked(name).Sudo = name == SudoGroup
	}
	byEmp := map[string]string{}
	for _, emp := range org.Employees {
		u := &User{ID: e.newID(0x5f), Username: Username(emp.Email), Email: strings.ToLower(emp.Email), Firstname: emp.GivenName, Lastname: emp.FamilyName,
			Displayname: emp.Name(), EmployeeIdentifier: emp.EmployeeID, Department: emp.Department, JobTitle: emp.Title, Location: emp.Location,
			CostCenter: emp.CostCenter, EmployeeType: emp.EmploymentType, State: "ACTIVATED", Activated: true, Organization: e.org, Created: now,
			MFA: MFA{Configured: true}, MFAEnrollment: MFAEnrollment{OverallStatus: "NOT_ENROLLED", TOTPStatus: "NOT_ENROLLED", PushStatus: "NOT_ENROLLED", WebAuthnStatus: "NOT_ENROLLED"}}
		if emp.MFA {
			u.TOTPEnabled = true
			u.MFAEnrollment.OverallStatus, u.MFAEnrollment.TOTPStatus = "ENROLLED", "ENROLLED"
		}
		if len(emp.AdminRoles) > 0 {
			u.Sudo = true // a standing admin the KPI report must find, twice:
			e.ensureGroupLocked(SudoGroup).Members[u.ID] = true
		}
		e.users[u.ID] = u
		e.uorder = append(e.uorder, u.ID)
		byEmp[emp.EmployeeID] = u.ID
		for _, g := range emp.Groups {
			e.ensureGroupLocked(g).Members[u.ID] = true
		}
		s := &System{ID: e.newID(0x6a), DisplayName: "LAPTOP-" + emp.EmployeeID, Hostname: "laptop-" + strings.ToLower(emp.EmployeeID), OS: "Mac OS X", OSFamily: "darwin",
			Active: true, MDMVendor: "none", Users: map[string]bool{u.ID: true}}
		if emp.DeviceOK {
			s.MDMVendor, s.FDEActive = "internal", true
		}
		e.systems[s.ID] = s
		e.sorder = append(e.sorder, s.ID)
		// a portal login a day ago, so a month's export has events
		e.addEventLocked(Event{EventType: "user_login_attempt", Service: "user_portal", Success: true, ClientIP: "192.0.2.10",
			Timestamp: now.Add(-24 * time.Hour), InitiatedBy: map[string]any{"type": "user", "id": u.ID}, Application: map[string]any{"name": "User Portal"}})
	}
	for _, emp := range org.Employees {
		if m, ok := byEmp[emp.ManagerEmployeeID]; ok {
			e.users[byEmp[emp.EmployeeID]].Manager = m
		}
	}
}

func (e *Emulator) ensureGroupLocked(name string) *Group {
	for _, id := range e.gorder {
		if g := e.groups[id]; g.Name == name {
			return g
		}
	}
	g := &Group{ID: e.newID(0x64), Name: name, Members: map[string]bool{}}
	e.groups[g.ID] = g
	e.gorder = append(e.gorder, g.ID)
	return g
}

// ---- inspection, for tests ----

// EnsureGroup creates the user group name if it does not exist.
func (e *Emulator) EnsureGroup(name string) {
	e.mu.Lock()
	e.ensureGroupLocked(name)
	e.mu.Unlock()
}

// UserByEmployeeID returns a copy of the user with that employeeIdentifier.
func (e *Emulator) UserByEmployeeID(empID string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, id := range e.uorder {
		if u := e.users[id]; u.EmployeeIdentifier == empID {
			return *u, true
		}
	}
	return User{}, false
}

// UserByID returns a copy of the user.
func (e *Emulator) UserByID(id string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.users[id]
	if !ok {
		return User{}, false
	}
	return *u, true
}

// GroupsOf lists the names of the user's groups, in group order.
func (e *Emulator) GroupsOf(userID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []string
	for _, id := range e.gorder {
		if g := e.groups[id]; g.Members[userID] {
			out = append(out, g.Name)
		}
	}
	return out
}

// SystemsOf returns copies of the systems bound to the user.
func (e *Emulator) SystemsOf(userID string) []System {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []System
	for _, id := range e.sorder {
		if s := e.systems[id]; s.Users[userID] {
			out = append(out, *s)
		}
	}
	return out
}

// AddSystem binds a new system to the users and returns its id.
func (e *Emulator) AddSystem(s System, userIDs ...string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	s.ID = e.newID(0x6a)
	s.Users = map[string]bool{}
	for _, u := range userIDs {
		s.Users[u] = true
	}
	e.systems[s.ID] = &s
	e.sorder = append(e.sorder, s.ID)
	return s.ID
}

// SetMFA sets a user's TOTP enrolment.
func (e *Emulator) SetMFA(userID string, totp bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if u, ok := e.users[userID]; ok {
		u.TOTPEnabled = totp
		st := "NOT_ENROLLED"
		if totp {
			st = "ENROLLED"
		}
		u.MFAEnrollment.OverallStatus, u.MFAEnrollment.TOTPStatus = st, st
	}
}

// CountByEmail counts the users holding email (case-insensitive): more
// than one would be a duplicate account.
func (e *Emulator) CountByEmail(email string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, u := range e.users {
		if strings.EqualFold(u.Email, email) {
			n++
		}
	}
	return n
}

package graphemu

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Accessors for tests. Each returns copies, so a test can hold them while the
// emulator keeps serving.

// User returns the user with this id or userPrincipalName.
func (e *Emulator) User(idOrUPN string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return User{}, false
	}
	return copyUser(u), true
}

func copyUser(u *User) User {
	c := *u
	c.Licenses = slices.Clone(u.Licenses)
	if u.OnPremises != nil {
		op := *u.OnPremises
		c.OnPremises = &op
	}
	return c
}

// UserByEmployeeID returns the user with this employeeId.
func (e *Emulator) UserByEmployeeID(employeeID string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, id := range e.userList {
		if u := e.users[id]; strings.EqualFold(u.EmployeeID, employeeID) {
			return copyUser(u), true
		}
	}
	return User{}, false
}

// Users returns every user in creation order.
func (e *Emulator) Users() []User {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]User, 0, len(e.userList))
	for _, id := range e.userList {
		out = append(out, copyUser(e.users[id]))
	}
	return out
}

// GroupsOf returns the display names of the user's groups.
func (e *Emulator) GroupsOf(idOrUPN string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return nil
	}
	var out []string
	for _, gid := range e.groupIDs {
		if g := e.groups[gid]; slices.Contains(g.Members, u.ID) {
			out = append(out, g.DisplayName)
		}
	}
	return out
}

// GroupID returns the id of the group with this display name.
func (e *Emulator) GroupID(name string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if g := e.groupByName(name); g != nil {
		return g.ID, true
	}
	return "", false
}

// AddGroup creates a security group (for tests needing one outside the seed).
func (e *Emulator) AddGroup(name string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if g := e.groupByName(name); g != nil {
		return g.ID
	}
	g := &Group{ID: uuid.NewString(), DisplayName: name}
	e.groups[g.ID] = g
	e.groupIDs = append(e.groupIDs, g.ID)
	return g.ID
}

// Licenses returns the skuPartNumbers assigned to the user.
func (e *Emulator) Licenses(idOrUPN string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return nil
	}
	var out []string
	for _, id := range u.Licenses {
		for _, s := range e.skus {
			if strings.EqualFold(s.SkuID, id) {
				out = append(out, s.SkuPartNumber)
			}
		}
	}
	return out
}

// Skus returns the tenant's subscribed SKUs.
func (e *Emulator) Skus() []Sku {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.skus)
}

// RoleAssignments returns the user's role assignments that are active now
// (by the emulator's clock), with their expiry.
func (e *Emulator) RoleAssignments(idOrUPN string) []RoleAssignment {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return nil
	}
	now := e.nowLocked()
	var out []RoleAssignment
	for _, a := range e.assigns {
		if a.PrincipalID == u.ID && a.Active(now) {
			out = append(out, *a)
		}
	}
	return out
}

// RoleDefinitions returns the built-in roles.
func (e *Emulator) RoleDefinitions() []RoleDefinition {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.roleDefs)
}

// Devices returns the user's managed devices, retired ones included.
func (e *Emulator) Devices(idOrUPN string) []Device {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return nil
	}
	var out []Device
	for _, id := range e.devIDs {
		if d := e.devices[id]; d.UserID == u.ID {
			out = append(out, *d)
		}
	}
	return out
}

// Device returns one managed device by id.
func (e *Emulator) Device(id string) (Device, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.devices[id]
	if d == nil {
		return Device{}, false
	}
	return *d, true
}

// SessionsRevoked returns how often the user's sessions were revoked and when last.
func (e *Emulator) SessionsRevoked(idOrUPN string) (int, time.Time) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return 0, time.Time{}
	}
	return u.SessionsRevoked, u.SessionsRevokedAt
}

// SetMFA enrols or removes the user's authenticator method.
func (e *Emulator) SetMFA(idOrUPN string, enrolled bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return false
	}
	u.MFA = enrolled
	return true
}

// SignIns returns the user's sign-in events, oldest first; an empty id
// returns every event.
func (e *Emulator) SignIns(idOrUPN string) []SignIn {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var uid string
	if idOrUPN != "" {
		u := e.lookupUser(idOrUPN)
		if u == nil {
			return nil
		}
		uid = u.ID
	}
	var out []SignIn
	for _, s := range e.signIns {
		if uid == "" || s.UserID == uid {
			out = append(out, s)
		}
	}
	return out
}

// RecordSignIn appends a sign-in event for the user at time at.
func (e *Emulator) RecordSignIn(idOrUPN, app string, at time.Time, success bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return false
	}
	s := SignIn{ID: uuid.NewString(), Time: at.UTC(), UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName, App: app, IP: "203.0.113.7"}
	if !success {
		s.ErrorCode, s.Failure = 50126, "Error validating credentials due to invalid username or password."
	}
	i, _ := slices.BinarySearchFunc(e.signIns, s.Time, func(x SignIn, t time.Time) int { return x.Time.Compare(t) })
	e.signIns = slices.Insert(e.signIns, i, s)
	return true
}

// DirectoryAudits returns the audit records the emulator wrote for its own
// mutations, oldest first.
func (e *Emulator) DirectoryAudits() []Audit {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Clone(e.audits)
}

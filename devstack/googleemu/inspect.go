package googleemu

import (
	"slices"
	"strings"
	"time"
)

// Accessors for tests: each returns a copy taken under the lock.

// User returns the user with the given id or primary email.
func (e *Emulator) User(key string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.userByKey(key)
	if u == nil {
		return User{}, false
	}
	return u.clone(), true
}

// UserCount is the number of users.
func (e *Emulator) UserCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.users)
}

// Suspended reports whether the user is suspended (false when absent).
func (e *Emulator) Suspended(key string) bool {
	u, ok := e.User(key)
	return ok && u.Suspended
}

// SignedOut is how many times the user was signed out.
func (e *Emulator) SignedOut(key string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.userByKey(key); u != nil {
		return e.signedOut[u.ID]
	}
	return 0
}

// GroupMembers lists the member emails of a group (by email, id or bare name).
func (e *Emulator) GroupMembers(group string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	gs := e.groupByKey(group)
	if gs == nil {
		return nil
	}
	out := make([]string, 0, len(gs.order))
	for _, id := range gs.order {
		out = append(out, gs.members[id].Email)
	}
	return out
}

// IsMember reports whether the user (id or email) is in the group.
func (e *Emulator) IsMember(group, user string) bool {
	e.mu.RLock()
	defer e.mu.RUnlock()
	gs, u := e.groupByKey(group), e.userByKey(user)
	return gs != nil && u != nil && gs.members[u.ID] != nil
}

// AssignedRole is a role assignment with its role's name resolved.
type AssignedRole struct {
	RoleAssignment
	RoleName string
}

// RoleAssignments lists the role assignments of a user or group (by id or
// email).
func (e *Emulator) RoleAssignments(principal string) []AssignedRole {
	e.mu.RLock()
	defer e.mu.RUnlock()
	pid := e.principalID(principal)
	if pid == "" {
		return nil
	}
	var out []AssignedRole
	for _, id := range e.assignOrd {
		ra := e.assigns[id]
		if ra.AssignedTo != pid {
			continue
		}
		ar := AssignedRole{RoleAssignment: *ra}
		if ro := e.roleByID(ra.RoleID); ro != nil {
			ar.RoleName = ro.RoleName
		}
		out = append(out, ar)
	}
	return out
}

// Roles lists the customer's roles.
func (e *Emulator) Roles() []Role {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Role, len(e.roles))
	for i, r := range e.roles {
		out[i] = *r
	}
	return out
}

// MobileDevices lists the devices registered to the user's email.
func (e *Emulator) MobileDevices(user string) []MobileDevice {
	e.mu.RLock()
	defer e.mu.RUnlock()
	email := user
	if u := e.userByKey(user); u != nil {
		email = u.PrimaryEmail
	}
	var out []MobileDevice
	for _, id := range e.deviceOrd {
		d := e.devices[id]
		if slices.ContainsFunc(d.Email, func(x string) bool { return strings.EqualFold(x, email) }) {
			c := *d
			c.Actions = slices.Clone(d.Actions)
			out = append(out, c)
		}
	}
	return out
}

// Device returns one mobile device by resource id, with the actions taken on it.
func (e *Emulator) Device(resourceID string) (MobileDevice, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	d := e.devices[resourceID]
	if d == nil {
		return MobileDevice{}, false
	}
	c := *d
	c.Actions = slices.Clone(d.Actions)
	return c, true
}

// Tokens lists the OAuth tokens the user has granted.
func (e *Emulator) Tokens(user string) []Token {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u := e.userByKey(user); u != nil {
		return slices.Clone(e.tokens[u.ID])
	}
	return nil
}

// AddToken grants the user one more OAuth token (for revocation tests).
func (e *Emulator) AddToken(user, clientID, displayText string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(user)
	if u == nil {
		return false
	}
	e.tokens[u.ID] = append(e.tokens[u.ID], Token{Kind: "admin#directory#token", Etag: e.etag(), ClientID: clientID, DisplayText: displayText, Scopes: []string{"openid", "email"}, UserKey: u.ID})
	return true
}

// AddLoginEvent records a login activity for the user at t.
func (e *Emulator) AddLoginEvent(user, name string, t time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(user)
	if u == nil {
		return false
	}
	e.addActivity("login", t, u.PrimaryEmail, u.ID, "192.0.2.10", ActivityEvent{Type: "login", Name: name, Parameters: []Parameter{{Name: "login_type", Value: "google_password"}}})
	return true
}

// Activities returns the recorded activities of one application ("login", "admin").
func (e *Emulator) Activities(app string) []Activity {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]Activity, 0, len(e.activities[app]))
	for _, a := range e.activities[app] {
		out = append(out, *a)
	}
	return out
}

// AdminEvents lists the names of the admin events recorded for the
// emulator's own mutations, oldest first.
func (e *Emulator) AdminEvents() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	var out []string
	for _, a := range e.activities["admin"] {
		for _, ev := range a.Events {
			out = append(out, ev.Name)
		}
	}
	return out
}

// ThrottledCount is how many calls were answered as throttled (403 or 429).
func (e *Emulator) ThrottledCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.throttled
}

package oktaemu

import (
	"maps"
	"strings"
	"time"
)

// User is a read-only view of one user for tests.
type User struct {
	ID              string
	Login           string
	Status          string
	Profile         map[string]any
	HasPassword     bool
	Groups          []string // group names, Everyone included
	Roles           []string // role types
	SessionsCleared int
	TokensRevoked   int    // clears that also revoked OAuth tokens
	Transitioning   string // transitioningToStatus, "" when settled
	Factors         []Factor
}

func (e *Emulator) viewLocked(u *user) User {
	v := User{ID: u.ID, Login: u.login(), Status: u.Status, Profile: maps.Clone(u.Profile), HasPassword: u.HasPassword,
		Groups: e.groupNamesLocked(u), SessionsCleared: u.SessionsCleared,
		TokensRevoked: u.TokensRevoked, Transitioning: u.Transitioning}
	for _, ra := range u.Roles {
		v.Roles = append(v.Roles, ra.Type)
	}
	for _, f := range u.Factors {
		v.Factors = append(v.Factors, *f)
	}
	return v
}

// User returns the user with this id.
func (e *Emulator) User(id string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.users[id]
	if !ok {
		return User{}, false
	}
	return e.viewLocked(u), true
}

// UserByLogin returns the user with this login (case-insensitive).
func (e *Emulator) UserByLogin(login string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	id, ok := e.logins[strings.ToLower(login)]
	if !ok {
		return User{}, false
	}
	return e.viewLocked(e.users[id]), true
}

// UserByEmployeeNumber returns the user whose profile.employeeNumber is n.
func (e *Emulator) UserByEmployeeNumber(n string) (User, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, u := range e.sortedUsersLocked() {
		if str(u.Profile["employeeNumber"]) == n {
			return e.viewLocked(u), true
		}
	}
	return User{}, false
}

// Status returns the user's status, "" when there is no such user.
func (e *Emulator) Status(id string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u, ok := e.users[id]; ok {
		return u.Status
	}
	return ""
}

// SetStatus forces a user's status (test set-up, e.g. SUSPENDED).
func (e *Emulator) SetStatus(id, status string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[id]
	if ok {
		u.Status, u.StatusChanged = status, time.Now()
	}
	return ok
}

// GroupsOf returns the names of the user's groups (Everyone included).
func (e *Emulator) GroupsOf(id string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u, ok := e.users[id]; ok {
		return e.groupNamesLocked(u)
	}
	return nil
}

// GroupID returns the id of the group with this name.
func (e *Emulator) GroupID(name string) (string, bool) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	for _, g := range e.groups {
		if strings.EqualFold(g.Name, name) {
			return g.ID, true
		}
	}
	return "", false
}

// AdminRoles returns the role types assigned to the user.
func (e *Emulator) AdminRoles(id string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.users[id]
	if !ok {
		return nil
	}
	var out []string
	for _, ra := range u.Roles {
		out = append(out, ra.Type)
	}
	return out
}

// SessionsCleared returns how many times the user's sessions were cleared.
func (e *Emulator) SessionsCleared(id string) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if u, ok := e.users[id]; ok {
		return u.SessionsCleared
	}
	return 0
}

// Factors returns the user's factors.
func (e *Emulator) Factors(id string) []Factor {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u, ok := e.users[id]
	if !ok {
		return nil
	}
	out := make([]Factor, 0, len(u.Factors))
	for _, f := range u.Factors {
		out = append(out, *f)
	}
	return out
}

// SystemLog returns a copy of the System Log in published order.
func (e *Emulator) SystemLog() []LogEvent {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]LogEvent, 0, len(e.events))
	for _, ev := range e.events {
		out = append(out, *ev)
	}
	return out
}

// EventsOfType returns the System Log events of one eventType.
func (e *Emulator) EventsOfType(typ string) []LogEvent {
	var out []LogEvent
	for _, ev := range e.SystemLog() {
		if ev.EventType == typ {
			out = append(out, ev)
		}
	}
	return out
}

// UserCount returns the number of users in any status.
func (e *Emulator) UserCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.users)
}

// ThrottledCount is how many calls the emulator answered 429 (the frame's
// Server.Throttled, which the API's own Throttled method shadows).
func (e *Emulator) ThrottledCount() int { return e.Server.Throttled() }

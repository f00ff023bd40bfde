package googleemu

import (
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// SeedSweep adds the sweep's Google accounts (demoorg SweepAccounts with
// Directory "google"): users no HR record owns and groups, with the admin
// roles they hold (by roleName or a system role's description). A repeat
// is a no-op (matched by email).
func (e *Emulator) SeedSweep(accts []demoorg.SweepAccount) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.now()
	created := now.Add(-300 * 24 * time.Hour)
	for _, s := range accts {
		if s.Directory != "google" {
			continue
		}
		var pid string
		switch s.Kind {
		case demoorg.KindGroup:
			if e.groupByKey(s.Login) != nil {
				continue
			}
			gs := e.addGroup(s.Login)
			gs.Name, pid = s.DisplayName, gs.ID
		default:
			if e.userByKey(s.Login) != nil {
				continue
			}
			first, last, _ := strings.Cut(s.DisplayName, " ")
			u := &User{PrimaryEmail: s.Login, Name: Name{GivenName: first, FamilyName: last}, Suspended: !s.Enabled, OrgUnitPath: "/IT"}
			if s.EmployeeID != "" {
				u.ExternalIDs = []ExternalID{{Type: "organization", Value: s.EmployeeID}}
			}
			e.insertUser(u, created)
			if s.SignedInDaysAgo > 0 {
				u.LastLoginTime = rfc3339(now.Add(-time.Duration(s.SignedInDaysAgo) * 24 * time.Hour))
			}
			pid = u.ID
		}
		for _, rn := range s.AdminRoles {
			if r := e.roleByLabel(rn); r != nil {
				e.assign(r.RoleID, pid)
			}
		}
	}
}

// roleByLabel finds a role by roleName or description. Caller holds mu.
func (e *Emulator) roleByLabel(name string) *Role {
	for _, r := range e.roles {
		if strings.EqualFold(r.RoleName, name) || strings.EqualFold(r.RoleDescription, name) {
			return r
		}
	}
	return nil
}

// AssignRole assigns the role (by roleName or description) to a user or a
// group (by id or email), as an admin would in the Admin console. It
// reports whether both exist.
func (e *Emulator) AssignRole(principal, role string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r, pid := e.roleByLabel(role), e.principalID(principal)
	if r == nil || pid == "" {
		return false
	}
	e.assign(r.RoleID, pid)
	return true
}

// AssignServiceAccountRole assigns the role to an IAM service account by
// its uniqueId, which no Directory user or group has. The API documents
// assigneeType only as user or group, so the emulator leaves it out here.
func (e *Emulator) AssignServiceAccountRole(uniqueID, role string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.roleByLabel(role)
	if r == nil || e.principalID(uniqueID) != "" {
		return false
	}
	e.assign(r.RoleID, uniqueID).AssigneeType = ""
	return true
}

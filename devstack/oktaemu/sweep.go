package oktaemu

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// listRoleAssignees serves GET /api/v1/iam/assignees/users: every user
// holding an admin role, {"value": [{id, orn, _links}], "_links": {next}},
// paged by after/limit like the rest of the API.
func (e *Emulator) listRoleAssignees(w http.ResponseWriter, r *http.Request) {
	limit, after := e.pageParams(r, 100, 100)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	var items []any
	next := ""
	for _, u := range e.sortedUsersLocked() {
		if len(u.Roles) == 0 || (after != "" && u.ID <= after) {
			continue
		}
		if len(items) == limit {
			next = items[len(items)-1].(map[string]any)["id"].(string)
			break
		}
		items = append(items, map[string]any{"id": u.ID, "orn": "orn:okta:directory:" + e.orgID() + ":users:" + u.ID,
			"_links": map[string]any{
				"assignments": map[string]any{"href": base + "/api/v1/users/" + u.ID + "/roles"},
				"user":        map[string]any{"href": base + "/api/v1/users/" + u.ID},
			}})
	}
	e.mu.RUnlock()
	if items == nil {
		items = []any{}
	}
	links := map[string]any{"self": map[string]any{"href": base + r.URL.RequestURI()}}
	if next != "" {
		q := url.Values{"after": {next}, "limit": {strconv.Itoa(limit)}}
		links["next"] = map[string]any{"href": base + "/api/v1/iam/assignees/users?" + q.Encode()}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items, "_links": links})
}

func (e *Emulator) orgID() string { return "00o1jmldemo" }

// SeedSweep adds the sweep's Okta accounts (demoorg SweepAccounts): users
// no HR record owns, and the groups and API service apps holding roles.
// A repeat is a no-op (matched by login).
func (e *Emulator) SeedSweep(accts []demoorg.SweepAccount) {
	e.SeedSweepHolders(accts)
	e.mu.Lock()
	defer e.mu.Unlock()
	created := time.Now().Add(-300 * 24 * time.Hour)
	for _, s := range accts {
		if s.Directory != "okta" || s.Kind != demoorg.KindUser {
			continue
		}
		if _, ok := e.logins[strings.ToLower(s.Login)]; ok {
			continue
		}
		first, last, _ := strings.Cut(s.DisplayName, " ")
		p := map[string]any{"login": s.Login, "email": s.Login, "firstName": first, "lastName": last, "displayName": s.DisplayName,
			"mobilePhone": nil, "secondEmail": nil}
		if s.EmployeeID != "" {
			p["employeeNumber"] = s.EmployeeID
		}
		status := StatusActive
		if !s.Enabled {
			status = "SUSPENDED"
		}
		u := &user{ID: e.newIDLocked("00u"), Status: status, Created: created, Activated: created, StatusChanged: created,
			LastUpdated: created, PasswordChanged: created, Profile: p, HasPassword: true, Groups: map[string]bool{}}
		e.users[u.ID] = u
		e.logins[strings.ToLower(s.Login)] = u.ID
		e.addMemberLocked(nil, u, e.everyID, created, false)
		for _, rn := range s.AdminRoles {
			if t, ok := RoleType(rn); ok {
				e.addRoleLocked(u, t, created)
			}
		}
	}
}

package oktaemu

import (
	"net/http"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// RoleLabels are Okta's standard admin role types and their labels.
var RoleLabels = map[string]string{
	"SUPER_ADMIN":                 "Super Administrator",
	"ORG_ADMIN":                   "Organizational Administrator",
	"APP_ADMIN":                   "Application Administrator",
	"USER_ADMIN":                  "Group Administrator",
	"HELP_DESK_ADMIN":             "Help Desk Administrator",
	"READ_ONLY_ADMIN":             "Read Only Administrator",
	"MOBILE_ADMIN":                "Mobile Administrator",
	"API_ACCESS_MANAGEMENT_ADMIN": "API Access Management Administrator",
	"REPORT_ADMIN":                "Report Administrator",
	"GROUP_MEMBERSHIP_ADMIN":      "Group Membership Administrator",
}

// demoRoleTypes maps the demo organisation's (Entra-style) role names to
// Okta role types.
var demoRoleTypes = map[string]string{
	"user administrator":           "USER_ADMIN",
	"group administrator":          "USER_ADMIN",
	"global administrator":         "SUPER_ADMIN",
	"super administrator":          "SUPER_ADMIN",
	"organizational administrator": "ORG_ADMIN",
	"application administrator":    "APP_ADMIN",
	"helpdesk administrator":       "HELP_DESK_ADMIN",
	"help desk administrator":      "HELP_DESK_ADMIN",
	"global reader":                "READ_ONLY_ADMIN",
	"read only administrator":      "READ_ONLY_ADMIN",
}

// RoleType maps a demo role name ("User Administrator") or an Okta role
// type ("USER_ADMIN") to the Okta role type.
func RoleType(name string) (string, bool) {
	if _, ok := RoleLabels[strings.ToUpper(name)]; ok {
		return strings.ToUpper(name), true
	}
	t, ok := demoRoleTypes[strings.ToLower(strings.TrimSpace(name))]
	return t, ok
}

func roleWire(base, uid string, ra *roleAssignment) map[string]any {
	return map[string]any{
		"id": ra.ID, "type": ra.Type, "label": RoleLabels[ra.Type], "status": "ACTIVE", "assignmentType": "USER",
		"created": oktaTime(ra.Created), "lastUpdated": oktaTime(ra.Created),
		"_links": map[string]link{"assignee": {Href: base + "/api/v1/users/" + uid}},
	}
}

func (e *Emulator) listRoles(w http.ResponseWriter, r *http.Request, id string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.RUnlock()
		e.userNotFound(w, id)
		return
	}
	out := make([]map[string]any, 0, len(u.Roles))
	for _, ra := range u.Roles {
		out = append(out, roleWire(base, u.ID, ra))
	}
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

func (e *Emulator) getRole(w http.ResponseWriter, r *http.Request, id, rid string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	var out map[string]any
	if u != nil {
		for _, ra := range u.Roles {
			if ra.ID == rid {
				out = roleWire(base, u.ID, ra)
			}
		}
	}
	e.mu.RUnlock()
	if out == nil {
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+rid+" (Role)")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// assignRole answers 201; a second assignment of the same type is 409
// E0000090.
func (e *Emulator) assignRole(w http.ResponseWriter, r *http.Request, id string) {
	var body struct {
		Type string `json:"type"`
	}
	if err := readJSON(r, &body); err != nil {
		e.badBody(w)
		return
	}
	if _, ok := RoleLabels[body.Type]; !ok {
		e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: type", "type: Invalid role type "+body.Type)
		return
	}
	now := time.Now()
	e.mu.Lock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, id)
		return
	}
	for _, ra := range u.Roles {
		if ra.Type == body.Type {
			e.mu.Unlock()
			e.writeError(w, http.StatusConflict, "E0000090", "Duplicate role assignment exception.", "The role specified is already assigned to the user.")
			return
		}
	}
	ra := e.addRoleLocked(u, body.Type, now)
	e.recordLocked(r, "user.account.privilege.grant", "Grant user privilege", "SUCCESS", "", userTarget(u), roleTarget(ra))
	out := roleWire(emulator.BaseURL(r), u.ID, ra)
	e.mu.Unlock()
	writeJSON(w, http.StatusCreated, out)
}

func (e *Emulator) addRoleLocked(u *user, typ string, now time.Time) *roleAssignment {
	ra := &roleAssignment{ID: e.newIDLocked("ra1"), Type: typ, Created: now}
	u.Roles = append(u.Roles, ra)
	return ra
}

func (e *Emulator) removeRole(w http.ResponseWriter, r *http.Request, id, rid string) {
	e.mu.Lock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, id)
		return
	}
	for i, ra := range u.Roles {
		if ra.ID == rid {
			u.Roles = append(u.Roles[:i:i], u.Roles[i+1:]...)
			e.recordLocked(r, "user.account.privilege.revoke", "Revoke user privilege", "SUCCESS", "", userTarget(u), roleTarget(ra))
			e.mu.Unlock()
			e.common(w)
			w.WriteHeader(http.StatusNoContent)
			return
		}
	}
	e.mu.Unlock()
	e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+rid+" (Role)")
}

package googleemu

import (
	"net/http"
	"slices"

	"github.com/jml-dev/jml/devstack/emulator"
)

// --- roles and role assignments ---

func (e *Emulator) serveRoles(w http.ResponseWriter, r *http.Request, s []string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w)
		return
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if len(s) == 1 {
		ro := e.roleByID(s[0])
		if ro == nil {
			notFound(w, "roleId")
			return
		}
		emulator.WriteJSON(w, http.StatusOK, ro)
		return
	}
	pagedWrite(e, w, r, "admin#directory#roles", "items", e.roles, 100, 100)
}

func (e *Emulator) serveRoleAssignments(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	defer e.lockFor(m)()
	switch {
	case len(s) == 0 && m == http.MethodGet:
		q := r.URL.Query()
		var userID string
		if uk := q.Get("userKey"); uk != "" {
			if userID = e.principalID(uk); userID == "" {
				notFound(w, "userKey")
				return
			}
		}
		roleID := q.Get("roleId")
		var out []*RoleAssignment
		for _, id := range e.assignOrd {
			ra := e.assigns[id]
			if (userID == "" || ra.AssignedTo == userID) && (roleID == "" || ra.RoleID == roleID) {
				out = append(out, ra)
			}
		}
		pagedWrite(e, w, r, "admin#directory#roleAssignments", "items", out, 100, 200)
	case len(s) == 0 && m == http.MethodPost:
		var body struct{ RoleID, AssignedTo, ScopeType, OrgUnitID string }
		if !readJSON(w, r, &body) {
			return
		}
		ro := e.roleByID(body.RoleID)
		if ro == nil {
			badRequest(w, "Invalid Input: roleId")
			return
		}
		pid := e.principalID(body.AssignedTo)
		if pid == "" {
			badRequest(w, "Invalid Input: assignedTo")
			return
		}
		scope := body.ScopeType
		if scope == "" {
			badRequest(w, "Invalid Input: scopeType")
			return
		}
		for _, ra := range e.assigns {
			if ra.RoleID == ro.RoleID && ra.AssignedTo == pid && ra.ScopeType == scope && ra.OrgUnitID == body.OrgUnitID {
				writeError(w, http.StatusConflict, "global", "duplicate", "Role assignment already exists for the role")
				return
			}
		}
		ra := e.assign(ro.RoleID, pid)
		ra.ScopeType, ra.OrgUnitID = scope, body.OrgUnitID
		e.audit("DELEGATED_ADMIN_SETTINGS", "ASSIGN_ROLE", "ROLE_NAME", ro.RoleName, "USER_EMAIL", e.principalEmail(pid))
		emulator.WriteJSON(w, http.StatusOK, ra)
	case len(s) == 1 && (m == http.MethodGet || m == http.MethodDelete):
		ra := e.assigns[s[0]]
		if ra == nil {
			notFound(w, "roleAssignmentId")
			return
		}
		if m == http.MethodGet {
			emulator.WriteJSON(w, http.StatusOK, ra)
			return
		}
		delete(e.assigns, s[0])
		e.assignOrd = slices.DeleteFunc(e.assignOrd, func(id string) bool { return id == s[0] })
		e.refreshAdmin(ra.AssignedTo)
		var roleName string
		if ro := e.roleByID(ra.RoleID); ro != nil {
			roleName = ro.RoleName
		}
		e.audit("DELEGATED_ADMIN_SETTINGS", "UNASSIGN_ROLE", "ROLE_NAME", roleName, "USER_EMAIL", e.principalEmail(ra.AssignedTo))
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

// principalID resolves a userKey or assignedTo: a user's id or email, or a
// group's id or email (roles can be assigned to groups). Caller holds mu.
func (e *Emulator) principalID(key string) string {
	if u := e.userByKey(key); u != nil {
		return u.ID
	}
	if gs := e.groupByKey(key); gs != nil {
		return gs.ID
	}
	return ""
}

// principalEmail is a user's or group's email, for the audit log.
func (e *Emulator) principalEmail(id string) string {
	if u := e.users[id]; u != nil {
		return u.PrimaryEmail
	}
	if gs := e.groupByKey(id); gs != nil {
		return gs.Email
	}
	return ""
}

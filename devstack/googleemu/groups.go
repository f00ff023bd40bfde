package googleemu

import (
	"net/http"
	"slices"
	"strings"

	"github.com/jml-dev/jml/devstack/emulator"
)

// --- groups and members ---

func (e *Emulator) serveGroups(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	defer e.lockFor(m)()
	if len(s) == 0 {
		if m != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		var filter *User
		if uk := r.URL.Query().Get("userKey"); uk != "" {
			if filter = e.userByKey(uk); filter == nil {
				notFound(w, "userKey")
				return
			}
		} else if !e.checkCustomerOrDomain(w, r) {
			return
		}
		var out []*Group
		for _, k := range e.groupOrder {
			gs := e.groups[k]
			if filter == nil || gs.members[filter.ID] != nil {
				out = append(out, &gs.Group)
			}
		}
		pagedWrite(e, w, r, "admin#directory#groups", "groups", out, 200, 200)
		return
	}
	gs := e.groupByKey(s[0])
	if gs == nil {
		notFound(w, "groupKey")
		return
	}
	switch {
	case len(s) == 1 && m == http.MethodGet:
		emulator.WriteJSON(w, http.StatusOK, gs.Group)
	case len(s) == 2 && s[1] == "members" && m == http.MethodGet:
		roles := r.URL.Query().Get("roles")
		out := make([]*Member, 0, len(gs.order))
		for _, id := range gs.order {
			mem := gs.members[id]
			if roles == "" || slices.Contains(strings.Split(roles, ","), mem.Role) {
				out = append(out, mem)
			}
		}
		pagedWrite(e, w, r, "admin#directory#members", "members", out, 200, 200)
	case len(s) == 2 && s[1] == "members" && m == http.MethodPost:
		var body struct{ Email, ID, Role string }
		if !readJSON(w, r, &body) {
			return
		}
		key := body.Email
		if key == "" {
			key = body.ID
		}
		u := e.userByKey(key)
		if u == nil {
			notFound(w, "memberKey")
			return
		}
		if gs.members[u.ID] != nil {
			writeError(w, http.StatusConflict, "global", "duplicate", "Member already exists.")
			return
		}
		mem := e.addMember(gs, u)
		if body.Role != "" {
			mem.Role = strings.ToUpper(body.Role)
		}
		e.audit("GROUP_SETTINGS", "ADD_GROUP_MEMBER", "USER_EMAIL", u.PrimaryEmail, "GROUP_EMAIL", gs.Email)
		emulator.WriteJSON(w, http.StatusOK, mem)
	case len(s) == 3 && s[1] == "members" && (m == http.MethodGet || m == http.MethodDelete):
		u := e.userByKey(s[2])
		if u == nil || gs.members[u.ID] == nil {
			notFound(w, "memberKey")
			return
		}
		if m == http.MethodGet {
			emulator.WriteJSON(w, http.StatusOK, gs.members[u.ID])
			return
		}
		e.removeMember(gs, u.ID)
		e.audit("GROUP_SETTINGS", "REMOVE_GROUP_MEMBER", "USER_EMAIL", u.PrimaryEmail, "GROUP_EMAIL", gs.Email)
		w.WriteHeader(http.StatusNoContent)
	case len(s) == 3 && s[1] == "hasMember" && m == http.MethodGet:
		u := e.userByKey(s[2])
		if u == nil {
			notFound(w, "memberKey")
			return
		}
		emulator.WriteJSON(w, http.StatusOK, map[string]bool{"isMember": gs.members[u.ID] != nil})
	default:
		methodNotAllowed(w)
	}
}

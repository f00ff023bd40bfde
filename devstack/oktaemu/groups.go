package oktaemu

import (
	"net/http"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

func (e *Emulator) routeGroups(w http.ResponseWriter, r *http.Request, seg []string) {
	switch {
	case len(seg) == 0:
		switch r.Method {
		case http.MethodGet:
			e.listGroups(w, r)
		case http.MethodPost:
			e.createGroup(w, r)
		default:
			e.methodNotAllowed(w)
		}
	case len(seg) == 1 && r.Method == http.MethodGet:
		base := emulator.BaseURL(r)
		e.mu.RLock()
		g := e.groups[seg[0]]
		var b []byte
		if g != nil {
			b = mustJSON(groupToWire(base, g))
		}
		e.mu.RUnlock()
		if g == nil {
			e.groupNotFound(w, seg[0])
			return
		}
		writeRaw(w, http.StatusOK, b)
	case len(seg) == 2 && seg[1] == "users" && r.Method == http.MethodGet:
		e.listGroupUsers(w, r, seg[0])
	case len(seg) == 2 && seg[1] == "roles" && r.Method == http.MethodGet:
		e.listGroupRoles(w, r, seg[0])
	case len(seg) == 3 && seg[1] == "users":
		switch r.Method {
		case http.MethodPut:
			e.membership(w, r, seg[0], seg[2], true)
		case http.MethodDelete:
			e.membership(w, r, seg[0], seg[2], false)
		default:
			e.methodNotAllowed(w)
		}
	default:
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	}
}

func (e *Emulator) groupNotFound(w http.ResponseWriter, id string) {
	e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" (UserGroup)")
}

func groupAttr(g *group) attrs {
	return func(a string) []string {
		switch a {
		case "id":
			return []string{g.ID}
		case "type":
			return []string{g.Type}
		case "profile.name":
			return []string{g.Name}
		case "profile.description":
			return []string{g.Description}
		case "lastUpdated":
			return []string{g.LastUpdated.UTC().Format(time.RFC3339Nano)}
		case "lastMembershipUpdated":
			return []string{g.LastMembershipUpdated.UTC().Format(time.RFC3339Nano)}
		case "created":
			return []string{g.Created.UTC().Format(time.RFC3339Nano)}
		}
		return nil
	}
}

// listGroups: q is a name prefix; filter and search take expressions over
// id, type, profile.name, lastUpdated, lastMembershipUpdated.
func (e *Emulator) listGroups(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	filter, err := parseFilter(qs.Get("filter"))
	if err != nil {
		e.invalidSearch(w)
		return
	}
	search, err := parseFilter(qs.Get("search"))
	if err != nil {
		e.invalidSearch(w)
		return
	}
	q := strings.ToLower(qs.Get("q"))
	limit, after := e.pageParams(r, 200, 200)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	items, next := pageAfter(e.sortedGroupsLocked(), after, limit, func(g *group) bool {
		switch {
		case q != "" && !strings.HasPrefix(strings.ToLower(g.Name), q):
			return false
		case filter != nil && !filter.eval(groupAttr(g)):
			return false
		}
		return search == nil || search.eval(groupAttr(g))
	}, func(g *group) any { return groupToWire(base, g) })
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

func (e *Emulator) createGroup(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Profile struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"profile"`
	}
	if err := readJSON(r, &body); err != nil {
		e.badBody(w)
		return
	}
	if body.Profile.Name == "" {
		e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: name", "name: The field cannot be left blank")
		return
	}
	e.mu.Lock()
	for _, g := range e.groups {
		if strings.EqualFold(g.Name, body.Profile.Name) {
			e.mu.Unlock()
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: name", "name: An object with this field already exists in the current organization")
			return
		}
	}
	g := e.newGroupLocked(body.Profile.Name, body.Profile.Description, "OKTA_GROUP", time.Now())
	b := mustJSON(groupToWire(emulator.BaseURL(r), g))
	e.mu.Unlock()
	writeRaw(w, http.StatusOK, b)
}

func (e *Emulator) listGroupUsers(w http.ResponseWriter, r *http.Request, gid string) {
	limit, after := e.pageParams(r, 1000, 1000)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	g := e.groups[gid]
	if g == nil {
		e.mu.RUnlock()
		e.groupNotFound(w, gid)
		return
	}
	items, next := pageAfter(e.sortedUsersLocked(), after, limit, func(u *user) bool { return g.Members[u.ID] },
		func(u *user) any { return e.userWire(base, u) })
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

// membership: PUT is idempotent (204 whether or not already a member) and
// so is DELETE of a non-member, as in Okta.
func (e *Emulator) membership(w http.ResponseWriter, r *http.Request, gid, uid string, add bool) {
	now := time.Now()
	e.mu.Lock()
	g := e.groups[gid]
	if g == nil {
		e.mu.Unlock()
		e.groupNotFound(w, gid)
		return
	}
	u := e.users[uid]
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, uid)
		return
	}
	if g.Type == "BUILT_IN" {
		e.mu.Unlock()
		e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: group", "group: Cannot modify membership of a built-in group")
		return
	}
	if add {
		e.addMemberLocked(r, u, g.ID, now, true)
	} else if g.Members[u.ID] {
		delete(g.Members, u.ID)
		delete(u.Groups, g.ID)
		g.LastMembershipUpdated = now
		e.recordLocked(r, "group.user_membership.remove", "Remove user from group membership", "SUCCESS", "", userTarget(u), groupTarget(g))
	}
	e.mu.Unlock()
	e.common(w)
	w.WriteHeader(http.StatusNoContent)
}

// addMemberLocked adds u to group gid; record writes the audit event when
// the membership is new.
func (e *Emulator) addMemberLocked(r *http.Request, u *user, gid string, now time.Time, record bool) {
	g := e.groups[gid]
	if g == nil || g.Members[u.ID] {
		return
	}
	g.Members[u.ID] = true
	u.Groups[gid] = true
	g.LastMembershipUpdated = now
	if record {
		e.recordLocked(r, "group.user_membership.add", "Add user to group membership", "SUCCESS", "", userTarget(u), groupTarget(g))
	}
}

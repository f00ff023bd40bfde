package jumpcloudemu

import (
	"net/http"
	"strconv"

	"github.com/jml-dev/jml/devstack/emulator"
)

// graphObject is the v2 GraphObject; withPaths its GraphObjectWithPaths.
type graphObject struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type graphConnection struct {
	To         graphObject `json:"to"`
	Attributes any         `json:"attributes"`
}

type withPaths struct {
	ID                 string              `json:"id"`
	Type               string              `json:"type"`
	Paths              [][]graphConnection `json:"paths"`
	CompiledAttributes map[string]any      `json:"compiledAttributes"`
}

func direct(id, typ string, attrs map[string]any) withPaths {
	return withPaths{ID: id, Type: typ, Paths: [][]graphConnection{{{To: graphObject{ID: id, Type: typ}}}}, CompiledAttributes: attrs}
}

type groupOut struct {
	ID         string         `json:"id"`
	Name       string         `json:"name"`
	Type       string         `json:"type"`
	Attributes map[string]any `json:"attributes"`
}

func (g *Group) out() groupOut {
	return groupOut{ID: g.ID, Name: g.Name, Type: "user_group", Attributes: map[string]any{"sudo": map[string]bool{"enabled": g.Sudo, "withoutPassword": false}}}
}

// writeList writes a v2 list: a bare array, the total in X-Total-Count.
func writeList[T any](w http.ResponseWriter, r *http.Request, all []T) {
	skip, limit, ok := page(w, r)
	if !ok {
		return
	}
	w.Header().Set("X-Total-Count", strconv.Itoa(len(all)))
	emulator.WriteJSON(w, http.StatusOK, window(all, skip, limit))
}

func (e *Emulator) listGroups(w http.ResponseWriter, r *http.Request) {
	var name, sudo string
	var byName bool
	for _, f := range r.URL.Query()["filter"] {
		field, v, ok := parseFilter(f, false)
		switch {
		case ok && field == "name":
			name, byName = v, true
		case ok && field == "attributes.sudo.enabled" && (v == "true" || v == "false"):
			sudo = v
		default:
			writeError(w, http.StatusBadRequest, "invalid filter "+strconv.Quote(f)+": expected name:eq:<value> or attributes.sudo.enabled:eq:true|false")
			return
		}
	}
	e.mu.RLock()
	var out []groupOut
	for _, id := range e.gorder {
		g := e.groups[id]
		if (!byName || g.Name == name) && (sudo == "" || strconv.FormatBool(g.Sudo) == sudo) {
			out = append(out, g.out())
		}
	}
	e.mu.RUnlock()
	writeList(w, r, out)
}

func (e *Emulator) getGroup(w http.ResponseWriter, id string) {
	e.mu.RLock()
	g, ok := e.groups[id]
	var out groupOut
	if ok {
		out = g.out()
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "User group not found")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

func (e *Emulator) groupMembers(w http.ResponseWriter, r *http.Request, gid string) {
	e.mu.RLock()
	g, ok := e.groups[gid]
	var out []graphConnection
	if ok {
		for _, uid := range e.uorder {
			if g.Members[uid] {
				out = append(out, graphConnection{To: graphObject{ID: uid, Type: "user"}})
			}
		}
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "User group not found")
		return
	}
	writeList(w, r, out)
}

// manageMember is POST /usergroups/{id}/members {"op","type","id"}: 204; a
// duplicate add is 409, removing a non-member 404.
func (e *Emulator) manageMember(w http.ResponseWriter, r *http.Request, gid string) {
	var in struct {
		Op   string `json:"op"`
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	if !decode(w, r, &in) {
		return
	}
	if in.Type != "user" || (in.Op != "add" && in.Op != "remove") || in.ID == "" {
		writeError(w, http.StatusBadRequest, `body must be {"op":"add"|"remove","type":"user","id":"<user id>"}`)
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g, ok := e.groups[gid]
	if !ok {
		writeError(w, http.StatusNotFound, "User group not found")
		return
	}
	if _, ok := e.users[in.ID]; !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	switch {
	case in.Op == "add" && g.Members[in.ID]:
		writeError(w, http.StatusConflict, "Already Exists")
		return
	case in.Op == "remove" && !g.Members[in.ID]:
		writeError(w, http.StatusNotFound, "Not Found")
		return
	case in.Op == "add":
		g.Members[in.ID] = true
	default:
		delete(g.Members, in.ID)
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) memberOf(w http.ResponseWriter, r *http.Request, uid string) {
	e.mu.RLock()
	_, ok := e.users[uid]
	var out []withPaths
	for _, gid := range e.gorder {
		if g := e.groups[gid]; g.Members[uid] {
			out = append(out, direct(g.ID, "user_group", g.out().Attributes))
		}
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	writeList(w, r, out)
}

func (e *Emulator) userSystems(w http.ResponseWriter, r *http.Request, uid string) {
	e.mu.RLock()
	u, ok := e.users[uid]
	var out []withPaths
	if ok {
		for _, sid := range e.sorder {
			if s := e.systems[sid]; s.Users[uid] {
				out = append(out, direct(s.ID, "system", map[string]any{"sudo": map[string]bool{"enabled": u.Sudo, "withoutPassword": u.PasswordlessSudo}}))
			}
		}
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	writeList(w, r, out)
}

func (e *Emulator) systemUsers(w http.ResponseWriter, r *http.Request, sid string) {
	e.mu.RLock()
	s, ok := e.systems[sid]
	var out []withPaths
	if ok {
		for _, uid := range e.uorder {
			if s.Users[uid] {
				out = append(out, direct(uid, "user", nil))
			}
		}
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "System not found")
		return
	}
	writeList(w, r, out)
}

package scimemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// ---- Groups ----

func (st *appState) renderGroup(g *Group, base string, members bool) map[string]any {
	m := map[string]any{"schemas": []string{SchemaGroup}, "id": g.ID, "displayName": g.DisplayName,
		"meta": map[string]any{"resourceType": "Group", "location": base + "/Groups/" + g.ID}}
	if members {
		ms := []any{}
		for _, id := range st.order {
			if g.Members[id] {
				ms = append(ms, map[string]any{"value": id, "display": st.users[id].UserName, "$ref": base + "/Users/" + id})
			}
		}
		m["members"] = ms
	}
	return m
}

func (a *api) groups(w http.ResponseWriter, r *http.Request, app, id, base string) {
	members := !strings.Contains(strings.ToLower(r.URL.Query().Get("excludedAttributes")), "members")
	switch {
	case id == "" && r.Method == http.MethodGet:
		start, count, err := a.page(r)
		if err != nil {
			fail(w, err)
			return
		}
		var name string
		filtered := false
		if f := r.URL.Query().Get("filter"); f != "" {
			if _, name, err = parseFilter(f, "displayName"); err != nil {
				fail(w, err)
				return
			}
			filtered = true
		}
		a.mu.RLock()
		defer a.mu.RUnlock()
		st := a.apps[app]
		var ids []string
		for _, gid := range st.gorder {
			if !filtered || strings.EqualFold(st.groups[gid].DisplayName, name) {
				ids = append(ids, gid)
			}
		}
		items := []any{}
		for _, gid := range window(ids, start, count) {
			items = append(items, st.renderGroup(st.groups[gid], base, members))
		}
		writeJSON(w, http.StatusOK, listPage(items, len(ids), start))
	case id != "" && r.Method == http.MethodGet:
		a.mu.RLock()
		defer a.mu.RUnlock()
		st := a.apps[app]
		g := st.groups[id]
		if g == nil {
			writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
			return
		}
		writeJSON(w, http.StatusOK, st.renderGroup(g, base, members))
	case id != "" && r.Method == http.MethodPatch:
		p, err := readPatch(r)
		if err != nil {
			fail(w, err)
			return
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		st := a.apps[app]
		g := st.groups[id]
		if g == nil {
			writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
			return
		}
		next := map[string]bool{}
		for k := range g.Members {
			next[k] = true
		}
		name := g.DisplayName
		for _, op := range p.Operations {
			if err := st.applyGroupOp(next, &name, op); err != nil {
				fail(w, err)
				return
			}
		}
		g.Members, g.DisplayName = next, name
		writeJSON(w, http.StatusOK, st.renderGroup(g, base, members))
	default:
		writeError(w, http.StatusMethodNotAllowed, "", r.Method+" not supported here")
	}
}

type memberRef struct {
	Value string `json:"value"`
}

func (st *appState) applyGroupOp(m map[string]bool, name *string, op patchOp) error {
	path := strings.TrimSpace(op.Path)
	lp := strings.ToLower(path)
	refs := func() ([]memberRef, error) {
		var rs []memberRef
		if len(op.Value) == 0 {
			return nil, nil
		}
		if err := json.Unmarshal(op.Value, &rs); err != nil {
			var one memberRef
			if err2 := json.Unmarshal(op.Value, &one); err2 != nil {
				return nil, bad("invalidValue", "members value must be a list of {\"value\": id}")
			}
			rs = []memberRef{one}
		}
		for _, r := range rs {
			if st.users[r.Value] == nil {
				return nil, bad("invalidValue", "no user with id "+strconv.Quote(r.Value))
			}
		}
		return rs, nil
	}
	switch {
	case lp == "displayname" && op.Op != "remove":
		if err := json.Unmarshal(op.Value, name); err != nil {
			return bad("invalidValue", "displayName must be a string")
		}
	case lp == "members":
		rs, err := refs()
		if err != nil {
			return err
		}
		switch op.Op {
		case "add":
			for _, r := range rs {
				m[r.Value] = true
			}
		case "replace":
			clear(m)
			for _, r := range rs {
				m[r.Value] = true
			}
		case "remove":
			if rs == nil {
				clear(m)
			}
			for _, r := range rs {
				delete(m, r.Value)
			}
		}
	case strings.HasPrefix(lp, "members[") && strings.HasSuffix(lp, "]") && op.Op == "remove":
		_, val, err := parseFilter(path[len("members["):len(path)-1], "value")
		if err != nil {
			return bad("invalidPath", "unsupported member path "+strconv.Quote(path))
		}
		delete(m, val)
	case path == "" && op.Op != "remove":
		var obj struct {
			DisplayName *string     `json:"displayName"`
			Members     []memberRef `json:"members"`
		}
		if err := json.Unmarshal(op.Value, &obj); err != nil {
			return bad("invalidValue", "an operation without path needs an object value")
		}
		if obj.DisplayName != nil {
			*name = *obj.DisplayName
		}
		for _, r := range obj.Members {
			if st.users[r.Value] == nil {
				return bad("invalidValue", "no user with id "+strconv.Quote(r.Value))
			}
			if op.Op == "replace" {
				clear(m)
				op.Op = "add"
			}
			m[r.Value] = true
		}
	default:
		return bad("invalidPath", "unsupported group path "+strconv.Quote(path))
	}
	return nil
}

package scimemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ---- Users ----

func (st *appState) render(u *User, base string) map[string]any {
	var groups []any
	for _, gid := range st.gorder {
		if g := st.groups[gid]; g != nil && g.Members[u.ID] {
			groups = append(groups, map[string]any{"value": g.ID, "display": g.DisplayName, "$ref": base + "/Groups/" + g.ID, "type": "direct"})
		}
	}
	m := map[string]any{
		"schemas":        []string{SchemaUser, SchemaEnterprise},
		"id":             u.ID,
		"userName":       u.UserName,
		"name":           map[string]any{"givenName": u.GivenName, "familyName": u.FamilyName, "formatted": strings.TrimSpace(u.GivenName + " " + u.FamilyName)},
		"displayName":    u.DisplayName,
		"title":          u.Title,
		"active":         u.Active,
		"emails":         []any{map[string]any{"value": u.UserName, "type": "work", "primary": true}},
		"groups":         groups,
		SchemaEnterprise: map[string]any{"employeeNumber": u.EmployeeNo, "department": u.Department},
		"meta": map[string]any{"resourceType": "User", "created": u.Created.Format(time.RFC3339), "lastModified": u.Modified.Format(time.RFC3339),
			"location": base + "/Users/" + u.ID},
	}
	if u.ExternalID != "" {
		m["externalId"] = u.ExternalID
	}
	if st.nameAsString {
		m["name"] = strings.TrimSpace(u.GivenName + " " + u.FamilyName)
	}
	if groups == nil {
		m["groups"] = []any{}
	}
	return m
}

func (a *api) users(w http.ResponseWriter, r *http.Request, app, id, base string) {
	switch {
	case id == "" && r.Method == http.MethodGet:
		a.listUsers(w, r, app, base)
	case id == "" && r.Method == http.MethodPost:
		a.createUser(w, r, app, base)
	case id != "" && r.Method == http.MethodGet:
		a.mu.RLock()
		st := a.apps[app]
		u := st.users[id]
		var out map[string]any
		if u != nil {
			out = st.render(u, base)
		}
		a.mu.RUnlock()
		if u == nil {
			writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
			return
		}
		writeJSON(w, http.StatusOK, out)
	case id != "" && r.Method == http.MethodPut:
		a.putUser(w, r, app, id, base)
	case id != "" && r.Method == http.MethodPatch:
		a.patchUser(w, r, app, id, base)
	case id != "" && r.Method == http.MethodDelete:
		a.mu.Lock()
		st := a.apps[app]
		u := st.users[id]
		if u != nil {
			st.remove(u)
		}
		a.mu.Unlock()
		if u == nil {
			writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	default:
		writeError(w, http.StatusMethodNotAllowed, "", r.Method+" not supported here")
	}
}

func (st *appState) remove(u *User) {
	delete(st.users, u.ID)
	delete(st.byName, strings.ToLower(u.UserName))
	if u.ExternalID != "" && st.byExt[u.ExternalID] == u.ID {
		delete(st.byExt, u.ExternalID)
	}
	for _, g := range st.groups {
		delete(g.Members, u.ID)
	}
	for i, id := range st.order {
		if id == u.ID {
			st.order = append(st.order[:i:i], st.order[i+1:]...)
			break
		}
	}
	st.deleted[strings.ToLower(u.UserName)] = true
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request, app, base string) {
	start, count, err := a.page(r)
	if err != nil {
		fail(w, err)
		return
	}
	var attr, val string
	if f := r.URL.Query().Get("filter"); f != "" {
		if attr, val, err = parseFilter(f, "userName", "externalId"); err != nil {
			fail(w, err)
			return
		}
	}
	a.mu.RLock()
	defer a.mu.RUnlock()
	st := a.apps[app]
	ids := st.order
	switch attr {
	case "userName":
		ids = nil
		if id, ok := st.byName[strings.ToLower(val)]; ok { // userName is caseExact=false
			ids = []string{id}
		}
	case "externalId":
		ids = nil
		if id, ok := st.byExt[val]; ok {
			ids = []string{id}
		}
	}
	items := []any{}
	for _, id := range window(ids, start, count) {
		items = append(items, st.render(st.users[id], base))
	}
	writeJSON(w, http.StatusOK, listPage(items, len(ids), start))
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request, app, base string) {
	in, err := readUser(r)
	if err != nil {
		fail(w, err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.apps[app]
	if st.nameTaken(in.UserName, "") {
		fail(w, errTaken)
		return
	}
	now := time.Now().UTC()
	u := &User{Active: true, Created: now}
	in.apply(u, now)
	st.add(u)
	w.Header().Set("Location", base+"/Users/"+u.ID)
	writeJSON(w, http.StatusCreated, st.render(u, base))
}

// readUser reads a POST or PUT body, which must name the userName.
func readUser(r *http.Request) (userIn, error) {
	var in userIn
	if err := readJSON(r, &in); err != nil {
		return in, err
	}
	if strings.TrimSpace(in.UserName) == "" {
		return in, bad("invalidValue", "userName is required")
	}
	return in, nil
}

// nameTaken reports whether userName (caseExact=false) belongs to a user
// other than id.
func (st *appState) nameTaken(userName, id string) bool {
	other, ok := st.byName[strings.ToLower(userName)]
	return ok && other != id
}

var errTaken = &errSCIM{http.StatusConflict, "uniqueness", "userName is already taken"}

func (in userIn) apply(u *User, now time.Time) {
	u.ExternalID, u.UserName, u.DisplayName, u.Title = in.ExternalID, in.UserName, in.DisplayName, in.Title
	u.GivenName, u.FamilyName = in.Name.GivenName, in.Name.FamilyName
	u.EmployeeNo, u.Department = in.Enterprise.EmployeeNumber, in.Enterprise.Department
	if in.Active != nil {
		u.Active = bool(*in.Active)
	}
	u.Modified = now
}

func (a *api) putUser(w http.ResponseWriter, r *http.Request, app, id, base string) {
	in, err := readUser(r)
	if err != nil {
		fail(w, err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.apps[app]
	u := st.users[id]
	if u == nil {
		writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
		return
	}
	if st.nameTaken(in.UserName, id) {
		fail(w, errTaken)
		return
	}
	st.reindex(u, func() { in.apply(u, time.Now().UTC()) })
	writeJSON(w, http.StatusOK, st.render(u, base))
}

// reindex runs change and keeps the userName/externalId indexes right.
func (st *appState) reindex(u *User, change func()) {
	delete(st.byName, strings.ToLower(u.UserName))
	if st.byExt[u.ExternalID] == u.ID {
		delete(st.byExt, u.ExternalID)
	}
	change()
	st.byName[strings.ToLower(u.UserName)] = u.ID
	if u.ExternalID != "" {
		st.byExt[u.ExternalID] = u.ID
	}
}

type patchOp struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value"`
}

type patchReq struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

func readPatch(r *http.Request) (patchReq, error) {
	var p patchReq
	if err := readJSON(r, &p); err != nil {
		return p, err
	}
	if len(p.Operations) == 0 {
		return p, bad("invalidSyntax", "PatchOp needs at least one operation")
	}
	for i := range p.Operations {
		op := strings.ToLower(p.Operations[i].Op)
		if op != "add" && op != "replace" && op != "remove" {
			return p, bad("invalidSyntax", "op must be add, replace or remove, not "+strconv.Quote(p.Operations[i].Op))
		}
		p.Operations[i].Op = op
	}
	return p, nil
}

func (a *api) patchUser(w http.ResponseWriter, r *http.Request, app, id, base string) {
	p, err := readPatch(r)
	if err != nil {
		fail(w, err)
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	st := a.apps[app]
	u := st.users[id]
	if u == nil {
		writeError(w, http.StatusNotFound, "", "resource "+id+" not found")
		return
	}
	// apply to a copy so a failing operation leaves the user untouched
	cp := *u
	for _, op := range p.Operations {
		if err := applyUserOp(&cp, op); err != nil {
			fail(w, err)
			return
		}
	}
	if st.nameTaken(cp.UserName, id) {
		fail(w, errTaken)
		return
	}
	st.reindex(u, func() { cp.Modified = time.Now().UTC(); *u = cp })
	writeJSON(w, http.StatusOK, st.render(u, base))
}

func applyUserOp(u *User, op patchOp) error {
	if op.Path == "" {
		if op.Op == "remove" {
			return bad("noTarget", "remove needs a path")
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(op.Value, &obj); err != nil {
			return bad("invalidValue", "an operation without path needs an object value")
		}
		for k, v := range obj {
			if err := setUserAttr(u, k, v); err != nil {
				return err
			}
		}
		return nil
	}
	if op.Op == "remove" {
		return setUserAttr(u, op.Path, nil)
	}
	return setUserAttr(u, op.Path, op.Value)
}

func setUserAttr(u *User, path string, v json.RawMessage) error {
	p := strings.ToLower(path)
	p = strings.TrimPrefix(p, strings.ToLower(SchemaUser)+":")
	if rest, ok := strings.CutPrefix(p, strings.ToLower(SchemaEnterprise)); ok {
		rest = strings.TrimPrefix(rest, ":")
		if rest == "" { // the whole extension object
			var obj map[string]json.RawMessage
			if err := json.Unmarshal(v, &obj); err != nil && v != nil {
				return bad("invalidValue", "enterprise extension must be an object")
			}
			for k, sub := range obj {
				if err := setUserAttr(u, SchemaEnterprise+":"+k, sub); err != nil {
					return err
				}
			}
			return nil
		}
		p = "enterprise." + rest
	}
	str := func(dst *string) error {
		if v == nil {
			*dst = ""
			return nil
		}
		if err := json.Unmarshal(v, dst); err != nil {
			return bad("invalidValue", path+" must be a string")
		}
		return nil
	}
	switch p {
	case "active":
		if v == nil {
			u.Active = false
			return nil
		}
		var b flexBool
		if err := json.Unmarshal(v, &b); err != nil {
			return bad("invalidValue", "active must be a boolean")
		}
		u.Active = bool(b)
		return nil
	case "username":
		if v == nil {
			return bad("mutability", "userName is required")
		}
		return str(&u.UserName)
	case "externalid":
		return str(&u.ExternalID)
	case "displayname":
		return str(&u.DisplayName)
	case "title":
		return str(&u.Title)
	case "name.givenname":
		return str(&u.GivenName)
	case "name.familyname":
		return str(&u.FamilyName)
	case "name":
		var n struct{ GivenName, FamilyName *string }
		if v != nil {
			if err := json.Unmarshal(v, &n); err != nil {
				return bad("invalidValue", "name must be an object")
			}
		}
		if n.GivenName != nil || v == nil {
			u.GivenName = deref(n.GivenName)
		}
		if n.FamilyName != nil || v == nil {
			u.FamilyName = deref(n.FamilyName)
		}
		return nil
	case "enterprise.department":
		return str(&u.Department)
	case "enterprise.employeenumber":
		return str(&u.EmployeeNo)
	case "emails", "schemas", "meta", "id", "groups":
		return nil // derived or read-only here; accepted and ignored
	}
	return bad("invalidPath", "unknown attribute path "+strconv.Quote(path))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

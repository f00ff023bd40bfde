package googleemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

const maxBody = 1 << 20

// ServeAPI routes an authorised request.
func (e *Emulator) ServeAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, directoryPrefix):
		e.serveDirectory(w, r, strings.Split(strings.Trim(strings.TrimPrefix(p, directoryPrefix), "/"), "/"))
	case strings.HasPrefix(p, reportsPrefix):
		e.serveReports(w, r, strings.Split(strings.Trim(strings.TrimPrefix(p, reportsPrefix), "/"), "/"))
	default:
		notFound(w, p)
	}
}

func methodNotAllowed(w http.ResponseWriter) {
	writeError(w, http.StatusMethodNotAllowed, "global", "httpMethodNotAllowed", "HTTP method not allowed")
}

func (e *Emulator) serveDirectory(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	switch {
	case s[0] == "users" && len(s) == 1:
		switch m {
		case http.MethodGet:
			e.listUsers(w, r)
		case http.MethodPost:
			e.insertUserHTTP(w, r)
		default:
			methodNotAllowed(w)
		}
	case s[0] == "users" && len(s) == 2:
		switch m {
		case http.MethodGet:
			e.getUser(w, s[1])
		case http.MethodPut, http.MethodPatch:
			e.updateUser(w, r, s[1])
		case http.MethodDelete:
			e.deleteUser(w, s[1])
		default:
			methodNotAllowed(w)
		}
	case s[0] == "users" && len(s) == 3 && s[2] == "signOut" && m == http.MethodPost:
		e.signOut(w, s[1])
	case s[0] == "users" && len(s) >= 3 && s[2] == "tokens":
		e.serveTokens(w, r, s[1], s[3:])
	case s[0] == "groups":
		e.serveGroups(w, r, s[1:])
	case s[0] == "customer" && len(s) >= 3:
		if s[1] != "my_customer" && s[1] != e.cfg.Customer {
			writeError(w, http.StatusBadRequest, "global", "badRequest", "Bad Request")
			return
		}
		switch s[2] {
		case "roles":
			e.serveRoles(w, r, s[3:])
		case "roleassignments":
			e.serveRoleAssignments(w, r, s[3:])
		case "devices":
			if len(s) >= 4 && s[3] == "mobile" {
				e.serveMobile(w, r, s[4:])
				return
			}
			notFound(w, "resource")
		default:
			notFound(w, "resource")
		}
	default:
		notFound(w, "resource")
	}
}

// readJSON decodes a body of at most maxBody bytes.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		badRequest(w, "Request body too large or unreadable")
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Invalid JSON payload received.")
		return false
	}
	return true
}

// lockFor takes the read lock for a GET and the write lock otherwise; it
// returns the matching unlock.
func (e *Emulator) lockFor(method string) (unlock func()) {
	if method == http.MethodGet {
		e.mu.RLock()
		return e.mu.RUnlock
	}
	e.mu.Lock()
	return e.mu.Unlock
}

// --- users ---

func (e *Emulator) checkCustomerOrDomain(w http.ResponseWriter, r *http.Request) bool {
	q := r.URL.Query()
	c, d := q.Get("customer"), q.Get("domain")
	switch {
	case c == "" && d == "":
		writeError(w, http.StatusBadRequest, "global", "badRequest", "Bad Request")
	case c != "" && c != "my_customer" && c != e.cfg.Customer:
		writeError(w, http.StatusBadRequest, "global", "badRequest", "Bad Request")
	case d != "" && !strings.EqualFold(d, e.cfg.Domain):
		writeError(w, http.StatusForbidden, "global", "forbidden", "Not Authorized to access this resource/api")
	default:
		return true
	}
	return false
}

type term struct{ field, value string }

// parseQuery splits a users.list query into field:value terms (quotes allowed).
func parseQuery(q string) ([]term, bool) {
	var out []term
	for q = strings.TrimSpace(q); q != ""; q = strings.TrimSpace(q) {
		i := strings.IndexAny(q, ":=")
		if i <= 0 {
			return nil, false
		}
		t := term{field: q[:i]}
		q = q[i+1:]
		if q != "" && (q[0] == '\'' || q[0] == '"') {
			end := strings.IndexByte(q[1:], q[0])
			if end < 0 {
				return nil, false
			}
			t.value, q = q[1:end+1], q[end+2:]
		} else {
			end := strings.IndexByte(q, ' ')
			if end < 0 {
				end = len(q)
			}
			t.value, q = q[:end], q[end:]
		}
		out = append(out, t)
	}
	return out, true
}

func matchText(have, want string) bool {
	if p, ok := strings.CutSuffix(want, "*"); ok {
		return strings.HasPrefix(strings.ToLower(have), strings.ToLower(p))
	}
	return strings.EqualFold(have, want)
}

var queryFields = []string{"email", "externalId", "orgName", "orgUnitPath", "orgDepartment", "orgTitle", "orgCostCenter", "isSuspended", "givenName", "familyName", "directManager", "isEnrolledIn2Sv"}

func (u *User) matches(t term) bool {
	org := Organization{}
	for _, o := range u.Organizations {
		if o.Primary || org == (Organization{}) {
			org = o
		}
	}
	switch t.field {
	case "email":
		return matchText(u.PrimaryEmail, t.value)
	case "externalId":
		return slices.ContainsFunc(u.ExternalIDs, func(x ExternalID) bool { return x.Value == t.value })
	case "orgName":
		return matchText(u.OrgUnitPath[strings.LastIndexByte(u.OrgUnitPath, '/')+1:], t.value)
	case "orgUnitPath":
		return strings.EqualFold(u.OrgUnitPath, t.value)
	case "orgDepartment":
		return matchText(org.Department, t.value)
	case "orgTitle":
		return matchText(org.Title, t.value)
	case "orgCostCenter":
		return matchText(org.CostCenter, t.value)
	case "isSuspended":
		return strconv.FormatBool(u.Suspended) == strings.ToLower(t.value)
	case "isEnrolledIn2Sv":
		return strconv.FormatBool(u.IsEnrolledIn2Sv) == strings.ToLower(t.value)
	case "givenName":
		return matchText(u.Name.GivenName, t.value)
	case "familyName":
		return matchText(u.Name.FamilyName, t.value)
	case "directManager":
		return strings.EqualFold(u.Manager(), t.value)
	}
	return false
}

func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) {
	if !e.checkCustomerOrDomain(w, r) {
		return
	}
	q := r.URL.Query()
	terms, ok := parseQuery(q.Get("query"))
	if !ok {
		badRequest(w, "Invalid Input: query")
		return
	}
	for _, t := range terms {
		if !slices.Contains(queryFields, t.field) {
			badRequest(w, "Invalid Input: "+t.field)
			return
		}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]*User, 0, 16)
	for _, id := range e.userOrder {
		u := e.users[id]
		keep := true
		for _, t := range terms {
			if !u.matches(t) {
				keep = false
				break
			}
		}
		if keep {
			out = append(out, u)
		}
	}
	if ob := q.Get("orderBy"); ob != "" {
		key := func(u *User) string {
			switch ob {
			case "givenName":
				return strings.ToLower(u.Name.GivenName)
			case "familyName":
				return strings.ToLower(u.Name.FamilyName)
			}
			return strings.ToLower(u.PrimaryEmail)
		}
		desc := strings.EqualFold(q.Get("sortOrder"), "DESCENDING")
		sort.SliceStable(out, func(i, j int) bool {
			if desc {
				return key(out[i]) > key(out[j])
			}
			return key(out[i]) < key(out[j])
		})
	}
	pagedWrite(e, w, r, "admin#directory#users", "users", out, 100, 500)
}

func (e *Emulator) getUser(w http.ResponseWriter, key string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	emulator.WriteJSON(w, http.StatusOK, u)
}

// userPatch holds a user body; raw presence tells set-to-false from absent.
type userPatch map[string]json.RawMessage

func (p userPatch) has(k string) bool { _, ok := p[k]; return ok }

func (p userPatch) into(k string, v any) error {
	raw, ok := p[k]
	if !ok || bytes.Equal(raw, []byte("null")) {
		return nil
	}
	return json.Unmarshal(raw, v)
}

// apply copies the present fields of p into u; it returns a bad-field name
// on a malformed value. Caller holds mu (write).
func (e *Emulator) apply(u *User, p userPatch) (changed []string, bad string) {
	set := func(k string, v any, audit string) bool {
		if !p.has(k) {
			return true
		}
		if err := p.into(k, v); err != nil {
			bad = k
			return false
		}
		if audit != "" {
			changed = append(changed, audit)
		}
		return true
	}
	var name struct {
		GivenName  *string `json:"givenName"`
		FamilyName *string `json:"familyName"`
	}
	if !set("name", &name, "") {
		return nil, bad
	}
	if name.GivenName != nil && *name.GivenName != u.Name.GivenName {
		u.Name.GivenName = *name.GivenName
		changed = append(changed, "CHANGE_FIRST_NAME")
	}
	if name.FamilyName != nil && *name.FamilyName != u.Name.FamilyName {
		u.Name.FamilyName = *name.FamilyName
		changed = append(changed, "CHANGE_LAST_NAME")
	}
	u.Name.FullName = strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	if p.has("externalIds") {
		u.ExternalIDs = nil
	}
	if p.has("organizations") {
		u.Organizations = nil
	}
	if p.has("relations") {
		u.Relations = nil
	}
	if p.has("locations") {
		u.Locations = nil
	}
	wasSuspended := u.Suspended
	if !set("externalIds", &u.ExternalIDs, "CHANGE_USER_EXTERNAL_ID") ||
		!set("organizations", &u.Organizations, "CHANGE_USER_ORGANIZATION") ||
		!set("relations", &u.Relations, "CHANGE_USER_RELATION") ||
		!set("locations", &u.Locations, "CHANGE_USER_LOCATION") ||
		!set("orgUnitPath", &u.OrgUnitPath, "MOVE_USER_TO_ORG_UNIT") ||
		!set("changePasswordAtNextLogin", &u.ChangePasswordAtNextLogin, "") ||
		!set("suspended", &u.Suspended, "") ||
		!set("archived", &u.Archived, "") {
		return nil, bad
	}
	if p.has("password") {
		changed = append(changed, "CHANGE_PASSWORD") // never stored
	}
	switch {
	case u.Suspended && !wasSuspended:
		u.SuspensionReason = "ADMIN"
		changed = append(changed, "SUSPEND_USER")
	case !u.Suspended && wasSuspended:
		u.SuspensionReason = ""
		changed = append(changed, "UNSUSPEND_USER")
	}
	return changed, ""
}

func (e *Emulator) insertUserHTTP(w http.ResponseWriter, r *http.Request) {
	var p userPatch
	if !readJSON(w, r, &p) {
		return
	}
	var email string
	_ = p.into("primaryEmail", &email)
	var name struct{ GivenName, FamilyName string }
	_ = p.into("name", &name)
	switch {
	case email == "" || !strings.Contains(email, "@"):
		badRequest(w, "Invalid Input: primary_user_email")
		return
	case name.GivenName == "":
		badRequest(w, "Invalid Given/Family Name: GivenName")
		return
	case name.FamilyName == "":
		badRequest(w, "Invalid Given/Family Name: FamilyName")
		return
	case !p.has("password"):
		badRequest(w, "Invalid Password")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cfg.Domain != "" && !strings.HasSuffix(strings.ToLower(email), "@"+strings.ToLower(e.cfg.Domain)) {
		badRequest(w, "Domain not found.")
		return
	}
	if _, dup := e.byEmail[strings.ToLower(email)]; dup {
		writeError(w, http.StatusConflict, "global", "duplicate", "Entity already exists.")
		return
	}
	u := &User{PrimaryEmail: email}
	if _, bad := e.apply(u, p); bad != "" {
		badRequest(w, "Invalid Input: "+bad)
		return
	}
	e.insertUser(u, e.now())
	e.audit("USER_SETTINGS", "CREATE_USER", "USER_EMAIL", u.PrimaryEmail)
	if u.Suspended {
		u.SuspensionReason = "ADMIN"
		e.audit("USER_SETTINGS", "SUSPEND_USER", "USER_EMAIL", u.PrimaryEmail)
	}
	emulator.WriteJSON(w, http.StatusOK, u)
}

func (e *Emulator) updateUser(w http.ResponseWriter, r *http.Request, key string) {
	var p userPatch
	if !readJSON(w, r, &p) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	var email string
	if err := p.into("primaryEmail", &email); err != nil {
		badRequest(w, "Invalid Input: primaryEmail")
		return
	}
	if email != "" && !strings.EqualFold(email, u.PrimaryEmail) {
		if _, dup := e.byEmail[strings.ToLower(email)]; dup {
			writeError(w, http.StatusConflict, "global", "duplicate", "Entity already exists.")
			return
		}
	}
	next := u.clone()
	changed, bad := e.apply(&next, p)
	if bad != "" {
		badRequest(w, "Invalid Input: "+bad)
		return
	}
	if email != "" && !strings.EqualFold(email, u.PrimaryEmail) {
		delete(e.byEmail, strings.ToLower(u.PrimaryEmail))
		e.byEmail[strings.ToLower(email)] = u.ID
		next.PrimaryEmail = email
		next.Emails = []Email{{Address: email, Primary: true}}
		changed = append(changed, "RENAME_USER")
	}
	if len(changed) > 0 {
		next.Etag = e.etag()
	}
	*u = next
	for _, c := range changed {
		e.audit("USER_SETTINGS", c, "USER_EMAIL", u.PrimaryEmail)
	}
	emulator.WriteJSON(w, http.StatusOK, u)
}

func (e *Emulator) deleteUser(w http.ResponseWriter, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	delete(e.users, u.ID)
	delete(e.byEmail, strings.ToLower(u.PrimaryEmail))
	e.userOrder = slices.DeleteFunc(e.userOrder, func(id string) bool { return id == u.ID })
	for _, gs := range e.groups {
		if gs.members[u.ID] != nil {
			e.removeMember(gs, u.ID)
		}
	}
	for id, ra := range e.assigns {
		if ra.AssignedTo == u.ID {
			delete(e.assigns, id)
		}
	}
	e.assignOrd = slices.DeleteFunc(e.assignOrd, func(id string) bool { return e.assigns[id] == nil })
	delete(e.tokens, u.ID)
	e.audit("USER_SETTINGS", "DELETE_USER", "USER_EMAIL", u.PrimaryEmail)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) signOut(w http.ResponseWriter, key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	e.signedOut[u.ID]++
	e.audit("USER_SETTINGS", "USER_SIGN_OUT", "USER_EMAIL", u.PrimaryEmail)
	w.WriteHeader(http.StatusNoContent)
}

// --- tokens ---

func (e *Emulator) serveTokens(w http.ResponseWriter, r *http.Request, key string, rest []string) {
	defer e.lockFor(r.Method)()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	toks := e.tokens[u.ID]
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"kind": "admin#directory#tokenList", "etag": "\"tokens\"", "items": toks})
	case len(rest) == 1 && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		i := slices.IndexFunc(toks, func(t Token) bool { return t.ClientID == rest[0] })
		if i < 0 {
			notFound(w, "clientId")
			return
		}
		if r.Method == http.MethodGet {
			emulator.WriteJSON(w, http.StatusOK, toks[i])
			return
		}
		e.tokens[u.ID] = slices.Delete(slices.Clone(toks), i, i+1)
		e.audit("USER_SETTINGS", "REVOKE_3LO_TOKEN", "USER_EMAIL", u.PrimaryEmail, "APP_NAME", toks[i].DisplayText)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

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
			u := e.userByKey(uk)
			if u == nil {
				notFound(w, "userKey")
				return
			}
			userID = u.ID
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
		u := e.userByKey(body.AssignedTo)
		if u == nil {
			badRequest(w, "Invalid Input: assignedTo")
			return
		}
		scope := body.ScopeType
		if scope == "" {
			badRequest(w, "Invalid Input: scopeType")
			return
		}
		for _, ra := range e.assigns {
			if ra.RoleID == ro.RoleID && ra.AssignedTo == u.ID && ra.ScopeType == scope && ra.OrgUnitID == body.OrgUnitID {
				writeError(w, http.StatusConflict, "global", "duplicate", "Role assignment already exists for the role")
				return
			}
		}
		ra := e.assign(ro.RoleID, u.ID)
		ra.ScopeType, ra.OrgUnitID = scope, body.OrgUnitID
		e.audit("DELEGATED_ADMIN_SETTINGS", "ASSIGN_ROLE", "ROLE_NAME", ro.RoleName, "USER_EMAIL", u.PrimaryEmail)
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
		var email, roleName string
		if u := e.users[ra.AssignedTo]; u != nil {
			email = u.PrimaryEmail
		}
		if ro := e.roleByID(ra.RoleID); ro != nil {
			roleName = ro.RoleName
		}
		e.audit("DELEGATED_ADMIN_SETTINGS", "UNASSIGN_ROLE", "ROLE_NAME", roleName, "USER_EMAIL", email)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

// --- mobile devices ---

var deviceActions = map[string]string{
	"admin_account_wipe":               "ACCOUNT_WIPED",
	"admin_remote_wipe":                "WIPED",
	"approve":                          "APPROVED",
	"block":                            "BLOCKED",
	"cancel_remote_wipe_then_activate": "APPROVED",
	"cancel_remote_wipe_then_block":    "BLOCKED",
}

func (e *Emulator) serveMobile(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	defer e.lockFor(m)()
	if len(s) == 0 {
		if m != http.MethodGet {
			methodNotAllowed(w)
			return
		}
		terms, ok := parseQuery(r.URL.Query().Get("query"))
		if !ok {
			badRequest(w, "Invalid Input: query")
			return
		}
		var out []*MobileDevice
		for _, id := range e.deviceOrd {
			d := e.devices[id]
			if d.matches(terms) {
				out = append(out, d)
			}
		}
		pagedWrite(e, w, r, "admin#directory#mobiledevices", "mobiledevices", out, 100, 100)
		return
	}
	d := e.devices[s[0]]
	if d == nil {
		notFound(w, "resourceId")
		return
	}
	switch {
	case len(s) == 1 && m == http.MethodGet:
		emulator.WriteJSON(w, http.StatusOK, d)
	case len(s) == 1 && m == http.MethodDelete:
		delete(e.devices, d.ResourceID)
		e.deviceOrd = slices.DeleteFunc(e.deviceOrd, func(id string) bool { return id == d.ResourceID })
		e.audit("MOBILE_SETTINGS", "DELETE_MOBILE_DEVICE", "DEVICE_ID", d.DeviceID)
		w.WriteHeader(http.StatusNoContent)
	case len(s) == 2 && s[1] == "action" && m == http.MethodPost:
		var body struct{ Action string }
		if !readJSON(w, r, &body) {
			return
		}
		st, ok := deviceActions[body.Action]
		if !ok {
			badRequest(w, "Invalid Input: action")
			return
		}
		d.Status = st
		d.Etag = e.etag()
		d.Actions = append(d.Actions, body.Action)
		e.audit("MOBILE_SETTINGS", "ACTION_REQUESTED", "ACTION_TYPE", body.Action, "DEVICE_ID", d.DeviceID)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

func (d *MobileDevice) matches(terms []term) bool {
	for _, t := range terms {
		switch t.field {
		case "email":
			if !slices.ContainsFunc(d.Email, func(x string) bool { return matchText(x, t.value) }) {
				return false
			}
		case "status":
			if !strings.EqualFold(d.Status, t.value) {
				return false
			}
		case "model":
			if !matchText(d.Model, t.value) {
				return false
			}
		case "os":
			if !matchText(d.OS, t.value) {
				return false
			}
		case "type":
			if !strings.EqualFold(d.Type, t.value) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// --- reports ---

var reportApps = []string{"login", "admin", "token", "groups", "mobile", "saml", "user_accounts"}

func (e *Emulator) serveReports(w http.ResponseWriter, r *http.Request, s []string) {
	// activity/users/{userKey}/applications/{applicationName}
	if len(s) != 5 || s[0] != "activity" || s[1] != "users" || s[3] != "applications" {
		notFound(w, "resource")
		return
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w)
		return
	}
	if !slices.Contains(reportApps, s[4]) {
		badRequest(w, "Invalid Input: applicationName")
		return
	}
	q := r.URL.Query()
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"startTime", &from}, {"endTime", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				badRequest(w, "Invalid Input: "+p.name)
				return
			}
			*p.t = t
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		badRequest(w, "Start time must be less than or equal to the end time.")
		return
	}
	eventName := q.Get("eventName")
	e.mu.RLock()
	defer e.mu.RUnlock()
	var actor *User
	if s[2] != "all" {
		if actor = e.userByKey(s[2]); actor == nil {
			notFound(w, "userKey")
			return
		}
	}
	src := e.activities[s[4]]
	out := make([]*Activity, 0, len(src))
	for _, a := range src {
		if actor != nil && a.Actor.ProfileID != actor.ID && !strings.EqualFold(a.Actor.Email, actor.PrimaryEmail) {
			continue
		}
		if (!from.IsZero() && a.time.Before(from)) || (!to.IsZero() && !a.time.Before(to)) {
			continue
		}
		if eventName != "" && !slices.ContainsFunc(a.Events, func(ev ActivityEvent) bool { return ev.Name == eventName }) {
			continue
		}
		out = append(out, a)
	}
	// newest first, as the Reports API answers
	sort.SliceStable(out, func(i, j int) bool { return out[i].time.After(out[j].time) })
	pagedWrite(e, w, r, "admin#reports#activities", "items", out, 1000, 1000)
}

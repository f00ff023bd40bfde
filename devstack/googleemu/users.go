package googleemu

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/jml-dev/jml/devstack/emulator"
)

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

var queryFields = []string{"email", "externalId", "orgName", "orgUnitPath", "orgDepartment", "orgTitle", "orgCostCenter", "isSuspended", "givenName", "familyName", "directManager", "isEnrolledIn2Sv", "isAdmin", "isDelegatedAdmin"}

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
	case "isAdmin":
		return strconv.FormatBool(u.IsAdmin) == strings.ToLower(t.value)
	case "isDelegatedAdmin":
		return strconv.FormatBool(u.IsDelegatedAdmin) == strings.ToLower(t.value)
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

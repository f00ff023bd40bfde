package oktaemu

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

func (e *Emulator) routeUsers(w http.ResponseWriter, r *http.Request, seg []string) {
	if len(seg) > 0 && r.Method != http.MethodGet {
		e.mu.Lock()
		if u := e.lookupUserLocked(seg[0]); u != nil {
			e.touchLocked(u, time.Now())
		}
		e.mu.Unlock()
	}
	switch {
	case len(seg) == 0:
		switch r.Method {
		case http.MethodGet:
			e.listUsers(w, r)
		case http.MethodPost:
			e.createUser(w, r)
		default:
			e.methodNotAllowed(w)
		}
	case len(seg) == 1:
		switch r.Method {
		case http.MethodGet:
			e.getUser(w, r, seg[0])
		case http.MethodPost:
			e.updateUser(w, r, seg[0], true)
		case http.MethodPut:
			e.updateUser(w, r, seg[0], false)
		case http.MethodDelete:
			e.deleteUser(w, r, seg[0])
		default:
			e.methodNotAllowed(w)
		}
	case len(seg) == 3 && seg[1] == "lifecycle":
		if r.Method != http.MethodPost {
			e.methodNotAllowed(w)
			return
		}
		e.lifecycle(w, r, seg[0], seg[2])
	case len(seg) == 2 && seg[1] == "sessions":
		if r.Method != http.MethodDelete {
			e.methodNotAllowed(w)
			return
		}
		e.clearSessions(w, r, seg[0])
	case len(seg) == 2 && seg[1] == "groups":
		if r.Method != http.MethodGet {
			e.methodNotAllowed(w)
			return
		}
		e.listUserGroups(w, r, seg[0])
	case len(seg) == 2 && seg[1] == "appLinks":
		if r.Method != http.MethodGet {
			e.methodNotAllowed(w)
			return
		}
		e.listAppLinks(w, r, seg[0])
	case len(seg) == 2 && seg[1] == "factors":
		if r.Method != http.MethodGet {
			e.methodNotAllowed(w)
			return
		}
		e.listFactors(w, r, seg[0])
	case len(seg) == 2 && seg[1] == "roles":
		switch r.Method {
		case http.MethodGet:
			e.listRoles(w, r, seg[0])
		case http.MethodPost:
			e.assignRole(w, r, seg[0])
		default:
			e.methodNotAllowed(w)
		}
	case len(seg) == 3 && seg[1] == "roles":
		switch r.Method {
		case http.MethodGet:
			e.getRole(w, r, seg[0], seg[2])
		case http.MethodDelete:
			e.removeRole(w, r, seg[0], seg[2])
		default:
			e.methodNotAllowed(w)
		}
	default:
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	}
}

func (e *Emulator) getUser(w http.ResponseWriter, r *http.Request, id string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	var b []byte
	if u != nil {
		b, _ = json.Marshal(e.userWire(base, u))
	}
	e.mu.RUnlock()
	if u == nil {
		e.userNotFound(w, id)
		return
	}
	writeRaw(w, http.StatusOK, b)
}

// filter attributes Okta accepts in ?filter= on users (search takes any).
var userFilterAttrs = map[string]bool{
	"status": true, "lastUpdated": true, "created": true, "id": true, "type.id": true,
	"profile.login": true, "profile.email": true, "profile.firstName": true, "profile.lastName": true,
}

func userAttr(u *user) attrs {
	return func(a string) []string {
		switch a {
		case "id":
			return []string{u.ID}
		case "status":
			return []string{u.Status}
		case "created":
			return []string{u.Created.UTC().Format(time.RFC3339Nano)}
		case "lastUpdated":
			return []string{u.LastUpdated.UTC().Format(time.RFC3339Nano)}
		case "type.id":
			return []string{str(userType["id"])}
		}
		if p, ok := strings.CutPrefix(a, "profile."); ok {
			if v := u.Profile[p]; v != nil {
				return []string{str(v)}
			}
		}
		return nil
	}
}

func (e *Emulator) invalidSearch(w http.ResponseWriter) {
	e.writeError(w, http.StatusBadRequest, "E0000031", "Invalid search criteria.")
}

// listUsers: a plain list omits DEPROVISIONED users; filter and search
// include them; q matches firstName, lastName or email by prefix.
func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	filter, err := parseFilter(qs.Get("filter"))
	if err == nil && filter != nil {
		filter.walk(func(attr, op string) {
			if !userFilterAttrs[attr] || (op != "eq" && attr != "lastUpdated" && attr != "created") {
				err = errBadFilter
			}
		})
	}
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
	plain := filter == nil && search == nil
	limit, after := e.pageParams(r, 200, 200)
	base := emulator.BaseURL(r)

	now := time.Now()
	view := func(u *user) *user {
		if search != nil {
			return e.searchViewLocked(u, now)
		}
		return u
	}
	e.mu.RLock()
	items, next := pageAfter(e.sortedUsersLocked(), after, limit, func(u *user) bool {
		if u = view(u); u == nil {
			return false
		}
		switch {
		case plain && u.Status == StatusDeprovisioned:
			return false
		case filter != nil && !filter.eval(userAttr(u)):
			return false
		case search != nil && !search.eval(userAttr(u)):
			return false
		}
		return q == "" || strings.HasPrefix(strings.ToLower(str(u.Profile["firstName"])), q) ||
			strings.HasPrefix(strings.ToLower(str(u.Profile["lastName"])), q) ||
			strings.HasPrefix(strings.ToLower(str(u.Profile["email"])), q)
	}, func(u *user) any { return e.userWire(base, view(u)) })
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

type createBody struct {
	Profile     map[string]any `json:"profile"`
	Credentials *struct {
		Password *struct {
			Value string `json:"value"`
			Hook  any    `json:"hook"`
		} `json:"password"`
	} `json:"credentials"`
	GroupIDs []string `json:"groupIds"`
}

// validateProfile answers Okta's E0000001 causes for a bad profile.
func (e *Emulator) validateProfileLocked(p map[string]any, self string) []string {
	var causes []string
	login := str(p["login"])
	switch {
	case login == "":
		causes = append(causes, "login: The field cannot be left blank")
	default:
		if _, err := mail.ParseAddress(login); err != nil || !strings.Contains(login, "@") {
			causes = append(causes, "login: Username must be in the form of an email address")
		} else if id, ok := e.logins[strings.ToLower(login)]; ok && id != self {
			causes = append(causes, "login: An object with this field already exists in the current organization")
		}
	}
	if email := str(p["email"]); email == "" {
		causes = append(causes, "email: The field cannot be left blank")
	} else if _, err := mail.ParseAddress(email); err != nil {
		causes = append(causes, "email: Does not match required pattern")
	}
	for _, f := range []string{"firstName", "lastName"} {
		if str(p[f]) == "" {
			causes = append(causes, f+": The field cannot be left blank")
		}
	}
	return causes
}

func validationSummary(causes []string) string {
	var fields []string
	for _, c := range causes {
		f, _, _ := strings.Cut(c, ":")
		fields = append(fields, f)
	}
	return "Api validation failed: " + strings.Join(fields, ", ")
}

func (e *Emulator) createUser(w http.ResponseWriter, r *http.Request) {
	var body createBody
	if err := readJSON(r, &body); err != nil {
		e.badBody(w)
		return
	}
	if body.Profile == nil {
		body.Profile = map[string]any{}
	}
	activate := r.URL.Query().Get("activate") != "false" // Okta's default is true
	now := time.Now()
	e.mu.Lock()
	if causes := e.validateProfileLocked(body.Profile, ""); len(causes) > 0 {
		e.mu.Unlock()
		e.writeError(w, http.StatusBadRequest, "E0000001", validationSummary(causes), causes...)
		return
	}
	for _, gid := range body.GroupIDs {
		if _, ok := e.groups[gid]; !ok {
			e.mu.Unlock()
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: groupIds", "groupIds: Group "+gid+" does not exist")
			return
		}
	}
	u := &user{ID: e.newIDLocked("00u"), Status: StatusStaged, Created: now, LastUpdated: now, StatusChanged: now, Profile: body.Profile, Groups: map[string]bool{}}
	u.HasPassword = body.Credentials != nil && body.Credentials.Password != nil && (body.Credentials.Password.Value != "" || body.Credentials.Password.Hook != nil)
	if u.HasPassword {
		u.PasswordChanged = now
	}
	if e.cfg.SearchLag > 0 {
		u.searchUntil = now.Add(e.cfg.SearchLag) // search finds it only later
	}
	e.users[u.ID] = u
	e.logins[strings.ToLower(u.login())] = u.ID
	e.addMemberLocked(r, u, e.everyID, now, false)
	for _, gid := range body.GroupIDs {
		e.addMemberLocked(r, u, gid, now, true)
	}
	e.recordLocked(r, "user.lifecycle.create", "Create okta user", "SUCCESS", "", userTarget(u))
	if activate {
		e.activateLocked(r, u, now)
	}
	b, _ := json.Marshal(e.userWire(emulator.BaseURL(r), u))
	e.mu.Unlock()
	writeRaw(w, http.StatusOK, b)
}

func (e *Emulator) activateLocked(r *http.Request, u *user, now time.Time) {
	if u.HasPassword && u.Status == StatusStaged {
		u.Status = StatusActive
	} else {
		u.Status = StatusProvisioned
	}
	u.Activated, u.StatusChanged, u.LastUpdated = now, now, now
	e.recordLocked(r, "user.lifecycle.activate", "Activate Okta user", "SUCCESS", "", userTarget(u))
}

// updateUser: POST is a partial update (profile attributes merged), PUT
// replaces the whole profile.
func (e *Emulator) updateUser(w http.ResponseWriter, r *http.Request, id string, partial bool) {
	var body struct {
		Profile map[string]any `json:"profile"`
	}
	if err := readJSON(r, &body); err != nil {
		e.badBody(w)
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
	next := map[string]any{}
	if partial {
		next = maps.Clone(u.Profile)
	}
	for k, v := range body.Profile {
		if v == nil {
			delete(next, k)
			continue
		}
		next[k] = v
	}
	if causes := e.validateProfileLocked(next, u.ID); len(causes) > 0 {
		e.mu.Unlock()
		e.writeError(w, http.StatusBadRequest, "E0000001", validationSummary(causes), causes...)
		return
	}
	delete(e.logins, strings.ToLower(u.login()))
	u.Profile = next
	e.logins[strings.ToLower(u.login())] = u.ID
	u.LastUpdated = now
	e.recordLocked(r, "user.account.update_profile", "Update user profile for Okta", "SUCCESS", "", userTarget(u))
	b, _ := json.Marshal(e.userWire(emulator.BaseURL(r), u))
	e.mu.Unlock()
	writeRaw(w, http.StatusOK, b)
}

// deleteUser is Okta's two-stage DELETE: a user not yet DEPROVISIONED is
// deactivated; a DEPROVISIONED user is deleted for good.
func (e *Emulator) deleteUser(w http.ResponseWriter, r *http.Request, id string) {
	now := time.Now()
	e.mu.Lock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, id)
		return
	}
	if u.Status != StatusDeprovisioned {
		e.deactivateLocked(r, u, now)
	} else {
		for gid := range u.Groups {
			if g := e.groups[gid]; g != nil {
				delete(g.Members, u.ID)
			}
		}
		delete(e.users, u.ID)
		delete(e.logins, strings.ToLower(u.login()))
		e.recordLocked(r, "user.lifecycle.delete.completed", "Delete Okta user completed", "SUCCESS", "", userTarget(u))
	}
	e.mu.Unlock()
	e.common(w)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) deactivateLocked(r *http.Request, u *user, now time.Time) {
	u.Status = StatusDeprovisioned
	u.StatusChanged, u.LastUpdated = now, now
	e.recordLocked(r, "user.lifecycle.deactivate", "Deactivate Okta user", "SUCCESS", "", userTarget(u))
}

// lifecycle answers the state machine as Okta does.
func (e *Emulator) lifecycle(w http.ResponseWriter, r *http.Request, id, action string) {
	now := time.Now()
	sendEmail := r.URL.Query().Get("sendEmail")
	e.mu.Lock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, id)
		return
	}
	notAllowed := func() {
		e.mu.Unlock()
		e.writeError(w, http.StatusForbidden, "E0000038", "This operation is not allowed in the user's current status.")
	}
	if u.Transitioning != "" {
		notAllowed() // a lifecycle call is still in progress
		return
	}
	switch action {
	case "activate":
		switch u.Status {
		case StatusStaged, StatusDeprovisioned:
			if u.Status == StatusDeprovisioned {
				u.HasPassword = false // Okta resets credentials of a deactivated user
			}
			to := StatusProvisioned
			if u.HasPassword && u.Status == StatusStaged {
				to = StatusActive
			}
			e.transitionLocked(u, to, func(now time.Time) { e.activateLocked(r, u, now) })
		case StatusActive:
			e.mu.Unlock()
			e.writeError(w, http.StatusForbidden, "E0000016", "Activation failed because the user is already active")
			return
		default:
			notAllowed()
			return
		}
		e.mu.Unlock()
		e.activationAnswer(w, r, u.ID, sendEmail)
		return
	case "reactivate":
		if u.Status != StatusProvisioned {
			notAllowed()
			return
		}
		e.recordLocked(r, "user.lifecycle.reactivate", "Reactivate Okta user", "SUCCESS", "", userTarget(u))
		e.mu.Unlock()
		e.activationAnswer(w, r, u.ID, sendEmail)
		return
	case "deactivate":
		// Already DEPROVISIONED answers 200 too: deactivation is idempotent.
		if u.Status != StatusDeprovisioned {
			e.transitionLocked(u, StatusDeprovisioned, func(now time.Time) { e.deactivateLocked(r, u, now) })
		}
	case "suspend":
		if u.Status != StatusActive {
			e.mu.Unlock()
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: user", "user: Cannot suspend a user that is not active")
			return
		}
		u.Status, u.StatusChanged, u.LastUpdated = StatusSuspended, now, now
		e.recordLocked(r, "user.lifecycle.suspend", "Suspend Okta user", "SUCCESS", "", userTarget(u))
	case "unsuspend":
		if u.Status != StatusSuspended {
			e.mu.Unlock()
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: user", "user: Cannot unsuspend a user that is not suspended")
			return
		}
		u.Status, u.StatusChanged, u.LastUpdated = StatusActive, now, now
		e.recordLocked(r, "user.lifecycle.unsuspend", "Unsuspend Okta user", "SUCCESS", "", userTarget(u))
	default:
		e.mu.Unlock()
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
		return
	}
	e.mu.Unlock()
	writeRaw(w, http.StatusOK, []byte("{}"))
}

// activationAnswer: with sendEmail=false Okta returns the activation link
// instead of mailing it.
func (e *Emulator) activationAnswer(w http.ResponseWriter, r *http.Request, id, sendEmail string) {
	if sendEmail == "false" {
		tok := randHex(10)
		writeJSON(w, http.StatusOK, map[string]string{"activationToken": tok, "activationUrl": emulator.BaseURL(r) + "/welcome/" + tok})
		return
	}
	writeRaw(w, http.StatusOK, []byte("{}"))
}

func (e *Emulator) clearSessions(w http.ResponseWriter, r *http.Request, id string) {
	e.mu.Lock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, id)
		return
	}
	u.SessionsCleared++
	if r.URL.Query().Get("oauthTokens") == "true" {
		u.TokensRevoked++
	}
	e.recordLocked(r, "user.session.clear", "Clear user session", "SUCCESS", "", userTarget(u))
	e.mu.Unlock()
	e.common(w)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) listUserGroups(w http.ResponseWriter, r *http.Request, id string) {
	limit, after := e.pageParams(r, 200, 200)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.RUnlock()
		e.userNotFound(w, id)
		return
	}
	items, next := pageAfter(e.sortedGroupsLocked(), after, limit, func(g *group) bool { return u.Groups[g.ID] },
		func(g *group) any { return groupToWire(base, g) })
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

func (e *Emulator) listFactors(w http.ResponseWriter, r *http.Request, id string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.RUnlock()
		e.userNotFound(w, id)
		return
	}
	out := make([]map[string]any, 0, len(u.Factors))
	for _, f := range u.Factors {
		m := map[string]any{
			"id": f.ID, "factorType": f.FactorType, "provider": f.Provider, "vendorName": f.Provider, "status": f.Status,
			"created": oktaTime(f.Created), "lastUpdated": oktaTime(f.Created),
			"_links": map[string]link{"self": {Href: base + "/api/v1/users/" + u.ID + "/factors/" + f.ID}},
		}
		switch f.FactorType {
		case "push":
			m["profile"] = map[string]any{"credentialId": u.login(), "deviceType": "SmartPhone_IPhone", "name": "iPhone", "platform": "IOS", "version": "17.4"}
		case "token:software:totp":
			m["profile"] = map[string]any{"credentialId": u.login()}
		}
		out = append(out, m)
	}
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

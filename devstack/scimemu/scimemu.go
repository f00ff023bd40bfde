// Package scimemu emulates SCIM 2.0 (RFC 7643/7644) service providers: several
// SaaS apps at once, each under /scim/<app>/v2 with its own bearer token, with
// Users, Groups and the discovery endpoints. It is hand-written on net/http
// and tolerant in what it accepts, as real providers must be with Entra's
// "Replace" and "False" spellings.
package scimemu

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// Schema URNs of RFC 7643/7644.
const (
	SchemaUser         = "urn:ietf:params:scim:schemas:core:2.0:User"
	SchemaGroup        = "urn:ietf:params:scim:schemas:core:2.0:Group"
	SchemaEnterprise   = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	SchemaListResponse = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	SchemaPatchOp      = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	SchemaError        = "urn:ietf:params:scim:api:messages:2.0:Error"
	SchemaSPConfig     = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
	SchemaResourceType = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
	SchemaSchema       = "urn:ietf:params:scim:schemas:core:2.0:Schema"
	ContentType        = "application/scim+json"
)

// App is one SCIM app: its path name and bearer token.
type App struct {
	Name  string
	Token string
	// Quirks of real providers, off by default.
	NameAsString bool // renders "name" as a plain string, not the complex attribute
	NoGroups     bool // has no /Groups collection (404, and no Group resource type)
}

// Config sets the apps and the largest page a list answers.
type Config struct {
	Apps     []App
	PageSize int // default 100
}

// User is a user as one app holds it.
type User struct {
	ID          string    `json:"id"`
	ExternalID  string    `json:"externalId"`
	UserName    string    `json:"userName"`
	GivenName   string    `json:"givenName"`
	FamilyName  string    `json:"familyName"`
	DisplayName string    `json:"displayName"`
	Title       string    `json:"title"`
	Department  string    `json:"department"`
	EmployeeNo  string    `json:"employeeNumber"`
	Active      bool      `json:"active"`
	Created     time.Time `json:"created"`
	Modified    time.Time `json:"lastModified"`
}

// Group is a group as one app holds it.
type Group struct {
	ID          string          `json:"id"`
	DisplayName string          `json:"displayName"`
	Members     map[string]bool `json:"members"` // user ids
}

type appState struct {
	name, token            string
	nameAsString, noGroups bool
	users                  map[string]*User
	byName                 map[string]string // lower(userName) → id
	byExt                  map[string]string // externalId → id
	deleted                map[string]bool   // lower(userName) of deleted users
	groups                 map[string]*Group
	order                  []string // user ids in creation order, for stable paging
	gorder                 []string
	seq                    int
}

// Emulator is the SCIM service-provider emulator.
type Emulator struct {
	*emulator.Server
	api *api
}

type api struct {
	pageSize int
	mu       sync.RWMutex
	apps     map[string]*appState
	names    []string
}

// New builds an emulator for the configured apps (the demo's github,
// salesforce and zoom with tokens "<app>-token" when none are given).
func New(cfg Config) *Emulator {
	if len(cfg.Apps) == 0 {
		for _, n := range demoorg.SCIMApps {
			cfg.Apps = append(cfg.Apps, App{Name: n, Token: n + "-token"})
		}
	}
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	a := &api{pageSize: cfg.PageSize, apps: map[string]*appState{}}
	for _, ap := range cfg.Apps {
		a.apps[ap.Name] = &appState{name: ap.Name, token: ap.Token, nameAsString: ap.NameAsString, noGroups: ap.NoGroups, users: map[string]*User{}, byName: map[string]string{},
			byExt: map[string]string{}, deleted: map[string]bool{}, groups: map[string]*Group{}}
		a.names = append(a.names, ap.Name)
	}
	return &Emulator{Server: emulator.New(a), api: a}
}

// AppURL is the SCIM base URL of one app (after Start).
func (e *Emulator) AppURL(name string) string { return e.URL() + "/scim/" + name + "/v2" }

// Seed loads the organisation: a user per employee in each app they use
// (userName = email, externalId = employee id) and the groups "users" (all)
// and "admins" (standing admins).
func (e *Emulator) Seed(org demoorg.Org) {
	a := e.api
	a.mu.Lock()
	defer a.mu.Unlock()
	now := time.Now().UTC()
	for _, st := range a.apps {
		users := st.ensureGroup("users")
		admins := st.ensureGroup("admins")
		for _, emp := range org.Employees {
			if !slices.Contains(emp.Apps, st.name) {
				continue
			}
			if _, ok := st.byName[strings.ToLower(emp.Email)]; ok {
				continue
			}
			u := &User{ExternalID: emp.EmployeeID, UserName: emp.Email, GivenName: emp.GivenName, FamilyName: emp.FamilyName,
				DisplayName: emp.Name(), Title: emp.Title, Department: emp.Department, EmployeeNo: emp.EmployeeID, Active: true, Created: now, Modified: now}
			st.add(u)
			users.Members[u.ID] = true
			if len(emp.AdminRoles) > 0 {
				admins.Members[u.ID] = true
			}
		}
	}
}

// AddGroup creates a group in an app (idempotent) and returns its id.
func (e *Emulator) AddGroup(app, name string) string {
	e.api.mu.Lock()
	defer e.api.mu.Unlock()
	st := e.api.apps[app]
	if st == nil {
		return ""
	}
	return st.ensureGroup(name).ID
}

// User returns a copy of the user with that userName in app.
func (e *Emulator) User(app, userName string) (User, bool) {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	st := e.api.apps[app]
	if st == nil {
		return User{}, false
	}
	id, ok := st.byName[strings.ToLower(userName)]
	if !ok {
		return User{}, false
	}
	return *st.users[id], true
}

// Active reports whether the user exists in app and is active.
func (e *Emulator) Active(app, userName string) bool {
	u, ok := e.User(app, userName)
	return ok && u.Active
}

// Deleted reports whether the user was deleted from app (and not recreated).
func (e *Emulator) Deleted(app, userName string) bool {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	st := e.api.apps[app]
	return st != nil && st.deleted[strings.ToLower(userName)]
}

// UserCount is the number of users in app.
func (e *Emulator) UserCount(app string) int {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	if st := e.api.apps[app]; st != nil {
		return len(st.users)
	}
	return 0
}

// GroupMembers returns the userNames of a group's members in app, sorted.
func (e *Emulator) GroupMembers(app, group string) []string {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	st := e.api.apps[app]
	if st == nil {
		return nil
	}
	var out []string
	for _, g := range st.groups {
		if g.DisplayName != group {
			continue
		}
		for id := range g.Members {
			if u := st.users[id]; u != nil {
				out = append(out, u.UserName)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Calls is the number of requests app received, by endpoint family.
func (e *Emulator) Calls(app string) int {
	n := 0
	for fam, c := range e.Counts() {
		if strings.HasPrefix(fam, app+":") {
			n += c
		}
	}
	return n
}

func (st *appState) newID() string {
	st.seq++
	// opaque, stable, UUID-shaped ids like most providers hand out
	return fmt.Sprintf("%08x-5c1e-4a7d-9e2f-%012d", hash(st.name), st.seq)
}

func hash(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

func (st *appState) add(u *User) {
	u.ID = st.newID()
	st.users[u.ID] = u
	st.byName[strings.ToLower(u.UserName)] = u.ID
	if u.ExternalID != "" {
		st.byExt[u.ExternalID] = u.ID
	}
	delete(st.deleted, strings.ToLower(u.UserName))
	st.order = append(st.order, u.ID)
}

func (st *appState) ensureGroup(name string) *Group {
	for _, g := range st.groups {
		if g.DisplayName == name {
			return g
		}
	}
	g := &Group{ID: st.newID(), DisplayName: name, Members: map[string]bool{}}
	st.groups[g.ID] = g
	st.gorder = append(st.gorder, g.ID)
	return g
}

// ---- emulator.API ----

// split returns the app name and the resource path after /scim/<app>/v2.
func split(p string) (app, rest string, ok bool) {
	p, ok = strings.CutPrefix(p, "/scim/")
	if !ok {
		return "", "", false
	}
	app, rest, _ = strings.Cut(p, "/")
	rest, ok = strings.CutPrefix("/"+rest, "/v2")
	if !ok || app == "" {
		return "", "", false
	}
	return app, rest, true
}

func (a *api) Family(r *http.Request) string {
	app, rest, ok := split(r.URL.Path)
	if !ok {
		return "unknown"
	}
	res, _, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	switch res {
	case "Users", "Groups", "ServiceProviderConfig", "ResourceTypes", "Schemas":
		return app + ":" + res
	}
	return app + ":other"
}

func (a *api) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, _ time.Time) {
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter))
	writeError(w, http.StatusTooManyRequests, "", "too many requests; retry later")
}

func (a *api) Failed(w http.ResponseWriter, r *http.Request, status int) {
	writeError(w, status, "", http.StatusText(status))
}

func (a *api) Authorized(w http.ResponseWriter, r *http.Request) bool {
	app, _, ok := split(r.URL.Path)
	if !ok {
		writeError(w, http.StatusNotFound, "", "not a SCIM path; use /scim/<app>/v2/...")
		return false
	}
	a.mu.RLock()
	st := a.apps[app]
	a.mu.RUnlock()
	if st == nil {
		writeError(w, http.StatusNotFound, "", "unknown app "+app)
		return false
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || subtle.ConstantTimeCompare([]byte(tok), []byte(st.token)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
		writeError(w, http.StatusUnauthorized, "", "authorization failure: missing or invalid bearer token")
		return false
	}
	return true
}

func (a *api) Snapshot() any {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := map[string]any{}
	for name, st := range a.apps {
		users := make([]User, 0, len(st.order))
		for _, id := range st.order {
			if u := st.users[id]; u != nil {
				users = append(users, *u)
			}
		}
		groups := map[string][]string{}
		for _, g := range st.groups {
			var m []string
			for id := range g.Members {
				if u := st.users[id]; u != nil {
					m = append(m, u.UserName)
				}
			}
			sort.Strings(m)
			groups[g.DisplayName] = m
		}
		out[name] = map[string]any{"users": users, "groups": groups}
	}
	return out
}

func (a *api) ServeAPI(w http.ResponseWriter, r *http.Request) {
	app, rest, _ := split(r.URL.Path)
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	base := emulator.BaseURL(r) + "/scim/" + app + "/v2"
	res, id := parts[0], ""
	if len(parts) > 1 {
		id = parts[1]
	}
	if len(parts) > 2 {
		writeError(w, http.StatusNotFound, "", "no such resource path")
		return
	}
	switch res {
	case "Users":
		a.users(w, r, app, id, base)
	case "Groups":
		if a.apps[app].noGroups {
			writeError(w, http.StatusNotFound, "", "Resource Groups not found")
			return
		}
		a.groups(w, r, app, id, base)
	case "ServiceProviderConfig":
		writeJSON(w, http.StatusOK, spConfig(base, a.pageSize))
	case "ResourceTypes":
		rts := resourceTypes(base)
		if a.apps[app].noGroups {
			rts = rts[:1] // User only
		}
		writeJSON(w, http.StatusOK, listPage(rts, len(rts), 1))
	case "Schemas":
		ss := schemas()
		writeJSON(w, http.StatusOK, listPage(ss, len(ss), 1))
	default:
		writeError(w, http.StatusNotFound, "", "no such resource type "+res)
	}
}

// ---- wire helpers ----

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"schemas":["`+SchemaError+`"],"status":"500","detail":"encode"}`)
	}
	w.Header().Set("Content-Type", ContentType)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeError writes the RFC 7644 §3.12 error: status is a string.
func writeError(w http.ResponseWriter, status int, scimType, detail string) {
	body := map[string]any{"schemas": []string{SchemaError}, "status": strconv.Itoa(status), "detail": detail}
	if scimType != "" {
		body["scimType"] = scimType
	}
	writeJSON(w, status, body)
}

func spConfig(base string, page int) map[string]any {
	return map[string]any{
		"schemas":          []string{SchemaSPConfig},
		"documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
		"filter":           map[string]any{"supported": true, "maxResults": page},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": false},
		"etag":             map[string]any{"supported": false},
		"authenticationSchemes": []any{map[string]any{"type": "oauthbearertoken", "name": "OAuth Bearer Token",
			"description": "Authentication scheme using the OAuth Bearer Token Standard", "primary": true}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": base + "/ServiceProviderConfig"},
	}
}

func resourceTypes(base string) []any {
	return []any{
		map[string]any{"schemas": []string{SchemaResourceType}, "id": "User", "name": "User", "endpoint": "/Users",
			"schema": SchemaUser, "schemaExtensions": []any{map[string]any{"schema": SchemaEnterprise, "required": false}},
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"}},
		map[string]any{"schemas": []string{SchemaResourceType}, "id": "Group", "name": "Group", "endpoint": "/Groups",
			"schema": SchemaGroup, "meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"}},
	}
}

func schemas() []any {
	attr := func(name, typ string, uniq string) map[string]any {
		return map[string]any{"name": name, "type": typ, "multiValued": false, "required": name == "userName" || name == "displayName",
			"caseExact": false, "mutability": "readWrite", "returned": "default", "uniqueness": uniq}
	}
	return []any{
		map[string]any{"schemas": []string{SchemaSchema}, "id": SchemaUser, "name": "User", "attributes": []any{
			attr("userName", "string", "server"), attr("externalId", "string", "none"), attr("displayName", "string", "none"),
			attr("title", "string", "none"), attr("active", "boolean", "none")}},
		map[string]any{"schemas": []string{SchemaSchema}, "id": SchemaEnterprise, "name": "EnterpriseUser", "attributes": []any{
			attr("employeeNumber", "string", "none"), attr("department", "string", "none")}},
		map[string]any{"schemas": []string{SchemaSchema}, "id": SchemaGroup, "name": "Group", "attributes": []any{
			attr("displayName", "string", "none")}},
	}
}

package oktaemu

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// serviceApp is an API service app: an OIDC app (name oidc_client) whose
// OAuth client uses the client-credentials grant, which Okta lets hold
// admin roles (/oauth2/v1/clients/{clientId}/roles).
type serviceApp struct {
	ID       string // the app id, which Okta also uses as its client_id
	Label    string
	Status   string
	Roles    []*roleAssignment
	Created  time.Time
	clientID string
}

func (a *serviceApp) id() string { return a.ID }

func (a *serviceApp) wire(base string) map[string]any {
	return map[string]any{
		"id": a.ID, "name": "oidc_client", "label": a.Label, "status": a.Status, "signOnMode": "OPENID_CONNECT",
		"created": oktaTime(a.Created), "lastUpdated": oktaTime(a.Created),
		"credentials": map[string]any{"oauthClient": map[string]any{"client_id": a.clientID, "token_endpoint_auth_method": "private_key_jwt", "autoKeyRotation": true}},
		"settings": map[string]any{"oauthClient": map[string]any{"application_type": "service", "grant_types": []string{"client_credentials"},
			"response_types": []string{"token"}}},
		"_links": map[string]any{"self": link{Href: base + "/api/v1/apps/" + a.ID}},
	}
}

func appAttr(a *serviceApp) attrs {
	return func(k string) []string {
		switch k {
		case "id":
			return []string{a.ID}
		case "name":
			return []string{"oidc_client"}
		case "status":
			return []string{a.Status}
		}
		return nil
	}
}

// listApps is GET /api/v1/apps: the API service apps, filtered (id, name,
// status) and paged by after/limit (at most 200) with Link headers.
func (e *Emulator) listApps(w http.ResponseWriter, r *http.Request) {
	filter, err := parseFilter(r.URL.Query().Get("filter"))
	if err != nil {
		e.invalidSearch(w)
		return
	}
	limit, after := e.pageParams(r, 20, 200)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	apps := append([]*serviceApp(nil), e.services...)
	sort.Slice(apps, func(i, j int) bool { return apps[i].ID < apps[j].ID })
	items, next := pageAfter(apps, after, limit, func(a *serviceApp) bool { return filter == nil || filter.eval(appAttr(a)) },
		func(a *serviceApp) any { return a.wire(base) })
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

func roleWireFor(base, assignment, href string, ra *roleAssignment) map[string]any {
	return map[string]any{
		"id": ra.ID, "type": ra.Type, "label": RoleLabels[ra.Type], "status": "ACTIVE", "assignmentType": assignment,
		"created": oktaTime(ra.Created), "lastUpdated": oktaTime(ra.Created),
		"_links": map[string]link{"assignee": {Href: base + href}},
	}
}

// listGroupRoles is GET /api/v1/groups/{groupId}/roles.
func (e *Emulator) listGroupRoles(w http.ResponseWriter, r *http.Request, gid string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	g := e.groups[gid]
	var out []map[string]any
	if g != nil {
		out = make([]map[string]any, 0, len(g.Roles))
		for _, ra := range g.Roles {
			out = append(out, roleWireFor(base, "GROUP", "/api/v1/groups/"+g.ID, ra))
		}
	}
	e.mu.RUnlock()
	if g == nil {
		e.groupNotFound(w, gid)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// routeClients serves GET /oauth2/v1/clients/{clientId}/roles.
func (e *Emulator) routeClients(w http.ResponseWriter, r *http.Request, seg []string) {
	if len(seg) != 2 || seg[1] != "roles" || r.Method != http.MethodGet {
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
		return
	}
	base := emulator.BaseURL(r)
	e.mu.RLock()
	var app *serviceApp
	for _, a := range e.services {
		if a.clientID == seg[0] {
			app = a
		}
	}
	var out []map[string]any
	if app != nil {
		out = make([]map[string]any, 0, len(app.Roles))
		for _, ra := range app.Roles {
			out = append(out, roleWireFor(base, "CLIENT", "/oauth2/v1/clients/"+app.clientID, ra))
		}
	}
	e.mu.RUnlock()
	if app == nil {
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+seg[0]+" (Client)")
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// SeedSweepHolders adds the sweep's Okta groups and API service apps
// holding admin roles (demoorg SweepAccounts of Kind group and
// service_principal; a service app's Login is its client_id). A repeat is
// a no-op.
func (e *Emulator) SeedSweepHolders(accts []demoorg.SweepAccount) {
	for _, s := range accts {
		if s.Directory != "okta" {
			continue
		}
		switch s.Kind {
		case demoorg.KindGroup:
			e.AssignGroupRoles(s.DisplayName, s.AdminRoles...)
		case demoorg.KindService:
			e.AddServiceApp(s.Login, s.DisplayName, s.AdminRoles...)
		}
	}
}

// AssignGroupRoles assigns the roles (types or demo names) to the Okta
// group of that name, creating the group; a role it holds is kept once.
func (e *Emulator) AssignGroupRoles(name string, roles ...string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	var g *group
	for _, x := range e.groups {
		if strings.EqualFold(x.Name, name) {
			g = x
		}
	}
	if g == nil {
		g = e.newGroupLocked(name, "", "OKTA_GROUP", now)
	}
	for _, rn := range roles {
		t, ok := RoleType(rn)
		if !ok || hasRole(g.Roles, t) {
			continue
		}
		g.Roles = append(g.Roles, &roleAssignment{ID: e.newIDLocked("irb"), Type: t, Created: now})
	}
	return g.ID
}

// AddServiceApp adds an active API service app with that client_id
// holding the roles; a repeat adds missing roles only.
func (e *Emulator) AddServiceApp(clientID, label string, roles ...string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	var app *serviceApp
	for _, a := range e.services {
		if a.clientID == clientID {
			app = a
		}
	}
	if app == nil {
		app = &serviceApp{ID: e.newIDLocked("0oa"), Label: label, Status: StatusActive, Created: now, clientID: clientID}
		e.services = append(e.services, app)
	}
	for _, rn := range roles {
		if t, ok := RoleType(rn); ok && !hasRole(app.Roles, t) {
			app.Roles = append(app.Roles, &roleAssignment{ID: e.newIDLocked("irb"), Type: t, Created: now})
		}
	}
}

func hasRole(rs []*roleAssignment, t string) bool {
	for _, r := range rs {
		if r.Type == t {
			return true
		}
	}
	return false
}

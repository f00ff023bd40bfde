package oktaemu

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// app is one app instance and who it is assigned to: users directly
// (scope USER) and groups, whose members get it with scope GROUP.
type app struct {
	ID      string
	Label   string
	Name    string
	Created time.Time
	Users   map[string]string    // user id -> appAssignmentId of a direct assignment
	Groups  map[string]time.Time // group id -> when assigned
}

// appLink is one app assigned to a user, as GET /api/v1/users/{id}/appLinks
// shows it on the end-user dashboard.
type appLink struct {
	ID            string `json:"id"`
	Label         string `json:"label"`
	LinkURL       string `json:"linkUrl"`
	LogoURL       string `json:"logoUrl"`
	AppName       string `json:"appName"`
	AppInstanceID string `json:"appInstanceId"`
	AppAssignment string `json:"appAssignmentId"`
	Credentials   bool   `json:"credentialsSetup"`
	Hidden        bool   `json:"hidden"`
	SortOrder     int    `json:"sortOrder"`
}

// appLocked is the app with this label, created on first use.
func (e *Emulator) appLocked(label string) *app {
	if e.apps == nil {
		e.apps = map[string]*app{}
	}
	key := strings.ToLower(label)
	for _, a := range e.apps {
		if strings.ToLower(a.Label) == key {
			return a
		}
	}
	a := &app{ID: e.newIDLocked("0oa"), Label: label, Name: strings.ReplaceAll(key, " ", "_"), Created: time.Now(), Users: map[string]string{}, Groups: map[string]time.Time{}}
	e.apps[a.ID] = a
	return a
}

func (e *Emulator) sortedAppsLocked() []*app {
	out := make([]*app, 0, len(e.apps))
	for _, a := range e.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// grantingGroupsLocked are the groups of the app the user is a member of.
func (e *Emulator) grantingGroupsLocked(a *app, u *user) []string {
	var out []string
	for gid := range a.Groups {
		if u.Groups[gid] {
			out = append(out, gid)
		}
	}
	sort.Strings(out)
	return out
}

// AssignApp assigns the app with this label to the user directly (as an
// Okta admin would in the Admin Console, outside jml), creating the app
// instance on first use. It reports whether the user exists.
func (e *Emulator) AssignApp(userID, label string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUserLocked(userID)
	if u == nil {
		return false
	}
	a := e.appLocked(label)
	if _, ok := a.Users[u.ID]; !ok {
		a.Users[u.ID] = e.newIDLocked("0ua")
	}
	return true
}

// AssignAppToGroup assigns the app to a group (PUT /api/v1/apps/{id}/groups/{gid}
// in Okta): every member holds it with scope GROUP, and Okta refuses to
// unassign it from one of them. It reports whether the group exists.
func (e *Emulator) AssignAppToGroup(groupName, label string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, g := range e.groups {
		if strings.EqualFold(g.Name, groupName) && g.Type != "BUILT_IN" {
			e.appLocked(label).Groups[g.ID] = time.Now()
			return true
		}
	}
	return false
}

// UserApps are the labels of the apps the user holds now (directly or
// through a group), sorted: what tests read back.
func (e *Emulator) UserApps(userID string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUserLocked(userID)
	if u == nil {
		return nil
	}
	var out []string
	for _, a := range e.sortedAppsLocked() {
		if _, direct := a.Users[u.ID]; direct || len(e.grantingGroupsLocked(a, u)) > 0 {
			out = append(out, a.Label)
		}
	}
	sort.Strings(out)
	return out
}

// listAppLinks is GET /api/v1/users/{id}/appLinks: every app the user holds,
// directly or through a group membership.
func (e *Emulator) listAppLinks(w http.ResponseWriter, r *http.Request, id string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.RUnlock()
		e.userNotFound(w, id)
		return
	}
	out := []appLink{}
	for _, a := range e.sortedAppsLocked() {
		asg, direct := a.Users[u.ID]
		if !direct {
			gs := e.grantingGroupsLocked(a, u)
			if len(gs) == 0 {
				continue
			}
			asg = "0ua" + a.ID[3:] // a group assignment has no per-user id of its own
		}
		out = append(out, appLink{ID: a.ID, Label: a.Label, AppName: a.Name, AppInstanceID: a.ID, AppAssignment: asg, SortOrder: len(out),
			LinkURL: base + "/home/" + a.Name + "/" + a.ID + "/" + a.ID, LogoURL: base + "/assets/img/logos/default.png"})
	}
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

// routeApps serves the slice of the Apps API a review needs:
// GET /api/v1/apps/{id}/groups and DELETE /api/v1/apps/{id}/users/{uid}.
func (e *Emulator) routeApps(w http.ResponseWriter, r *http.Request, seg []string) {
	switch {
	case len(seg) == 2 && seg[1] == "groups" && r.Method == http.MethodGet:
		e.listAppGroups(w, r, seg[0])
	case len(seg) == 3 && seg[1] == "users" && r.Method == http.MethodDelete:
		e.unassignAppUser(w, r, seg[0], seg[2])
	case len(seg) == 3 && seg[1] == "users":
		e.methodNotAllowed(w)
	default:
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	}
}

func (e *Emulator) appNotFound(w http.ResponseWriter, id string) {
	e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" (AppInstance)")
}

// appGroupWire is an ApplicationGroupAssignment.
type appGroupWire struct {
	ID          string          `json:"id"`
	LastUpdated oktaTime        `json:"lastUpdated"`
	Priority    int             `json:"priority"`
	Profile     map[string]any  `json:"profile"`
	Links       map[string]link `json:"_links"`
}

// listAppGroups is GET /api/v1/apps/{id}/groups, paged like Okta's.
func (e *Emulator) listAppGroups(w http.ResponseWriter, r *http.Request, appID string) {
	limit, after := e.pageParams(r, 20, 200)
	base := emulator.BaseURL(r)
	e.mu.RLock()
	a := e.apps[appID]
	if a == nil {
		e.mu.RUnlock()
		e.appNotFound(w, appID)
		return
	}
	gs := []*group{}
	for _, g := range e.sortedGroupsLocked() {
		if _, ok := a.Groups[g.ID]; ok {
			gs = append(gs, g)
		}
	}
	prio := 0
	items, next := pageAfter(gs, after, limit, func(*group) bool { return true }, func(g *group) any {
		prio++
		return appGroupWire{ID: g.ID, LastUpdated: oktaTime(a.Groups[g.ID]), Priority: prio - 1, Profile: map[string]any{},
			Links: map[string]link{"app": {Href: base + "/api/v1/apps/" + a.ID}, "group": {Href: base + "/api/v1/groups/" + g.ID}}}
	})
	e.mu.RUnlock()
	writePage(w, r, items, next, limit)
}

// unassignAppUser is DELETE /api/v1/apps/{id}/users/{uid}: 204 for a direct
// assignment; 403 E0000046 while a group membership grants the app (Okta
// will not unassign a group-derived assignment); 404 when not assigned.
func (e *Emulator) unassignAppUser(w http.ResponseWriter, r *http.Request, appID, uid string) {
	e.mu.Lock()
	a := e.apps[appID]
	if a == nil {
		e.mu.Unlock()
		e.appNotFound(w, appID)
		return
	}
	u := e.users[uid]
	if u == nil {
		e.mu.Unlock()
		e.userNotFound(w, uid)
		return
	}
	if len(e.grantingGroupsLocked(a, u)) > 0 {
		e.mu.Unlock()
		e.writeError(w, http.StatusForbidden, "E0000046", "Deactivate application for user forbidden.",
			"The application cannot be unassigned from the user while their group memberships grant them access")
		return
	}
	if _, ok := a.Users[u.ID]; !ok {
		e.mu.Unlock()
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+uid+" (AppUser)")
		return
	}
	delete(a.Users, u.ID)
	e.recordLocked(r, "application.user_membership.remove", "Remove user from application membership", "SUCCESS", "", userTarget(u),
		LogEntity{ID: a.ID, Type: "AppInstance", AlternateID: a.Label, DisplayName: a.Label})
	e.mu.Unlock()
	e.common(w)
	w.WriteHeader(http.StatusNoContent)
}

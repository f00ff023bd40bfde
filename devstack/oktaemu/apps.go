package oktaemu

import (
	"net/http"
	"strings"

	"github.com/jml-dev/jml/devstack/emulator"
)

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
	if e.appLinks == nil {
		e.appLinks = map[string][]appLink{}
		e.appIDs = map[string]string{}
	}
	key := strings.ToLower(label)
	inst, ok := e.appIDs[key]
	if !ok {
		inst = e.newIDLocked("0oa")
		e.appIDs[key] = inst
	}
	for _, l := range e.appLinks[u.ID] {
		if l.AppInstanceID == inst {
			return true
		}
	}
	name := strings.ReplaceAll(key, " ", "_")
	e.appLinks[u.ID] = append(e.appLinks[u.ID], appLink{ID: inst, Label: label, AppName: name, AppInstanceID: inst,
		AppAssignment: e.newIDLocked("0ua"), SortOrder: len(e.appLinks[u.ID])})
	return true
}

// listAppLinks is GET /api/v1/users/{id}/appLinks.
func (e *Emulator) listAppLinks(w http.ResponseWriter, r *http.Request, id string) {
	base := emulator.BaseURL(r)
	e.mu.RLock()
	u := e.lookupUserLocked(id)
	if u == nil {
		e.mu.RUnlock()
		e.userNotFound(w, id)
		return
	}
	out := make([]appLink, 0, len(e.appLinks[u.ID]))
	for _, l := range e.appLinks[u.ID] {
		l.LinkURL = base + "/home/" + l.AppName + "/" + l.AppInstanceID + "/" + l.ID
		l.LogoURL = base + "/assets/img/logos/default.png"
		out = append(out, l)
	}
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, out)
}

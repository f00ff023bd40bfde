package graphemu

import (
	"net/http"
	"slices"

	"github.com/google/uuid"
)

type groupJSON struct {
	Type            string   `json:"@odata.type,omitempty"`
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Mail            string   `json:"mail,omitempty"`
	MailNickname    string   `json:"mailNickname"`
	MailEnabled     bool     `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"`
	// null on a cloud group, true on one synced from AD
	OnPremisesSyncEnabled *bool `json:"onPremisesSyncEnabled"`
}

func groupView(g *Group, typed bool) groupJSON {
	j := groupJSON{ID: g.ID, DisplayName: g.DisplayName, Mail: g.Mail, MailNickname: g.DisplayName, SecurityEnabled: true, GroupTypes: []string{}}
	if typed {
		j.Type = "#microsoft.graph.group"
	}
	if g.OnPremises {
		on := true
		j.OnPremisesSyncEnabled = &on
	}
	return j
}

type dirRoleJSON struct {
	Type           string `json:"@odata.type"`
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	Description    string `json:"description"`
	RoleTemplateID string `json:"roleTemplateId"`
}

func (e *Emulator) memberOf(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	var items []any
	for _, gid := range e.groupIDs {
		g := e.groups[gid]
		if slices.Contains(g.Members, u.ID) {
			items = append(items, groupView(g, true))
		}
	}
	now := e.nowLocked()
	seen := map[string]bool{}
	for _, a := range e.assigns {
		if a.PrincipalID != u.ID || !a.Active(now) || seen[a.RoleDefinitionID] {
			continue
		}
		seen[a.RoleDefinitionID] = true
		d := e.roleDef(a.RoleDefinitionID)
		// a directoryRole object's id differs from its template id in a real
		// tenant; derive a stable one
		items = append(items, dirRoleJSON{Type: "#microsoft.graph.directoryRole", ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte("role:"+d.ID)).String(), DisplayName: d.DisplayName, Description: d.Description, RoleTemplateID: d.ID})
	}
	e.mu.RUnlock()
	if items == nil {
		items = []any{}
	}
	e.page(w, r, "directoryObjects", items)
	return nil
}

// ---- groups ----

func (e *Emulator) routeGroups(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		return list(e, w, r, "Group", "groups",
			func() []*Group { return inOrder(e.groupIDs, e.groups) },
			func(g *Group) fields {
				return func(n string) (any, bool) {
					switch n {
					case "id":
						return g.ID, true
					case "displayName":
						return g.DisplayName, true
					case "mail":
						return g.Mail, true
					case "mailNickname":
						return g.DisplayName, true
					}
					return nil, false
				}
			},
			func(g *Group) any { return groupView(g, false) })
	case len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		g := e.groups[seg[0]]
		var j groupJSON
		if g != nil {
			j = groupView(g, false)
		}
		e.mu.RUnlock()
		if g == nil {
			return userMissing(seg[0])
		}
		writeJSON(w, http.StatusOK, j)
		return nil
	case len(seg) == 2 && seg[1] == "members" && m == http.MethodGet:
		e.mu.RLock()
		g := e.groups[seg[0]]
		if g == nil {
			e.mu.RUnlock()
			return userMissing(seg[0])
		}
		items := make([]any, 0, len(g.Members))
		for _, uid := range g.Members {
			j := e.userView(e.users[uid], false)
			j.Type = "#microsoft.graph.user"
			items = append(items, j)
		}
		e.mu.RUnlock()
		e.page(w, r, "directoryObjects", items)
		return nil
	case len(seg) == 3 && seg[1] == "members" && seg[2] == "$ref" && m == http.MethodPost:
		return e.addMember(w, r, seg[0])
	case len(seg) == 4 && seg[1] == "members" && seg[3] == "$ref" && m == http.MethodDelete:
		return e.removeMember(w, r, seg[0], seg[2])
	}
	return noRoute(r)
}

func (e *Emulator) addMember(w http.ResponseWriter, r *http.Request, gid string) *apiError {
	var b struct {
		ID string `json:"@odata.id"`
	}
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.ID == "" {
		return badRequest("Request_BadRequest", "The request body must contain an @odata.id reference.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[gid]
	if g == nil {
		return userMissing(gid)
	}
	uid := lastSegment(b.ID)
	u := e.lookupUser(uid)
	if u == nil {
		return userMissing(uid)
	}
	if g.OnPremises {
		return masteredOnPremises()
	}
	if slices.Contains(g.Members, u.ID) {
		return badRequest("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
	}
	g.Members = append(g.Members, u.ID)
	e.auditLocked("GroupManagement", "Add member to group", "Assign", u, g.DisplayName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) removeMember(w http.ResponseWriter, r *http.Request, gid, uid string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[gid]
	if g == nil {
		return userMissing(gid)
	}
	u := e.lookupUser(uid)
	if u == nil || !slices.Contains(g.Members, u.ID) {
		return userMissing(uid)
	}
	if g.OnPremises {
		return masteredOnPremises()
	}
	g.Members = slices.DeleteFunc(g.Members, func(s string) bool { return s == u.ID })
	e.auditLocked("GroupManagement", "Remove member from group", "Unassign", u, g.DisplayName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

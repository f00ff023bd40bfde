package graphemu

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// ServicePrincipal is an app's identity in the tenant; it can hold
// directory roles like a user.
type ServicePrincipal struct {
	ID                   string
	AppID                string
	DisplayName          string
	AccountEnabled       bool
	ServicePrincipalType string // Application, ManagedIdentity, Legacy
}

func (sp *ServicePrincipal) view() map[string]any {
	return map[string]any{"@odata.type": "#microsoft.graph.servicePrincipal", "id": sp.ID, "appId": sp.AppID,
		"displayName": sp.DisplayName, "accountEnabled": sp.AccountEnabled, "servicePrincipalType": sp.ServicePrincipalType}
}

// userType is Graph's member/guest: a B2B guest's UPN carries #EXT#.
func userType(u *User) string {
	if strings.Contains(strings.ToUpper(u.UserPrincipalName), "#EXT#") {
		return "Guest"
	}
	return "Member"
}

// principalView is an assignment's principal as $expand=principal shows
// it: the directoryObject with its @odata.type.
func (e *Emulator) principalView(id string) any {
	if u := e.users[id]; u != nil {
		return map[string]any{"@odata.type": "#microsoft.graph.user", "id": u.ID, "userPrincipalName": u.UserPrincipalName,
			"displayName": u.DisplayName, "employeeId": nilIfEmpty(u.EmployeeID), "accountEnabled": u.AccountEnabled, "userType": userType(u)}
	}
	if sp := e.sps[id]; sp != nil {
		return sp.view()
	}
	if g := e.groups[id]; g != nil {
		return map[string]any{"@odata.type": "#microsoft.graph.group", "id": g.ID, "displayName": g.DisplayName, "isAssignableToRole": true, "securityEnabled": true}
	}
	return nil
}

func wantsPrincipal(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.URL.Query().Get("$expand")), "principal")
}

func wantsSignInActivity(r *http.Request) bool {
	return strings.Contains(r.URL.Query().Get("$select"), "signInActivity")
}

// lastSignInLocked is the user's newest successful sign-in in the log.
func (e *Emulator) lastSignInLocked(id string) time.Time {
	var t time.Time
	for _, s := range e.signIns {
		if s.UserID == id && s.ErrorCode == 0 && s.Time.After(t) {
			t = s.Time
		}
	}
	return t
}

// withSignInActivity adds signInActivity (returned only on $select, as
// Graph does) to a user's JSON.
func (e *Emulator) withSignInActivity(u *User, j userJSON) any {
	b, _ := json.Marshal(j)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	act := map[string]any{"lastSignInDateTime": nil, "lastNonInteractiveSignInDateTime": nil}
	if t := e.lastSignInLocked(u.ID); !t.IsZero() {
		act["lastSignInDateTime"] = ts(t)
	}
	m["signInActivity"] = act
	return m
}

func (e *Emulator) routeServicePrincipals(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	if len(seg) == 0 && m == http.MethodGet {
		e.mu.RLock()
		items := make([]any, 0, len(e.spIDs))
		for _, id := range e.spIDs {
			items = append(items, e.sps[id].view())
		}
		e.mu.RUnlock()
		e.page(w, r, "servicePrincipals", items)
		return nil
	}
	if len(seg) == 1 && m == http.MethodGet {
		e.mu.RLock()
		sp := e.sps[seg[0]]
		e.mu.RUnlock()
		if sp == nil {
			return notFound("Resource '" + seg[0] + "' does not exist or one of its queried reference-property objects are not present.")
		}
		writeJSON(w, http.StatusOK, sp.view())
		return nil
	}
	return noRoute(r)
}

// deleteUser removes the user and their role assignments (Graph moves it
// to deleted items; the emulator forgets it).
func (e *Emulator) deleteUser(w http.ResponseWriter, id string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	delete(e.users, u.ID)
	delete(e.byUPN, strings.ToLower(u.UserPrincipalName))
	for i, uid := range e.userList {
		if uid == u.ID {
			e.userList = append(e.userList[:i], e.userList[i+1:]...)
			break
		}
	}
	kept := e.assigns[:0]
	for _, a := range e.assigns {
		if a.PrincipalID != u.ID {
			kept = append(kept, a)
		}
	}
	e.assigns = kept
	e.auditLocked("UserManagement", "Delete user", "Delete", u, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// SeedSweep adds the privilege sweep's accounts for Entra (demoorg
// SweepAccounts): users and service principals outside HR, with their
// standing roles and last sign-ins. Stable ids: a repeat is a no-op.
func (e *Emulator) SeedSweep(accts []demoorg.SweepAccount) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	created := now.Add(-400 * 24 * time.Hour).Truncate(time.Second)
	if e.sps == nil {
		e.sps = map[string]*ServicePrincipal{}
	}
	have := map[string]bool{}
	for _, a := range e.assigns {
		have[a.ID] = true
	}
	for _, s := range accts {
		if s.Directory != "entra" {
			continue
		}
		var pid string
		switch s.Kind {
		case demoorg.KindService:
			pid = stableID("sp", s.Login)
			if e.sps[pid] == nil {
				e.sps[pid] = &ServicePrincipal{ID: pid, AppID: s.Login, DisplayName: s.DisplayName, AccountEnabled: s.Enabled, ServicePrincipalType: "Application"}
				e.spIDs = append(e.spIDs, pid)
			}
		default:
			if id, ok := e.byUPN[strings.ToLower(s.Login)]; ok {
				pid = id
				break
			}
			pid = stableID("user", s.Login)
			e.addUserLocked(&User{ID: pid, UserPrincipalName: s.Login, DisplayName: s.DisplayName, Mail: s.Login,
				MailNickname: strings.SplitN(s.Login, "@", 2)[0], EmployeeID: s.EmployeeID, AccountEnabled: s.Enabled,
				CreatedDateTime: created, HasPassword: true, MFA: true})
			if s.SignedInDaysAgo > 0 {
				at := now.Add(-time.Duration(s.SignedInDaysAgo) * 24 * time.Hour).Truncate(time.Second)
				e.signIns = append(e.signIns, SignIn{ID: stableID("signin", s.Login), Time: at, UserID: pid, UPN: s.Login,
					DisplayName: s.DisplayName, App: "Azure Portal", IP: "203.0.113.250", Compliant: true})
			}
		}
		for _, role := range s.AdminRoles {
			def := e.roleByName(role)
			id := stableID("assign", pid+def.ID)
			if def.ID == "" || have[id] {
				continue
			}
			e.assigns = append(e.assigns, &RoleAssignment{ID: id, PrincipalID: pid, RoleDefinitionID: def.ID, RoleName: def.DisplayName, DirectoryScopeID: "/", Start: created})
		}
	}
}

// ServicePrincipals lists the seeded service principals (tests).
func (e *Emulator) ServicePrincipals() []ServicePrincipal {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]ServicePrincipal, 0, len(e.spIDs))
	for _, id := range e.spIDs {
		out = append(out, *e.sps[id])
	}
	return out
}

// PrincipalRoles lists the active role names held by a principal (user,
// service principal or group id), for tests.
func (e *Emulator) PrincipalRoles(id string) []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	now := e.nowLocked()
	var out []string
	for _, a := range e.assigns {
		if a.PrincipalID == id && a.Active(now) {
			out = append(out, a.RoleName)
		}
	}
	return out
}

package graphemu

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ---- role management ----

func (e *Emulator) roleDef(id string) RoleDefinition {
	for _, d := range e.roleDefs {
		if strings.EqualFold(d.ID, id) {
			return d
		}
	}
	return RoleDefinition{}
}

func (e *Emulator) routeRoles(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case seg[0] == "roleDefinitions" && len(seg) == 1 && m == http.MethodGet:
		return list(e, w, r, "UnifiedRoleDefinition", "roleManagement/directory/roleDefinitions",
			func() []RoleDefinition { return e.roleDefs },
			func(d RoleDefinition) fields {
				return func(n string) (any, bool) {
					switch n {
					case "displayName":
						return d.DisplayName, true
					case "id", "templateId":
						return d.ID, true
					case "isBuiltIn":
						return true, true
					}
					return nil, false
				}
			},
			func(d RoleDefinition) any {
				return map[string]any{"id": d.ID, "displayName": d.DisplayName, "description": d.Description, "isBuiltIn": true, "isEnabled": true, "templateId": d.ID, "version": "1", "rolePermissions": []any{}}
			})
	case (seg[0] == "roleAssignments" || seg[0] == "roleAssignmentScheduleInstances") && len(seg) == 1 && m == http.MethodGet:
		return e.listAssignments(w, r, seg[0])
	case seg[0] == "roleAssignments" && len(seg) == 2 && m == http.MethodDelete:
		e.mu.Lock()
		defer e.mu.Unlock()
		now := e.nowLocked()
		for i, a := range e.assigns {
			if a.ID == seg[1] && a.Active(now) {
				e.assigns = slices.Delete(e.assigns, i, i+1)
				if u := e.users[a.PrincipalID]; u != nil {
					e.auditLocked("RoleManagement", "Remove member from role", "Unassign", u, a.RoleName)
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
		}
		return notFound("Resource '" + seg[1] + "' does not exist or one of its queried reference-property objects are not present.")
	case seg[0] == "roleAssignmentScheduleRequests" && len(seg) == 1 && m == http.MethodPost:
		return e.scheduleRequest(w, r)
	case seg[0] == "roleAssignmentScheduleRequests" && len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		items := make([]any, len(e.requests))
		for i, q := range e.requests {
			items[i] = q
		}
		e.mu.RUnlock()
		e.page(w, r, "roleManagement/directory/roleAssignmentScheduleRequests", items)
		return nil
	}
	return noRoute(r)
}

func (e *Emulator) listAssignments(w http.ResponseWriter, r *http.Request, kind string) *apiError {
	expand := wantsPrincipal(r)
	return list(e, w, r, "UnifiedRoleAssignment", "roleManagement/directory/"+kind,
		func() []*RoleAssignment {
			now := e.nowLocked()
			active := make([]*RoleAssignment, 0, len(e.assigns))
			for _, a := range e.assigns {
				// expiry is evaluated lazily on read, against the clock
				if a.Active(now) {
					active = append(active, a)
				}
			}
			return active
		},
		func(a *RoleAssignment) fields {
			return func(n string) (any, bool) {
				switch n {
				case "principalId":
					return a.PrincipalID, true
				case "roleDefinitionId":
					return a.RoleDefinitionID, true
				case "directoryScopeId":
					return a.DirectoryScopeID, true
				case "id":
					return a.ID, true
				}
				return nil, false
			}
		},
		func(a *RoleAssignment) any {
			j := map[string]any{"id": a.ID, "principalId": a.PrincipalID, "roleDefinitionId": a.RoleDefinitionID, "directoryScopeId": a.DirectoryScopeID}
			if expand {
				j["principal"] = e.principalView(a.PrincipalID)
			}
			if kind == "roleAssignmentScheduleInstances" {
				j["startDateTime"] = ts(a.Start)
				if !a.End.IsZero() {
					j["endDateTime"] = ts(a.End)
				} else {
					j["endDateTime"] = nil
				}
				j["assignmentType"] = "Assigned"
				j["memberType"] = "Direct"
				j["roleAssignmentOriginId"] = a.ID
				j["roleAssignmentScheduleId"] = a.ID
			}
			return j
		})
}

type scheduleBody struct {
	Action           string `json:"action"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
	Justification    string `json:"justification"`
	ScheduleInfo     *struct {
		StartDateTime string `json:"startDateTime"`
		Expiration    *struct {
			Type        string `json:"type"`
			EndDateTime string `json:"endDateTime"`
			Duration    string `json:"duration"`
		} `json:"expiration"`
	} `json:"scheduleInfo"`
}

func (e *Emulator) scheduleRequest(w http.ResponseWriter, r *http.Request) *apiError {
	var b scheduleBody
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.PrincipalID == "" || b.RoleDefinitionID == "" {
		return badRequest("InvalidScheduleRequest", "principalId and roleDefinitionId are required.")
	}
	if b.DirectoryScopeID == "" {
		b.DirectoryScopeID = "/"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	u := e.users[b.PrincipalID]
	if u == nil {
		return badRequest("InvalidPrincipalId", "The principal '"+b.PrincipalID+"' does not exist.")
	}
	def := e.roleDef(b.RoleDefinitionID)
	if def.ID == "" {
		return notFound("The role definition '" + b.RoleDefinitionID + "' does not exist.")
	}
	var existing *RoleAssignment
	for _, a := range e.assigns {
		if a.PrincipalID == u.ID && a.RoleDefinitionID == def.ID && a.DirectoryScopeID == b.DirectoryScopeID && a.Active(now) {
			existing = a
		}
	}
	start, end := now, time.Time{}
	expType := "noExpiration"
	var expEnd, expDur string
	if si := b.ScheduleInfo; si != nil {
		if si.StartDateTime != "" {
			t, err := time.Parse(time.RFC3339Nano, si.StartDateTime)
			if err != nil {
				return badRequest("InvalidScheduleRequest", "scheduleInfo.startDateTime is not a DateTimeOffset.")
			}
			start = t.UTC()
		}
		if x := si.Expiration; x != nil && x.Type != "" {
			expType = x.Type
			switch x.Type {
			case "noExpiration":
			case "afterDateTime":
				t, err := time.Parse(time.RFC3339Nano, x.EndDateTime)
				if err != nil {
					return badRequest("InvalidScheduleRequest", "scheduleInfo.expiration.endDateTime is required for afterDateTime.")
				}
				end, expEnd = t.UTC(), ts(t)
			case "afterDuration":
				d, err := parseISODuration(x.Duration)
				if err != nil {
					return badRequest("InvalidScheduleRequest", "scheduleInfo.expiration.duration is not a valid ISO 8601 duration.")
				}
				end, expDur = start.Add(d), x.Duration
			default:
				return badRequest("InvalidScheduleRequest", "Unsupported expiration type '"+x.Type+"'.")
			}
		}
	}
	if b.Action == "adminAssign" && !end.IsZero() && !end.After(now) {
		return badRequest("InvalidScheduleRequest", "The schedule end time must be in the future.")
	}
	req := map[string]any{
		"@odata.context":   baseURL(r) + "/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity",
		"id":               uuid.NewString(),
		"action":           b.Action,
		"principalId":      u.ID,
		"roleDefinitionId": def.ID,
		"directoryScopeId": b.DirectoryScopeID,
		"justification":    b.Justification,
		"createdDateTime":  ts(now),
		"isValidationOnly": false,
		"scheduleInfo": map[string]any{
			"startDateTime": ts(start),
			"recurrence":    nil,
			"expiration":    map[string]any{"type": expType, "endDateTime": nilIfEmpty(expEnd), "duration": nilIfEmpty(expDur)},
		},
	}
	switch b.Action {
	case "adminAssign":
		if existing != nil {
			return badRequest("RoleAssignmentExists", "The Role assignment already exists.")
		}
		a := &RoleAssignment{ID: uuid.NewString(), PrincipalID: u.ID, RoleDefinitionID: def.ID, RoleName: def.DisplayName, DirectoryScopeID: b.DirectoryScopeID, Start: start, End: end}
		e.assigns = append(e.assigns, a)
		req["status"] = "Provisioned"
		req["targetScheduleId"] = a.ID
		e.auditLocked("RoleManagement", "Add member to role completed (PIM activation)", "Assign", u, def.DisplayName)
	case "adminRemove":
		if existing == nil {
			return badRequest("RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
		}
		e.assigns = slices.DeleteFunc(e.assigns, func(a *RoleAssignment) bool { return a == existing })
		req["status"] = "Revoked"
		req["targetScheduleId"] = existing.ID
		e.auditLocked("RoleManagement", "Remove member from role", "Unassign", u, def.DisplayName)
	default:
		return badRequest("InvalidScheduleRequest", "Unsupported action '"+b.Action+"'.")
	}
	stored := make(map[string]any, len(req))
	for k, v := range req {
		if k != "@odata.context" {
			stored[k] = v
		}
	}
	e.requests = append(e.requests, stored)
	w.Header().Set("Location", baseURL(r)+"/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/"+req["id"].(string))
	writeJSON(w, http.StatusCreated, req)
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

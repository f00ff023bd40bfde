package graphemu

import (
	"net/http"
	"slices"
	"strings"
)

// ---- per-user MFA: beta /users/{id}/authentication/requirements ----

// perUserStates are strongAuthenticationRequirements.perUserMfaState's
// values; every account starts disabled, as in a tenant.
var perUserStates = []string{"disabled", "enabled", "enforced"}

// serveBeta routes the beta endpoints the emulator has: only per-user
// MFA, which v1.0 lacks. Everything else answers as an unknown segment.
func (e *Emulator) serveBeta(w http.ResponseWriter, r *http.Request, rest string) {
	seg := strings.Split(strings.TrimRight(rest, "/"), "/")
	var err *apiError
	switch {
	case len(seg) == 4 && seg[0] == "users" && seg[2] == "authentication" && seg[3] == "requirements" && r.Method == http.MethodGet:
		err = e.getRequirements(w, r, seg[1])
	case len(seg) == 4 && seg[0] == "users" && seg[2] == "authentication" && seg[3] == "requirements" && r.Method == http.MethodPatch:
		err = e.patchRequirements(w, r, seg[1])
	default:
		err = notFound("Resource not found for the segment '" + seg[0] + "'.")
	}
	if err != nil {
		writeError(w, r, err.status, err.code, err.message)
	}
}

func (e *Emulator) getRequirements(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	state := e.perUserLocked(u)
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":  baseURL(r) + "/beta/$metadata#users('" + u.ID + "')/authentication/requirements/$entity",
		"perUserMfaState": state,
	})
	return nil
}

// patchRequirements sets the state as Graph does: 204, and enabled turns
// into enforced at once for a user who already registered an MFA method.
func (e *Emulator) patchRequirements(w http.ResponseWriter, r *http.Request, id string) *apiError {
	var b struct {
		State *string `json:"perUserMfaState"`
	}
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.State == nil || !slices.Contains(perUserStates, *b.State) {
		return badRequest("Request_BadRequest", "Invalid value specified for property 'perUserMfaState' of resource 'strongAuthenticationRequirements'.")
	}
	if !e.SetPerUserMFA(id, *b.State) {
		return userMissing(id)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) perUserLocked(u *User) string {
	if s, ok := e.perUser[u.ID]; ok {
		return s
	}
	return "disabled"
}

// SetPerUserMFA sets a user's per-user MFA state (disabled, enabled or
// enforced) with Graph's PATCH rule; false for an unknown user or state.
func (e *Emulator) SetPerUserMFA(idOrUPN, state string) bool {
	if !slices.Contains(perUserStates, state) {
		return false
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return false
	}
	if e.perUser == nil {
		e.perUser = map[string]string{}
	}
	if state == "enabled" && e.registeredLocked(u) {
		state = "enforced"
	}
	e.perUser[u.ID] = state
	return true
}

// PerUserMFA is the user's per-user MFA state ("" for an unknown user).
func (e *Emulator) PerUserMFA(idOrUPN string) string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return ""
	}
	return e.perUserLocked(u)
}

// registeredLocked: any MFA method registered, weak ones included (what
// moves Graph's enabled to enforced).
func (e *Emulator) registeredLocked(u *User) bool {
	if ms, ok := e.methods[u.ID]; ok {
		return len(ms) > 0
	}
	return u.MFA
}

package graphemu

import (
	"net/http"
	"strings"
)

// serveAPI routes an authorised request.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	requestIDs(w, r)
	if beta, ok := strings.CutPrefix(r.URL.Path, "/beta/"); ok {
		e.serveBeta(w, r, beta) // peruser.go: what only beta has
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1.0/")
	if !ok {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version: "+r.URL.Path)
		return
	}
	seg := strings.Split(strings.TrimRight(rest, "/"), "/")
	m := r.Method
	var err *apiError
	switch {
	case seg[0] == "users":
		err = e.routeUsers(w, r, m, seg[1:])
	case seg[0] == "groups":
		err = e.routeGroups(w, r, m, seg[1:])
	case seg[0] == "servicePrincipals":
		err = e.routeServicePrincipals(w, r, m, seg[1:])
	case seg[0] == "subscribedSkus" && len(seg) == 1 && m == http.MethodGet:
		e.listSkus(w, r)
	case seg[0] == "roleManagement" && len(seg) >= 3 && seg[1] == "directory":
		err = e.routeRoles(w, r, m, seg[2:])
	case seg[0] == "deviceManagement" && len(seg) >= 2 && seg[1] == "managedDevices":
		err = e.routeDevices(w, r, m, seg[2:])
	case seg[0] == "identity" && len(seg) >= 3 && seg[1] == "conditionalAccess" && seg[2] == "policies":
		err = e.routeCAPolicies(w, r, m, seg[3:])
	case seg[0] == "auditLogs" && len(seg) == 2 && m == http.MethodGet && seg[1] == "signIns":
		err = e.listSignIns(w, r)
	case seg[0] == "auditLogs" && len(seg) == 2 && m == http.MethodGet && seg[1] == "directoryAudits":
		err = e.listAudits(w, r)
	default:
		err = notFound("Resource not found for the segment '" + seg[0] + "'.")
	}
	if err != nil {
		writeError(w, r, err.status, err.code, err.message)
	}
}

func noRoute(r *http.Request) *apiError {
	return &apiError{http.StatusBadRequest, "BadRequest", "Unsupported request: " + r.Method + " " + r.URL.Path}
}

func (e *Emulator) routeUsers(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	if len(seg) == 0 {
		switch m {
		case http.MethodGet:
			return e.listUsers(w, r)
		case http.MethodPost:
			return e.createUser(w, r)
		}
		return noRoute(r)
	}
	id := seg[0]
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		return e.getUser(w, r, id)
	case len(seg) == 1 && m == http.MethodPatch:
		return e.patchUser(w, r, id)
	case len(seg) == 1 && m == http.MethodDelete:
		return e.deleteUser(w, id)
	case len(seg) == 2 && seg[1] == "revokeSignInSessions" && m == http.MethodPost:
		return e.revokeSessions(w, r, id)
	case len(seg) == 2 && seg[1] == "assignLicense" && m == http.MethodPost:
		return e.assignLicense(w, r, id)
	case len(seg) == 2 && (seg[1] == "memberOf" || seg[1] == "transitiveMemberOf") && m == http.MethodGet:
		return e.memberOf(w, r, id)
	case len(seg) == 2 && seg[1] == "manager" && m == http.MethodGet:
		return e.getManager(w, r, id)
	case len(seg) == 3 && seg[1] == "manager" && seg[2] == "$ref":
		switch m {
		case http.MethodPut:
			return e.putManager(w, r, id)
		case http.MethodDelete:
			return e.deleteManager(w, r, id)
		}
	case len(seg) == 2 && seg[1] == "managedDevices" && m == http.MethodGet:
		return e.userDevices(w, r, id)
	case len(seg) == 3 && seg[1] == "authentication" && seg[2] == "methods" && m == http.MethodGet:
		return e.authMethods(w, r, id)
	}
	return noRoute(r)
}

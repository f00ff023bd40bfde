package googleemu

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

const maxBody = 1 << 20

// ServeAPI routes an authorised request.
func (e *Emulator) ServeAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, directoryPrefix):
		e.serveDirectory(w, r, strings.Split(strings.Trim(strings.TrimPrefix(p, directoryPrefix), "/"), "/"))
	case strings.HasPrefix(p, reportsPrefix):
		e.serveReports(w, r, strings.Split(strings.Trim(strings.TrimPrefix(p, reportsPrefix), "/"), "/"))
	default:
		notFound(w, p)
	}
}

func methodNotAllowed(w http.ResponseWriter) {
	writeError(w, http.StatusMethodNotAllowed, "global", "httpMethodNotAllowed", "HTTP method not allowed")
}

func (e *Emulator) serveDirectory(w http.ResponseWriter, r *http.Request, s []string) {
	m := r.Method
	switch {
	case s[0] == "users" && len(s) == 1:
		switch m {
		case http.MethodGet:
			e.listUsers(w, r)
		case http.MethodPost:
			e.insertUserHTTP(w, r)
		default:
			methodNotAllowed(w)
		}
	case s[0] == "users" && len(s) == 2:
		switch m {
		case http.MethodGet:
			e.getUser(w, s[1])
		case http.MethodPut, http.MethodPatch:
			e.updateUser(w, r, s[1])
		case http.MethodDelete:
			e.deleteUser(w, s[1])
		default:
			methodNotAllowed(w)
		}
	case s[0] == "users" && len(s) == 3 && s[2] == "signOut" && m == http.MethodPost:
		e.signOut(w, s[1])
	case s[0] == "users" && len(s) >= 3 && s[2] == "tokens":
		e.serveTokens(w, r, s[1], s[3:])
	case s[0] == "groups":
		e.serveGroups(w, r, s[1:])
	case s[0] == "customer" && len(s) >= 3:
		if s[1] != "my_customer" && s[1] != e.cfg.Customer {
			writeError(w, http.StatusBadRequest, "global", "badRequest", "Bad Request")
			return
		}
		switch s[2] {
		case "roles":
			e.serveRoles(w, r, s[3:])
		case "roleassignments":
			e.serveRoleAssignments(w, r, s[3:])
		case "devices":
			if len(s) >= 4 && s[3] == "mobile" {
				e.serveMobile(w, r, s[4:])
				return
			}
			notFound(w, "resource")
		default:
			notFound(w, "resource")
		}
	default:
		notFound(w, "resource")
	}
}

// readJSON decodes a body of at most maxBody bytes.
func readJSON(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		badRequest(w, "Request body too large or unreadable")
		return false
	}
	if err := json.Unmarshal(b, v); err != nil {
		writeError(w, http.StatusBadRequest, "global", "parseError", "Invalid JSON payload received.")
		return false
	}
	return true
}

// lockFor takes the read lock for a GET and the write lock otherwise; it
// returns the matching unlock.
func (e *Emulator) lockFor(method string) (unlock func()) {
	if method == http.MethodGet {
		e.mu.RLock()
		return e.mu.RUnlock
	}
	e.mu.Lock()
	return e.mu.Unlock
}

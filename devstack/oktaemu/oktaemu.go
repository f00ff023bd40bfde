// Package oktaemu is a loopback emulator of the Okta Management API slice jml
// uses (users and their lifecycle, sessions, groups, admin role assignments,
// factors, app assignments and the System Log). It speaks the real wire format closely enough
// that okta-sdk-golang/v2 runs against it unchanged: SSWS auth, Okta's error
// body (errorCode, errorSummary, errorLink, errorId, errorCauses), Date,
// X-Okta-Request-Id and X-Rate-Limit-* on every response, 429 E0000047 with
// the Date and X-Rate-Limit-Reset the SDK's own retry needs, and absolute
// Link: <...>; rel="next" paging.
//
// Point the SDK at it with okta.WithOrgUrl(e.URL()),
// okta.WithTestingDisableHttpsCheck(true) and okta.WithCache(false).
package oktaemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Config configures the emulator.
type Config struct {
	// Token is the API token every request must carry as "SSWS <token>".
	// Empty accepts any non-empty SSWS token.
	Token string
	// PageSize caps every page the server returns (a larger limit is cut);
	// 0 means Okta's own maxima (200 users/groups, 1000 log events).
	PageSize int
	// TransitionTime makes lifecycle deactivate and activate asynchronous,
	// as Okta's are: the user carries transitioningToStatus until the
	// transition completes. 0 completes at once.
	TransitionTime time.Duration
	// SearchLag makes ?search= answer from an index that lags writes by
	// this much, as Okta documents ("use an ID lookup for records that you
	// update"). 0 indexes at once.
	SearchLag time.Duration
}

// Default quota headers sent when no limit is configured for a family, so a
// client that adapts to X-Rate-Limit-Remaining always sees a generous quota.
const (
	defaultRateLimit = 600
)

// Emulator is the Okta emulator. It embeds the frame's *emulator.Server
// (Start, URL, SetLimit, AddFault, Requests, Counts, Throttled, ...).
type Emulator struct {
	*emulator.Server
	cfg Config
	// logKeep (SetLogRetention): older log events are not returned.
	logKeep time.Duration

	mu      sync.RWMutex
	seq     int
	users   map[string]*user  // by id
	logins  map[string]string // lower(login) -> id
	groups  map[string]*group // by id
	events  []*LogEvent       // in published order
	domain  string
	everyID string // the BUILT_IN Everyone group
	// policies (policies.go): sign-on and authentication policies with rules.
	policies []*policy
	// apps are the app instances by id and their user and group
	// assignments (apps.go).
	apps map[string]*app
	// services are the API service apps (OIDC client-credentials apps),
	// with the admin roles assigned to them (roleholders.go).
	services []*serviceApp

	reqSeq atomic.Uint64
}

// New builds an emulator; call Start("127.0.0.1:0") to serve it.
func New(cfg Config) *Emulator {
	e := &Emulator{cfg: cfg, users: map[string]*user{}, logins: map[string]string{}, groups: map[string]*group{}, domain: "demo.jml.test"}
	e.Server = emulator.New(e)
	e.mu.Lock()
	g := e.newGroupLocked("Everyone", "All users in your organization", "BUILT_IN", time.Now())
	e.everyID = g.ID
	e.mu.Unlock()
	return e
}

// Family names the endpoint family of a request, for counts and limits.
// Okta meters per endpoint; these are the buckets jml cares about.
func (e *Emulator) Family(r *http.Request) string {
	p := strings.TrimPrefix(r.URL.Path, "/api/v1/")
	if p == r.URL.Path {
		return "other"
	}
	seg := strings.Split(p, "/")
	switch seg[0] {
	case "users":
		if len(seg) >= 3 {
			switch seg[2] {
			case "sessions":
				return "sessions"
			case "roles":
				return "roles"
			case "factors":
				return "factors"
			}
		}
		return "users"
	case "groups":
		return "groups"
	case "logs":
		return "logs"
	}
	return "other"
}

// common writes the headers Okta sends on every response.
func (e *Emulator) common(w http.ResponseWriter) {
	h := w.Header()
	if h.Get("X-Okta-Request-Id") == "" {
		h.Set("X-Okta-Request-Id", e.requestID())
	}
	h.Set("Date", time.Now().UTC().Format(http.TimeFormat))
	if h.Get("X-Rate-Limit-Limit") == "" {
		reset := time.Now().Truncate(time.Minute).Add(time.Minute)
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(defaultRateLimit))
		h.Set("X-Rate-Limit-Remaining", strconv.Itoa(defaultRateLimit-1))
		h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
	}
}

func (e *Emulator) requestID() string {
	n := e.reqSeq.Add(1)
	return "emu" + strconv.FormatUint(n, 36) + "-" + strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
}

// WriteRateHeaders implements emulator.RateHeaders: Okta's quota headers.
func (e *Emulator) WriteRateHeaders(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	h := w.Header()
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
}

func ceilUnix(t time.Time) int64 {
	s := t.Unix()
	if t.Nanosecond() > 0 {
		s++
	}
	return s
}

// Throttled writes Okta's 429: E0000047 with Date and X-Rate-Limit-Reset
// (epoch seconds), which the SDK subtracts to know how long to wait.
func (e *Emulator) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, reset time.Time) {
	h := w.Header()
	if h.Get("X-Rate-Limit-Limit") == "" {
		h.Set("X-Rate-Limit-Limit", strconv.Itoa(defaultRateLimit))
	}
	h.Set("X-Rate-Limit-Remaining", "0")
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(ceilUnix(reset), 10))
	e.writeError(w, http.StatusTooManyRequests, "E0000047", "API call exceeded rate limit due to too many requests.")
}

// Failed writes Okta's answer for an injected status.
func (e *Emulator) Failed(w http.ResponseWriter, r *http.Request, status int) {
	switch status {
	case http.StatusBadRequest:
		e.writeError(w, status, "E0000001", "Api validation failed: request")
	case http.StatusUnauthorized:
		e.writeError(w, status, "E0000011", "Invalid token provided")
	case http.StatusForbidden:
		e.writeError(w, status, "E0000006", "You do not have permission to perform the requested action")
	case http.StatusNotFound:
		e.writeError(w, status, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	case http.StatusServiceUnavailable:
		e.writeError(w, status, "E0000010", "Service is in read only mode")
	default:
		e.writeError(w, status, "E0000009", "Internal Server Error")
	}
}

// Authorized checks "Authorization: SSWS <token>".
func (e *Emulator) Authorized(w http.ResponseWriter, r *http.Request) bool {
	e.common(w)
	a := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(a, "SSWS ")
	if ok && tok != "" && (e.cfg.Token == "" || tok == e.cfg.Token) {
		return true
	}
	e.writeError(w, http.StatusUnauthorized, "E0000011", "Invalid token provided")
	return false
}

// errorBody is Okta's error shape.
type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func (e *Emulator) writeError(w http.ResponseWriter, status int, code, summary string, causes ...string) {
	e.common(w)
	b := errorBody{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + randHex(10), ErrorCauses: []errorCause{}}
	for _, c := range causes {
		b.ErrorCauses = append(b.ErrorCauses, errorCause{ErrorSummary: c})
	}
	writeJSON(w, status, b)
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// ServeAPI routes an authorised request.
func (e *Emulator) ServeAPI(w http.ResponseWriter, r *http.Request) {
	if cid, ok := strings.CutPrefix(r.URL.Path, "/oauth2/v1/clients/"); ok {
		e.routeClients(w, r, strings.Split(strings.TrimSuffix(cid, "/"), "/"))
		return
	}
	raw, ok := strings.CutPrefix(r.URL.EscapedPath(), "/api/v1/")
	if !ok {
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
		return
	}
	seg := strings.Split(strings.TrimSuffix(raw, "/"), "/")
	for i, s := range seg {
		if u, err := url.PathUnescape(s); err == nil {
			seg[i] = u
		}
	}
	switch seg[0] {
	case "users":
		e.routeUsers(w, r, seg[1:])
	case "groups":
		e.routeGroups(w, r, seg[1:])
	case "apps":
		if len(seg) == 1 && r.Method == http.MethodGet {
			e.listApps(w, r) // the API service apps the sweep looks for (roleholders.go)
			return
		}
		e.routeApps(w, r, seg[1:])
	case "policies":
		e.routePolicies(w, r, seg[1:])
	case "logs":
		if len(seg) == 1 && r.Method == http.MethodGet {
			e.listLogs(w, r)
			return
		}
		e.methodNotAllowed(w)
	case "iam":
		if len(seg) == 3 && seg[1] == "assignees" && seg[2] == "users" && r.Method == http.MethodGet {
			e.listRoleAssignees(w, r)
			return
		}
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	default:
		e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+r.URL.Path)
	}
}

func (e *Emulator) methodNotAllowed(w http.ResponseWriter) {
	e.writeError(w, http.StatusMethodNotAllowed, "E0000022", "The endpoint does not support the provided HTTP method")
}

func (e *Emulator) badBody(w http.ResponseWriter) {
	e.writeError(w, http.StatusBadRequest, "E0000003", "The request body was not well-formed.")
}

func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	return dec.Decode(v)
}

// Snapshot is GET /__admin/state: users, groups and the log size.
func (e *Emulator) Snapshot() any {
	e.mu.RLock()
	defer e.mu.RUnlock()
	type us struct {
		ID     string   `json:"id"`
		Login  string   `json:"login"`
		Status string   `json:"status"`
		Groups []string `json:"groups"`
		Roles  []string `json:"roles"`
	}
	out := struct {
		Users  []us           `json:"users"`
		Groups map[string]int `json:"groups"`
		Events int            `json:"events"`
	}{Groups: map[string]int{}, Events: len(e.events)}
	for _, u := range e.sortedUsersLocked() {
		s := us{ID: u.ID, Login: u.login(), Status: u.Status, Groups: e.groupNamesLocked(u), Roles: []string{}}
		for _, ro := range u.Roles {
			s.Roles = append(s.Roles, ro.Type)
		}
		out.Users = append(out.Users, s)
	}
	for _, g := range e.groups {
		out.Groups[g.Name] = len(g.Members)
	}
	return out
}

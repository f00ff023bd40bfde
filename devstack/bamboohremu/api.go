package bamboohremu

import (
	"crypto/subtle"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// ---- emulator.API ----

// route strips the API prefix: /api/v1/... or the older
// /api/gateway.php/{companyDomain}/v1/...
func route(p string) (string, bool) {
	if rest, ok := strings.CutPrefix(p, "/api/v1/"); ok {
		return rest, true
	}
	if rest, ok := strings.CutPrefix(p, "/api/gateway.php/"); ok {
		if _, after, ok := strings.Cut(rest, "/v1/"); ok {
			return after, true
		}
	}
	return "", false
}

func (a *api) Family(r *http.Request) string {
	rest, ok := route(r.URL.Path)
	switch {
	case !ok:
		return "other"
	case rest == "employees/directory":
		return "directory"
	case strings.HasPrefix(rest, "employees/"):
		return "employees"
	case strings.HasPrefix(rest, "reports/"):
		return "reports"
	}
	return "other"
}

// Throttled answers as BambooHR documents its rate limiting: 503 with
// Retry-After (so the frame's 429 counter does not count these).
func (a *api) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, _ time.Time) {
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter))
	fail(w, http.StatusServiceUnavailable, "Rate limit exceeded")
}

func (a *api) Failed(w http.ResponseWriter, r *http.Request, status int) {
	fail(w, status, http.StatusText(status))
}

// fail answers like BambooHR: the reason in X-BambooHR-Error-Message, no body.
func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("X-BambooHR-Error-Message", msg)
	w.WriteHeader(status)
}

func (a *api) Authorized(w http.ResponseWriter, r *http.Request) bool {
	user, pass, ok := r.BasicAuth()
	a.mu.RLock()
	key := a.cfg.APIKey
	a.mu.RUnlock()
	if !ok || subtle.ConstantTimeCompare([]byte(user), []byte(key)) != 1 || pass != "x" {
		w.Header().Set("WWW-Authenticate", `Basic realm="BambooHR API"`)
		fail(w, http.StatusUnauthorized, "Invalid API key")
		return false
	}
	return true
}

func (a *api) Snapshot() any {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]map[string]string, 0, len(a.order))
	for _, id := range a.order {
		m := a.latest(a.emps[id])
		m["id"] = id
		out = append(out, m)
	}
	return map[string]any{"employees": out, "webhooks": a.sent}
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		fail(w, http.StatusInternalServerError, "encode")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func (a *api) ServeAPI(w http.ResponseWriter, r *http.Request) {
	rest, ok := route(r.URL.Path)
	if !ok {
		fail(w, http.StatusNotFound, "Not found")
		return
	}
	switch {
	case rest == "employees/directory" && r.Method == http.MethodGet:
		a.directory(w)
	case strings.HasPrefix(rest, "employees/") && r.Method == http.MethodGet && !strings.Contains(rest[len("employees/"):], "/"):
		a.employee(w, r, rest[len("employees/"):])
	case rest == "reports/custom" && r.Method == http.MethodPost:
		a.report(w, r)
	default:
		fail(w, http.StatusNotFound, "Not found")
	}
}

// onlyCurrent reads the query parameter: BambooHR hides future-dated
// values unless it is false.
func onlyCurrent(r *http.Request) bool {
	v := strings.ToLower(r.URL.Query().Get("onlyCurrent"))
	return v != "false" && v != "0"
}

func (a *api) render(emp *employee, fields []string, onlyCurrent bool) map[string]any {
	m := make(map[string]any, len(fields)+1)
	m["id"] = emp.id
	for _, f := range fields {
		if f == "id" {
			continue
		}
		_, ok := emp.f[f]
		v := a.value(emp, f, onlyCurrent)
		if !ok || v == "" {
			m[f] = nil
			continue
		}
		m[f] = v
	}
	return m
}

func (a *api) employee(w http.ResponseWriter, r *http.Request, id string) {
	fields := []string{"firstName", "lastName"}
	if f := r.URL.Query().Get("fields"); f != "" {
		fields = strings.Split(f, ",")
		for i := range fields {
			fields[i] = strings.TrimSpace(fields[i])
		}
	}
	a.mu.RLock()
	emp, ok := a.emps[id]
	if id == "0" { // BambooHR's alias for the API key's own employee; the key here belongs to nobody
		ok = false
	}
	var out map[string]any
	if ok {
		out = a.render(emp, fields, onlyCurrent(r))
	}
	a.mu.RUnlock()
	if !ok {
		fail(w, http.StatusNotFound, "Employee not found")
		return
	}
	writeJSON(w, out)
}

var directoryFields = []string{"displayName", "firstName", "lastName", "preferredName", "jobTitle", "workEmail", "department", "location", "division", "supervisor"}

func fieldDefs(names []string) []map[string]string {
	out := make([]map[string]string, 0, len(names))
	for _, n := range names {
		typ := "text"
		switch {
		case strings.HasSuffix(n, "Date"):
			typ = "date"
		case n == "workEmail":
			typ = "email"
		case n == "supervisorEId":
			typ = "int"
		case n == "department", n == "location", n == "division", n == "jobTitle", n == "status", n == "employmentHistoryStatus":
			typ = "list"
		}
		out = append(out, map[string]string{"id": n, "type": typ, "name": n})
	}
	return out
}

// directory lists current (Active) employees only, like BambooHR's.
func (a *api) directory(w http.ResponseWriter) {
	a.mu.RLock()
	emps := make([]any, 0, len(a.order))
	for _, id := range a.order {
		emp := a.emps[id]
		if emp.f["status"] != "Active" {
			continue
		}
		m := a.render(emp, directoryFields, true)
		m["photoUploaded"] = false
		m["canUploadPhoto"] = 0
		emps = append(emps, m)
	}
	a.mu.RUnlock()
	writeJSON(w, map[string]any{"fields": fieldDefs(directoryFields), "employees": emps})
}

type reportReq struct {
	Title   string   `json:"title"`
	Fields  []string `json:"fields"`
	Filters struct {
		LastChanged *struct {
			IncludeNull string `json:"includeNull"`
			Value       string `json:"value"`
		} `json:"lastChanged"`
	} `json:"filters"`
}

// report is POST /reports/custom?format=JSON: every employee (active and
// inactive), optionally only those changed since filters.lastChanged.value;
// future-dated values only with onlyCurrent=false.
func (a *api) report(w http.ResponseWriter, r *http.Request) {
	if f := r.URL.Query().Get("format"); !strings.EqualFold(f, "JSON") {
		fail(w, http.StatusBadRequest, "the emulator supports format=JSON only")
		return
	}
	var req reportReq
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, &req)
	}
	if err != nil {
		fail(w, http.StatusBadRequest, "Malformed report request")
		return
	}
	if len(req.Fields) == 0 {
		fail(w, http.StatusBadRequest, "fields is required")
		return
	}
	var since time.Time
	if lc := req.Filters.LastChanged; lc != nil && lc.Value != "" {
		if since, err = time.Parse(time.RFC3339, lc.Value); err != nil {
			fail(w, http.StatusBadRequest, "lastChanged value must be ISO 8601")
			return
		}
	}
	current := onlyCurrent(r)
	a.mu.RLock()
	emps := make([]any, 0, len(a.order))
	for _, id := range a.order {
		emp := a.emps[id]
		if !since.IsZero() && emp.lastChanged.Before(since) {
			continue
		}
		emps = append(emps, a.render(emp, req.Fields, current))
	}
	a.mu.RUnlock()
	title := req.Title
	if title == "" {
		title = "Custom report"
	}
	writeJSON(w, map[string]any{"title": title, "fields": fieldDefs(req.Fields), "employees": emps})
}

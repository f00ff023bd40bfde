// Package bamboohremu emulates the parts of the BambooHR API jml reads: one
// employee by id with a field list, the employee directory, and a custom
// report of every employee; plus the event-based webhooks BambooHR sends when
// an employee is created, updated or deleted, signed with the webhook's
// private key. Tests change HR state with Hire, Update, Terminate and Delete,
// which also deliver the webhook.
package bamboohremu

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
)

// NoDate is how BambooHR renders an empty date field.
const NoDate = "0000-00-00"

// Config configures the emulator.
type Config struct {
	APIKey     string // Basic-auth username; password must be "x". Default "bamboo-api-key".
	CompanyID  string // sent in webhook payloads; default "81234"
	WebhookURL string // where employee events are POSTed; empty sends none
	WebhookKey string // the webhook's private key (HMAC-SHA256)
	// Now is the emulator's clock (webhook timestamps, lastChanged); default time.Now.
	Now        func() time.Time
	HTTPClient *http.Client // for webhook deliveries
}

// Fields lists the employee fields the emulator knows, in BambooHR's names.
var Fields = []string{"firstName", "lastName", "displayName", "preferredName", "workEmail", "department", "jobTitle", "location",
	"division", "country", "employmentHistoryStatus", "status", "supervisorEId", "supervisor", "hireDate", "terminationDate", "employeeNumber"}

// Delivery is one webhook sent.
type Delivery struct {
	Type       string   `json:"type"`
	EmployeeID string   `json:"employeeId"`
	Changed    []string `json:"changedFields"`
	Status     int      `json:"status"` // receiver's HTTP status, 0 when it could not be reached
	Error      string   `json:"error,omitempty"`
	Body       []byte   `json:"-"`
	Timestamp  string   `json:"-"` // the X-BambooHR-Timestamp header
	Signature  string   `json:"-"`
}

type employee struct {
	id          string
	f           map[string]string
	lastChanged time.Time
}

// Emulator is the BambooHR emulator.
type Emulator struct {
	*emulator.Server
	api *api
}

type api struct {
	cfg Config

	mu     sync.RWMutex
	emps   map[string]*employee
	order  []string
	byNum  map[string]string // employeeNumber → id
	nextID int
	sent   []Delivery
}

// New builds an emulator; Seed loads an organisation.
func New(cfg Config) *Emulator {
	if cfg.APIKey == "" {
		cfg.APIKey = "bamboo-api-key"
	}
	if cfg.CompanyID == "" {
		cfg.CompanyID = "81234"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	a := &api{cfg: cfg, emps: map[string]*employee{}, byNum: map[string]string{}, nextID: 100}
	return &Emulator{Server: emulator.New(a), api: a}
}

// APIKey is the key clients must send.
func (e *Emulator) APIKey() string { return e.api.cfg.APIKey }

// CompanyID is the company id in webhook payloads.
func (e *Emulator) CompanyID() string { return e.api.cfg.CompanyID }

// SetWebhook points webhook deliveries at url, signed with key.
func (e *Emulator) SetWebhook(url, key string) {
	e.api.mu.Lock()
	e.api.cfg.WebhookURL, e.api.cfg.WebhookKey = url, key
	e.api.mu.Unlock()
}

// Seed loads the organisation: employees as active, joiners as active with
// a future hire date (BambooHR has no "pending" status). Ids are BambooHR's
// own numbers; employeeNumber carries the demo's employee id.
func (e *Emulator) Seed(org demoorg.Org) {
	a := e.api
	a.mu.Lock()
	defer a.mu.Unlock()
	recs := make([]domain.HRRecord, 0, len(org.Employees)+len(org.Joiners))
	for _, emp := range org.Employees {
		recs = append(recs, emp.Record)
	}
	recs = append(recs, org.Joiners...)
	for _, r := range recs {
		if _, ok := a.byNum[r.EmployeeID]; !ok {
			a.add(r)
		}
	}
	// supervisors are BambooHR ids, resolvable only once everyone exists
	for _, r := range recs {
		a.setSupervisor(a.emps[a.byNum[r.EmployeeID]], r.ManagerEmployeeID)
	}
}

func (a *api) add(r domain.HRRecord) *employee {
	a.nextID++
	id := strconv.Itoa(a.nextID)
	emp := &employee{id: id, f: fieldsOf(r), lastChanged: a.cfg.Now().UTC()}
	a.emps[id] = emp
	a.order = append(a.order, id)
	if r.EmployeeID != "" {
		a.byNum[r.EmployeeID] = id
	}
	return emp
}

func (a *api) setSupervisor(emp *employee, managerNumber string) {
	emp.f["supervisorEId"] = ""
	if managerNumber != "" {
		emp.f["supervisorEId"] = a.byNum[managerNumber]
	}
	emp.f["supervisor"] = a.supervisorName(emp.f["supervisorEId"])
}

// supervisorName is the "Last, First" BambooHR derives from supervisorEId
// (empty when that id is nobody).
func (a *api) supervisorName(mid string) string {
	if m := a.emps[mid]; m != nil && mid != "" {
		return m.f["lastName"] + ", " + m.f["firstName"]
	}
	return ""
}

func fieldsOf(r domain.HRRecord) map[string]string {
	ehs := map[string]string{"full_time": "Full-Time", "part_time": "Part-Time", "contractor": "Contractor", "intern": "Intern"}[r.EmploymentType]
	if ehs == "" {
		ehs = "Full-Time"
	}
	status := "Active"
	term := NoDate
	if r.Status == domain.HRTerminated {
		status, ehs, term = "Inactive", "Terminated", r.TerminationDate
	}
	if r.Status == domain.HROnLeave {
		ehs = "Leave of Absence"
	}
	hire := r.StartDate
	if hire == "" {
		hire = NoDate
	}
	return map[string]string{
		"firstName": r.GivenName, "lastName": r.FamilyName, "displayName": r.Name(), "preferredName": "",
		"workEmail": r.Email, "department": r.Department, "jobTitle": r.Title, "location": r.Location,
		"division": r.CostCenter, "country": r.Country, "employmentHistoryStatus": ehs, "status": status,
		"hireDate": hire, "terminationDate": term, "employeeNumber": r.EmployeeID,
	}
}

// ID returns the BambooHR id of the employee with that employee number.
func (e *Emulator) ID(employeeNumber string) (string, bool) {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	id, ok := e.api.byNum[employeeNumber]
	return id, ok
}

// Employee returns a copy of an employee's fields.
func (e *Emulator) Employee(id string) (map[string]string, bool) {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	emp, ok := e.api.emps[id]
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(emp.f))
	for k, v := range emp.f {
		out[k] = v
	}
	return out, true
}

// Deliveries returns the webhooks sent so far.
func (e *Emulator) Deliveries() []Delivery {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	return slices.Clone(e.api.sent)
}

// Hire adds an employee and sends employee.created followed by
// employee.updated, as BambooHR does. It returns the new BambooHR id.
func (e *Emulator) Hire(r domain.HRRecord) (string, error) {
	a := e.api
	a.mu.Lock()
	if _, dup := a.byNum[r.EmployeeID]; dup && r.EmployeeID != "" {
		a.mu.Unlock()
		return "", fmt.Errorf("employee number %s already exists", r.EmployeeID)
	}
	emp := a.add(r)
	a.setSupervisor(emp, r.ManagerEmployeeID)
	id := emp.id
	changed := make([]string, 0, len(emp.f))
	for k, v := range emp.f {
		if v != "" && v != NoDate {
			changed = append(changed, k)
		}
	}
	a.mu.Unlock()
	sort.Strings(changed)
	if err := e.send("employee.created", id, nil); err != nil {
		return id, err
	}
	return id, e.send("employee.updated", id, changed)
}

// Update changes fields (BambooHR names; "supervisorEId" takes a BambooHR
// id) and sends employee.updated naming the fields that changed.
func (e *Emulator) Update(id string, fields map[string]string) error {
	a := e.api
	a.mu.Lock()
	emp, ok := a.emps[id]
	if !ok {
		a.mu.Unlock()
		return fmt.Errorf("no employee %s", id)
	}
	for k := range fields {
		if !slices.Contains(Fields, k) {
			a.mu.Unlock()
			return fmt.Errorf("unknown field %q", k)
		}
	}
	if n, ok := fields["employeeNumber"]; ok && n != emp.f["employeeNumber"] {
		if old := emp.f["employeeNumber"]; a.byNum[old] == id {
			delete(a.byNum, old)
		}
		if n != "" {
			a.byNum[n] = id
		}
	}
	var changed []string
	for k, v := range fields {
		if emp.f[k] != v {
			changed = append(changed, k)
			emp.f[k] = v
		}
	}
	if sup, ok := fields["supervisorEId"]; ok {
		emp.f["supervisor"] = a.supervisorName(sup)
	}
	emp.lastChanged = a.cfg.Now().UTC()
	a.mu.Unlock()
	if len(changed) == 0 {
		return nil
	}
	sort.Strings(changed)
	return e.send("employee.updated", id, changed)
}

// Terminate ends employment on date (YYYY-MM-DD). BambooHR flips status to
// Inactive when the termination is entered, even for a future date.
func (e *Emulator) Terminate(id, date string) error {
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		return fmt.Errorf("termination date %q is not YYYY-MM-DD", date)
	}
	return e.Update(id, map[string]string{"status": "Inactive", "employmentHistoryStatus": "Terminated", "terminationDate": date})
}

// Delete removes an employee and sends employee.deleted.
func (e *Emulator) Delete(id string) error {
	a := e.api
	a.mu.Lock()
	emp, ok := a.emps[id]
	if !ok {
		a.mu.Unlock()
		return fmt.Errorf("no employee %s", id)
	}
	delete(a.emps, id)
	delete(a.byNum, emp.f["employeeNumber"])
	a.order = slices.DeleteFunc(a.order, func(x string) bool { return x == id })
	a.mu.Unlock()
	return e.send("employee.deleted", id, nil)
}

// Sign computes X-BambooHR-Signature: hex HMAC-SHA256(key, body ‖ timestamp).
func Sign(key string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write(body)
	m.Write([]byte(timestamp))
	return hex.EncodeToString(m.Sum(nil))
}

// send delivers one signed event-based webhook (synchronously, so a test
// knows it has arrived when the mutator returns).
func (e *Emulator) send(typ, id string, changed []string) error {
	a := e.api
	a.mu.RLock()
	url, key, company := a.cfg.WebhookURL, a.cfg.WebhookKey, a.cfg.CompanyID
	a.mu.RUnlock()
	if url == "" {
		return nil
	}
	if changed == nil {
		changed = []string{}
	}
	now := a.cfg.Now().UTC()
	body, _ := json.Marshal(map[string]any{
		"type":      typ,
		"timestamp": now.Format("2006-01-02T15:04:05-0700"),
		"data":      map[string]any{"companyId": company, "employeeId": id, "changedFields": changed},
	})
	ts := strconv.FormatInt(now.Unix(), 10)
	d := Delivery{Type: typ, EmployeeID: id, Changed: changed, Body: body, Timestamp: ts, Signature: Sign(key, body, ts)}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "BambooHR-Webhooks (jml emulator)")
		req.Header.Set("X-BambooHR-Timestamp", ts)
		req.Header.Set("X-BambooHR-Signature", d.Signature)
		var resp *http.Response
		if resp, err = a.cfg.HTTPClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			d.Status = resp.StatusCode
			if resp.StatusCode >= 300 {
				err = fmt.Errorf("webhook %s for employee %s: receiver answered %d", typ, id, resp.StatusCode)
			}
		}
	}
	if err != nil {
		d.Error = err.Error()
	}
	a.mu.Lock()
	a.sent = append(a.sent, d)
	a.mu.Unlock()
	return err
}

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
		m := map[string]string{"id": id}
		for k, v := range a.emps[id].f {
			m[k] = v
		}
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

func (a *api) render(emp *employee, fields []string) map[string]any {
	m := make(map[string]any, len(fields)+1)
	m["id"] = emp.id
	for _, f := range fields {
		if f == "id" {
			continue
		}
		v, ok := emp.f[f]
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
		out = a.render(emp, fields)
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
		m := a.render(emp, directoryFields)
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
// inactive), optionally only those changed since filters.lastChanged.value.
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
	a.mu.RLock()
	emps := make([]any, 0, len(a.order))
	for _, id := range a.order {
		emp := a.emps[id]
		if !since.IsZero() && emp.lastChanged.Before(since) {
			continue
		}
		emps = append(emps, a.render(emp, req.Fields))
	}
	a.mu.RUnlock()
	title := req.Title
	if title == "" {
		title = "Custom report"
	}
	writeJSON(w, map[string]any{"title": title, "fields": fieldDefs(req.Fields), "employees": emps})
}

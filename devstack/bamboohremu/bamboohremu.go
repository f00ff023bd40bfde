// Package bamboohremu emulates the parts of the BambooHR API jml reads: one
// employee by id with a field list, the employee directory, and a custom
// report of every employee; plus the event-based webhooks BambooHR sends when
// an employee is created, updated or deleted, signed with the webhook's
// private key. Tests change HR state with Hire, Update, Terminate and Delete,
// which also deliver the webhook.
package bamboohremu

import (
	"net/http"
	"strconv"
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
	f           map[string]string // values in effect now
	future      map[string]dated  // future-dated values of table fields
	lastChanged time.Time
}

// dated is a value that takes effect on a date (YYYY-MM-DD).
type dated struct{ value, effective string }

// TableFields are the fields BambooHR keeps as effective-dated history
// (job information, employment status). A value dated after today is
// hidden from the API unless the request says onlyCurrent=false.
var TableFields = []string{"department", "jobTitle", "location", "division", "supervisorEId", "employmentHistoryStatus"}

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
	emp := &employee{id: id, f: fieldsOf(r), future: map[string]dated{}, lastChanged: a.cfg.Now().UTC()}
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
	a.datePreHire(emp)
}

// datePreHire makes a future hire's job information effective on the hire
// date, as BambooHR records it: until then the API shows none of it unless
// asked for future-dated values.
func (a *api) datePreHire(emp *employee) {
	hire := emp.f["hireDate"]
	if hire == "" || hire == NoDate || hire <= a.today() {
		return
	}
	for _, k := range TableFields {
		if v := emp.f[k]; v != "" {
			emp.future[k] = dated{value: v, effective: hire}
			emp.f[k] = ""
		}
	}
	emp.f["supervisor"] = ""
}

func (a *api) today() string { return a.cfg.Now().UTC().Format(time.DateOnly) }

// value is a field as the API shows it: a future-dated value once its date
// has come, or at once when onlyCurrent is false.
func (a *api) value(emp *employee, field string, onlyCurrent bool) string {
	if field == "supervisor" {
		return a.supervisorName(a.value(emp, "supervisorEId", onlyCurrent))
	}
	if d, ok := emp.future[field]; ok && (!onlyCurrent || d.effective <= a.today()) {
		return d.value
	}
	return emp.f[field]
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

// Employee returns a copy of an employee's fields, future-dated values
// included (what HR has entered, whenever it takes effect).
func (e *Emulator) Employee(id string) (map[string]string, bool) {
	e.api.mu.RLock()
	defer e.api.mu.RUnlock()
	emp, ok := e.api.emps[id]
	if !ok {
		return nil, false
	}
	return e.api.latest(emp), true
}

func (a *api) latest(emp *employee) map[string]string {
	out := make(map[string]string, len(emp.f))
	for k := range emp.f {
		out[k] = a.value(emp, k, false)
	}
	return out
}

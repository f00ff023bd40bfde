// Package bamboohr reads employees from the BambooHR API into domain.HRRecord and
// verifies and parses BambooHR's event-based webhooks. Field names are
// configurable because every BambooHR tenant customises them.
package bamboohr

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// System names BambooHR in errors and records.
const System = "bamboohr"

// noDate is BambooHR's rendering of an empty date.
const noDate = "0000-00-00"

// FieldMap names the BambooHR field behind each record field. "id" means
// BambooHR's own employee id. An empty name leaves the record field unset.
type FieldMap struct {
	EmployeeID       string `yaml:"employee_id"`
	Email            string `yaml:"email"`
	GivenName        string `yaml:"given_name"`
	FamilyName       string `yaml:"family_name"`
	DisplayName      string `yaml:"display_name"`
	Department       string `yaml:"department"`
	Title            string `yaml:"title"`
	Location         string `yaml:"location"`
	Country          string `yaml:"country"`
	CostCenter       string `yaml:"cost_center"`
	Status           string `yaml:"status"`            // Active / Inactive
	EmploymentStatus string `yaml:"employment_status"` // Full-Time, Part-Time, Contractor, Intern, Leave of Absence, Terminated
	Manager          string `yaml:"manager"`           // the supervisor's BambooHR id
	HireDate         string `yaml:"hire_date"`
	TerminationDate  string `yaml:"termination_date"`
}

// DefaultFields is BambooHR's standard naming. Cost centre defaults to
// Division, where most tenants keep it.
func DefaultFields() FieldMap {
	return FieldMap{
		EmployeeID: "employeeNumber", Email: "workEmail", GivenName: "firstName", FamilyName: "lastName",
		DisplayName: "displayName", Department: "department", Title: "jobTitle", Location: "location",
		Country: "country", CostCenter: "division", Status: "status", EmploymentStatus: "employmentHistoryStatus",
		Manager: "supervisorEId", HireDate: "hireDate", TerminationDate: "terminationDate",
	}
}

func (m FieldMap) withDefaults() FieldMap {
	d := DefaultFields()
	fill := func(dst *string, def string) {
		if *dst == "" {
			*dst = def
		}
	}
	fill(&m.EmployeeID, d.EmployeeID)
	fill(&m.Email, d.Email)
	fill(&m.GivenName, d.GivenName)
	fill(&m.FamilyName, d.FamilyName)
	fill(&m.DisplayName, d.DisplayName)
	fill(&m.Department, d.Department)
	fill(&m.Title, d.Title)
	fill(&m.Location, d.Location)
	fill(&m.Country, d.Country)
	fill(&m.CostCenter, d.CostCenter)
	fill(&m.Status, d.Status)
	fill(&m.EmploymentStatus, d.EmploymentStatus)
	fill(&m.Manager, d.Manager)
	fill(&m.HireDate, d.HireDate)
	fill(&m.TerminationDate, d.TerminationDate)
	return m
}

func (m FieldMap) names() []string {
	var out []string
	for _, f := range []string{m.EmployeeID, m.Email, m.GivenName, m.FamilyName, m.DisplayName, m.Department, m.Title, m.Location,
		m.Country, m.CostCenter, m.Status, m.EmploymentStatus, m.Manager, m.HireDate, m.TerminationDate} {
		if f != "" && f != "id" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

// Options configures the client.
type Options struct {
	// BaseURL is the company's API host, e.g. https://acme.bamboohr.com;
	// the client adds /api/v1.
	BaseURL    string
	APIKey     string
	HTTPClient *http.Client
	Fields     FieldMap // unset names take DefaultFields
	// Location is the company's time zone for "today" when deciding whether
	// a hire or termination date has come (default UTC).
	Location    *time.Location
	Now         func() time.Time
	MaxAttempts int // for throttled/5xx answers; default 4
}

// Client is a BambooHR API client.
type Client struct {
	base, key string
	hc        *http.Client
	fields    FieldMap
	loc       *time.Location
	now       func() time.Time
	attempts  int

	mu      sync.Mutex
	numbers map[string]string // BambooHR id → employee number, for managers
}

// New builds a client; it does no I/O.
func New(opts Options) (*Client, error) {
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("bamboohr: base URL %q is not an http(s) URL", opts.BaseURL)
	}
	if opts.APIKey == "" {
		return nil, errors.New("bamboohr: API key is required")
	}
	c := &Client{base: strings.TrimRight(opts.BaseURL, "/") + "/api/v1", key: opts.APIKey, hc: opts.HTTPClient,
		fields: opts.Fields.withDefaults(), loc: opts.Location, now: opts.Now, attempts: opts.MaxAttempts, numbers: map[string]string{}}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.attempts <= 0 {
		c.attempts = 4
	}
	return c, nil
}

// classify maps a BambooHR answer to the one error type (nil on 2xx).
// BambooHR signals rate limiting with 503 + Retry-After (and some
// gateways with 429); the reason is in X-BambooHR-Error-Message.
func classify(op string, status int, h http.Header, now time.Time) error {
	if status >= 200 && status < 300 {
		return nil
	}
	msg := h.Get("X-BambooHR-Error-Message")
	if msg == "" {
		msg = http.StatusText(status)
	}
	e := &directory.Error{System: System, Op: op, Status: status, Message: msg, RetryAfter: directory.RetryAfter(h, now)}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable && e.RetryAfter > 0:
		e.Kind = directory.KindThrottled
		if e.RetryAfter <= 0 {
			e.RetryAfter = time.Second
		}
	case status >= 500:
		e.Kind = directory.KindTransient
	case status == http.StatusNotFound:
		e.Kind = directory.KindNotFound
	default:
		e.Kind = directory.KindPermanent
	}
	return e
}

// do sends a read-only request (GET, or the report POST, which changes
// nothing), retrying throttled and transient answers.
func (c *Client) do(ctx context.Context, op, method, path string, body []byte, out any) error {
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			d := 250 * time.Millisecond << (attempt - 1)
			var de *directory.Error
			if errors.As(err, &de) && de.RetryAfter > 0 {
				d = de.RetryAfter
			}
			if err := directory.Sleep(ctx, min(d, time.Minute)); err != nil {
				return err
			}
		}
		err = c.once(ctx, op, method, path, body, out)
		var de *directory.Error
		if err == nil || !errors.As(err, &de) || (de.Kind != directory.KindThrottled && de.Kind != directory.KindTransient) {
			return err
		}
	}
	return err
}

func (c *Client) once(ctx context.Context, op, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "build request: " + err.Error()}
	}
	req.SetBasicAuth(c.key, "x") // BambooHR: API key as user name, any password
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Message: strings.ReplaceAll(err.Error(), c.key, "[redacted]")}
	}
	defer resp.Body.Close()
	if err := classify(op, resp.StatusCode, resp.Header, c.now()); err != nil {
		return err
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Message: "read response: " + err.Error()}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Status: resp.StatusCode,
			Message: "response is not JSON (is the Accept header honoured?): " + err.Error()}
	}
	return nil
}

// fields is one employee as BambooHR returns it: values are strings or null
// (numbers tolerated).
type fields map[string]any

func (f fields) get(name string) string {
	if name == "" {
		return ""
	}
	switch v := f[name].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return fmt.Sprint(int64(v))
	}
	return ""
}

func date(s string) string {
	if s == noDate {
		return ""
	}
	return s
}

// BambooHR answers with the values in effect today unless asked for
// future-dated ones too (onlyCurrent=false). jml wants them only for someone
// who has not started: a joiner's department, title and supervisor are
// entered effective on the start date, and without them a pre-start joiner
// would match the wrong catalog rules. For everyone else the future values
// are a transfer not yet in effect: taking them would move access early, as
// no record carries a move's effective date. So the client reads current
// values, and reads again with future ones for those whose hire date is ahead.
func onlyCurrent(current bool) string { return strconv.FormatBool(current) }

// GetEmployee reads one employee by BambooHR id: the values in effect today,
// or, for someone who has not started, those of their first day.
func (c *Client) GetEmployee(ctx context.Context, id string) (domain.HRRecord, error) {
	if id == "" || strings.ContainsAny(id, "/?#") {
		return domain.HRRecord{}, &directory.Error{System: System, Op: "get_employee", Kind: directory.KindPermanent, Message: fmt.Sprintf("invalid employee id %q", id)}
	}
	f, err := c.employeeFields(ctx, id, true)
	if err != nil {
		return domain.HRRecord{}, err
	}
	rec := c.record(id, f)
	if rec.Status == domain.HRPending {
		if f, err = c.employeeFields(ctx, id, false); err != nil {
			return domain.HRRecord{}, err
		}
		rec = c.record(id, f)
	}
	if sup := f.get(c.fields.Manager); sup != "" && c.fields.EmployeeID != "id" {
		num, err := c.employeeNumber(ctx, sup)
		if err != nil && !directory.IsNotFound(err) {
			return domain.HRRecord{}, err
		}
		rec.ManagerEmployeeID = num
	}
	return rec, nil
}

func (c *Client) employeeFields(ctx context.Context, id string, current bool) (fields, error) {
	var f fields
	q := url.Values{"fields": {strings.Join(c.fields.names(), ",")}, "onlyCurrent": {onlyCurrent(current)}}
	err := c.do(ctx, "get_employee", http.MethodGet, "/employees/"+url.PathEscape(id)+"?"+q.Encode(), nil, &f)
	return f, err
}

// employeeNumber resolves a supervisor's BambooHR id to their employee id.
func (c *Client) employeeNumber(ctx context.Context, id string) (string, error) {
	c.mu.Lock()
	num, ok := c.numbers[id]
	c.mu.Unlock()
	if ok {
		return num, nil
	}
	var f fields
	q := url.Values{"fields": {c.fields.EmployeeID}, "onlyCurrent": {onlyCurrent(false)}}
	if err := c.do(ctx, "get_employee", http.MethodGet, "/employees/"+url.PathEscape(id)+"?"+q.Encode(), nil, &f); err != nil {
		return "", err
	}
	num = f.get(c.fields.EmployeeID)
	c.mu.Lock()
	c.numbers[id] = num
	c.mu.Unlock()
	return num, nil
}

type report struct {
	Employees []fields `json:"employees"`
}

// ListEmployees reads every employee, current and former, with one custom
// report of today's values, and a second with future-dated values when
// someone has not started yet (their first day's values are taken, as in
// GetEmployee). since, when non-zero, limits it to employees changed since then.
func (c *Client) ListEmployees(ctx context.Context, since time.Time) ([]domain.HRRecord, error) {
	req := map[string]any{"title": "jml employees", "fields": append([]string{"id"}, c.fields.names()...)}
	if !since.IsZero() {
		req["filters"] = map[string]any{"lastChanged": map[string]string{"includeNull": "no", "value": since.UTC().Format(time.RFC3339)}}
	}
	body, _ := json.Marshal(req)
	var rep report
	if err := c.do(ctx, "list_employees", http.MethodPost, "/reports/custom?format=JSON&onlyCurrent="+onlyCurrent(true), body, &rep); err != nil {
		return nil, err
	}
	pending := map[string]bool{}
	for _, f := range rep.Employees {
		if c.record(f.get("id"), f).Status == domain.HRPending {
			pending[f.get("id")] = true
		}
	}
	if len(pending) > 0 {
		var future report
		if err := c.do(ctx, "list_employees", http.MethodPost, "/reports/custom?format=JSON&onlyCurrent="+onlyCurrent(false), body, &future); err != nil {
			return nil, err
		}
		byID := make(map[string]fields, len(pending))
		for _, f := range future.Employees {
			if pending[f.get("id")] {
				byID[f.get("id")] = f
			}
		}
		for i, f := range rep.Employees {
			if ff, ok := byID[f.get("id")]; ok {
				rep.Employees[i] = ff
			}
		}
	}
	nums := make(map[string]string, len(rep.Employees))
	for _, f := range rep.Employees {
		nums[f.get("id")] = c.idOf(f.get("id"), f)
	}
	out := make([]domain.HRRecord, 0, len(rep.Employees))
	for _, f := range rep.Employees {
		rec := c.record(f.get("id"), f)
		if sup := f.get(c.fields.Manager); sup != "" {
			if n, ok := nums[sup]; ok {
				rec.ManagerEmployeeID = n
			} else if n, err := c.employeeNumber(ctx, sup); err == nil { // manager outside a since-filtered report
				rec.ManagerEmployeeID = n
			}
		}
		out = append(out, rec)
	}
	return out, nil
}

func (c *Client) idOf(id string, f fields) string {
	if c.fields.EmployeeID == "id" {
		return id
	}
	return f.get(c.fields.EmployeeID)
}

// record maps BambooHR fields to the normalised record (manager left to
// the caller, who may need a lookup).
func (c *Client) record(id string, f fields) domain.HRRecord {
	m := c.fields
	r := domain.HRRecord{
		Source: System, SourceID: id, EmployeeID: c.idOf(id, f),
		Email: f.get(m.Email), GivenName: f.get(m.GivenName), FamilyName: f.get(m.FamilyName), DisplayName: f.get(m.DisplayName),
		Department: f.get(m.Department), Title: f.get(m.Title), Location: f.get(m.Location), Country: f.get(m.Country),
		CostCenter: f.get(m.CostCenter), StartDate: date(f.get(m.HireDate)), TerminationDate: date(f.get(m.TerminationDate)),
	}
	if m.Manager != "" && c.fields.EmployeeID == "id" {
		r.ManagerEmployeeID = f.get(m.Manager)
	}
	ehs := strings.ToLower(f.get(m.EmploymentStatus))
	switch {
	case strings.Contains(ehs, "full"):
		r.EmploymentType = "full_time"
	case strings.Contains(ehs, "part"):
		r.EmploymentType = "part_time"
	case strings.Contains(ehs, "contract"):
		r.EmploymentType = "contractor"
	case strings.Contains(ehs, "intern"):
		r.EmploymentType = "intern"
	}
	r.Status = c.status(strings.EqualFold(f.get(m.Status), "Inactive"), ehs, r.StartDate, r.TerminationDate)
	if r.Status == domain.HRTerminated && r.TerminationDate == "" {
		// Inactive with no date entered: HR ended it without saying when, so
		// treat it as effective the day we observed it.
		r.TerminationDate = c.now().In(c.loc).Format(time.DateOnly)
	}
	return r
}

// status derives the HR status. BambooHR marks a termination Inactive as
// soon as it is entered, even when future-dated; the termination date in
// the record carries when it takes effect.
func (c *Client) status(inactive bool, ehs, hire, term string) domain.HRStatus {
	today := c.now().In(c.loc).Format(time.DateOnly)
	switch {
	case inactive || ehs == "terminated":
		return domain.HRTerminated
	case term != "" && term < today:
		return domain.HRTerminated
	case hire != "" && hire > today:
		return domain.HRPending
	case strings.Contains(ehs, "leave"):
		return domain.HROnLeave
	}
	return domain.HRActive
}

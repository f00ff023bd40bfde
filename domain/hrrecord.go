// Package domain holds jml's pure types and rules: the HR record and its
// validation, the directory nouns (Person, Account, Outcome), the lifecycle
// vocabulary as named types and the role-catalog engine. It imports nothing
// of jml and no SDK, so every other package can depend on it.
package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// HRStatus is the HR employment status.
type HRStatus string

const (
	HRPending    HRStatus = "pending" // hired, not started yet
	HRActive     HRStatus = "active"
	HROnLeave    HRStatus = "on_leave"
	HRTerminated HRStatus = "terminated"
)

// HRRecord is one employee as HR states it. Dates are local calendar dates
// (YYYY-MM-DD) in the employee's time zone; TerminationEffectiveAt, when
// set, is an exact instant and wins over TerminationDate.
type HRRecord struct {
	Source                 string    `json:"source"`
	SourceID               string    `json:"source_id,omitempty"`
	EmployeeID             string    `json:"employee_id"`
	Email                  string    `json:"email"`
	GivenName              string    `json:"given_name"`
	FamilyName             string    `json:"family_name"`
	DisplayName            string    `json:"display_name,omitempty"`
	Department             string    `json:"department"`
	Title                  string    `json:"title"`
	Location               string    `json:"location,omitempty"`
	Country                string    `json:"country,omitempty"`
	Timezone               string    `json:"timezone,omitempty"`
	CostCenter             string    `json:"cost_center,omitempty"`
	EmploymentType         string    `json:"employment_type"` // full_time, part_time, contractor, intern
	ManagerEmployeeID      string    `json:"manager_employee_id,omitempty"`
	Status                 HRStatus  `json:"status"`
	StartDate              string    `json:"start_date,omitempty"`
	TerminationDate        string    `json:"termination_date,omitempty"`
	TerminationEffectiveAt time.Time `json:"termination_effective_at,omitzero"`
	UpdatedAt              time.Time `json:"source_updated_at,omitzero"`
	// Urgent: an operator marked this termination never to be held by
	// the mass-termination guard (hr.guard).
	Urgent bool `json:"urgent,omitempty"`
}

// FieldError names the record and the field that is wrong.
type FieldError struct {
	Record string // employee id, or the row/line where there is none
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("record %s: field %s: %s", e.Record, e.Field, e.Reason)
}

// Errors is every problem of one record.
type Errors []*FieldError

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// MaxFieldLen is the longest value, in characters, any text field of a
// record may hold (employee ids: 64). Longer values are refused, not
// truncated: they would reach every directory (a 10,000-character title did).
const MaxFieldLen = 256

// textFields lists the record's text fields by their JSON names.
func (r HRRecord) textFields() []struct{ name, v string } {
	return []struct{ name, v string }{
		{"source", r.Source}, {"source_id", r.SourceID}, {"employee_id", r.EmployeeID}, {"email", r.Email},
		{"given_name", r.GivenName}, {"family_name", r.FamilyName}, {"display_name", r.DisplayName},
		{"department", r.Department}, {"title", r.Title}, {"location", r.Location}, {"country", r.Country},
		{"timezone", r.Timezone}, {"cost_center", r.CostCenter}, {"employment_type", r.EmploymentType},
		{"manager_employee_id", r.ManagerEmployeeID}, {"status", string(r.Status)}, {"start_date", r.StartDate},
		{"termination_date", r.TerminationDate},
	}
}

// textProblem says what is wrong with a text value, "" when nothing: not
// UTF-8, too long, a control character (CR/LF/NUL/tab: they split log lines
// and CSV rows), or a bidirectional control (U+202E and kin reorder what a
// reader sees, e.g. in Slack or the UI). email also refuses every format
// character (zero-width and the like), since an address is matched byte
// for byte.
func textProblem(field, v string) string {
	if !utf8.ValidString(v) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(v); n > MaxFieldLen {
		return fmt.Sprintf("is %d characters long: at most %d", n, MaxFieldLen)
	}
	for i, c := range v {
		switch {
		case unicode.IsControl(c):
			return fmt.Sprintf("has a control character (%U) at byte %d", c, i)
		case unicode.Is(unicode.Bidi_Control, c):
			return fmt.Sprintf("has a bidirectional control character (%U) at byte %d", c, i)
		case field == "email" && (unicode.Is(unicode.Cf, c) || c > unicode.MaxASCII && unicode.IsSpace(c)):
			return fmt.Sprintf("has an invisible or format character (%U) at byte %d", c, i)
		}
	}
	return ""
}

// Validate checks the record and returns every problem at once (nil when
// valid). ref names the record when EmployeeID is empty (e.g. "line 7").
func (r HRRecord) Validate(ref string) error {
	id := r.EmployeeID
	if id == "" || textProblem("employee_id", id) != "" {
		id = ref // never echo an unprintable or huge id into an error
	}
	var es Errors
	add := func(field, reason string) { es = append(es, &FieldError{Record: id, Field: field, Reason: reason}) }
	bad := map[string]bool{}
	for _, f := range r.textFields() {
		if p := textProblem(f.name, f.v); p != "" {
			add(f.name, p)
			bad[f.name] = true
		}
	}
	// Past this point a field already refused is not looked at again (nor echoed).
	switch {
	case bad["employee_id"]:
	case r.EmployeeID == "":
		add("employee_id", "is required")
	case !validID(r.EmployeeID):
		add("employee_id", "must be letters, digits, '-' or '_' (at most 64)")
	}
	switch at := strings.IndexByte(r.Email, '@'); {
	case bad["email"]:
	case r.Email == "":
		add("email", "is required")
	case at < 1 || at == len(r.Email)-1 || strings.ContainsAny(r.Email, " ,;<>\""):
		add("email", "is not an email address")
	}
	if r.GivenName == "" {
		add("given_name", "is required")
	}
	if r.FamilyName == "" {
		add("family_name", "is required")
	}
	switch {
	case bad["status"]:
	case r.Status == "":
		add("status", "is required (pending, active, on_leave, terminated)")
	case !slices.Contains([]HRStatus{HRPending, HRActive, HROnLeave, HRTerminated}, r.Status):
		add("status", fmt.Sprintf("%q is not one of pending, active, on_leave, terminated", r.Status))
	}
	switch {
	case bad["employment_type"], slices.Contains([]string{"", "full_time", "part_time", "contractor", "intern"}, r.EmploymentType):
	default:
		add("employment_type", fmt.Sprintf("%q is not one of full_time, part_time, contractor, intern", r.EmploymentType))
	}
	for _, d := range []struct{ field, v string }{{"start_date", r.StartDate}, {"termination_date", r.TerminationDate}} {
		if d.v == "" || bad[d.field] {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			add(d.field, fmt.Sprintf("%q is not a date (YYYY-MM-DD)", d.v))
		}
	}
	if r.Timezone != "" && !bad["timezone"] {
		if _, err := time.LoadLocation(r.Timezone); err != nil {
			add("timezone", fmt.Sprintf("%q is not an IANA time zone", r.Timezone))
		}
	}
	if r.Status == HRTerminated && r.TerminationDate == "" && r.TerminationEffectiveAt.IsZero() {
		add("termination_date", "is required when status is terminated")
	}
	if r.ManagerEmployeeID != "" && r.ManagerEmployeeID == r.EmployeeID {
		add("manager_employee_id", "an employee cannot be their own manager")
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

// ValidEmployeeID reports whether s is usable as an employee id (and so in
// a workflow id): letters, digits, '-' or '_', at most 64.
func ValidEmployeeID(s string) bool { return s != "" && validID(s) }

func validID(s string) bool {
	if len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TimeZone returns the employee's time zone, UTC when unset.
func (r HRRecord) TimeZone() *time.Location {
	if r.Timezone != "" {
		if loc, err := time.LoadLocation(r.Timezone); err == nil {
			return loc
		}
	}
	return time.UTC
}

// TerminationAt is the instant a termination takes effect: the explicit
// instant, else the end of the termination date's working day (17:00 local).
func (r HRRecord) TerminationAt() time.Time {
	if !r.TerminationEffectiveAt.IsZero() {
		return r.TerminationEffectiveAt
	}
	d, err := time.ParseInLocation(time.DateOnly, r.TerminationDate, r.TimeZone())
	if err != nil {
		return time.Time{}
	}
	return d.Add(17 * time.Hour)
}

// StartAt is the start of the employee's first day (09:00 local), zero when unset.
func (r HRRecord) StartAt() time.Time {
	d, err := time.ParseInLocation(time.DateOnly, r.StartDate, r.TimeZone())
	if err != nil {
		return time.Time{}
	}
	return d.Add(9 * time.Hour)
}

// Name is the display name, built from given and family name when unset.
func (r HRRecord) Name() string {
	if r.DisplayName != "" {
		return r.DisplayName
	}
	return strings.TrimSpace(r.GivenName + " " + r.FamilyName)
}

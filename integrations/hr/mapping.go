package hr

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// setter writes one field of a record from an export's text.
type setter func(*domain.HRRecord, string) error

// mapper is a Profile made ready to read rows.
type mapper struct {
	p       Profile
	columns map[string]string // lower-case column -> field
	status  map[string]domain.HRStatus
	etype   map[string]string
	layouts []string
	locs    map[string]Location // lower-case location
}

func (p Profile) mapper() (*mapper, error) {
	if probs := p.Check(); len(probs) > 0 {
		return nil, fmt.Errorf("profile %s: %s: %s", p.Name, probs[0][0], probs[0][1])
	}
	m := &mapper{p: p, columns: map[string]string{}, status: map[string]domain.HRStatus{}, etype: map[string]string{},
		locs: map[string]Location{}}
	for c, f := range p.Columns {
		m.columns[strings.ToLower(strings.TrimSpace(c))] = f
	}
	for _, s := range []domain.HRStatus{domain.HRPending, domain.HRActive, domain.HROnLeave, domain.HRTerminated} {
		m.status[valueKey(string(s))] = s
	}
	for w, s := range p.Status {
		m.status[valueKey(w)] = s
	}
	for _, t := range EmploymentTypes {
		m.etype[valueKey(t)] = t
	}
	for w, t := range p.EmploymentType {
		m.etype[valueKey(w)] = t
	}
	for _, f := range p.DateFormats {
		l, _ := DateLayout(f) // checked above
		m.layouts = append(m.layouts, l)
	}
	if len(m.layouts) == 0 {
		m.layouts = []string{time.DateOnly}
	}
	for l, loc := range p.Defaults.Locations {
		m.locs[strings.ToLower(strings.TrimSpace(l))] = loc
	}
	return m, nil
}

// field is the record field a column maps to ("" unknown, Ignore ignored).
func (m *mapper) field(column string) string {
	name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(column, "\ufeff")))
	if f, ok := m.columns[name]; ok {
		return f
	}
	if _, ok := csvColumns[name]; ok {
		return name
	}
	return ""
}

// columnsFor names the export columns that feed field, for messages.
func (m *mapper) columnsFor(field string) string {
	var cols []string
	for _, c := range slices.Sorted(maps.Keys(m.p.Columns)) {
		if m.p.Columns[c] == field {
			cols = append(cols, fmt.Sprintf("%q", c))
		}
	}
	if len(cols) == 0 {
		return field
	}
	return fmt.Sprintf("%s (%s)", field, strings.Join(cols, " or "))
}

// setter is how a value of field is read under this profile.
func (m *mapper) setter(field string) setter {
	switch field {
	case "status":
		return func(r *domain.HRRecord, v string) error {
			if v == "" {
				return nil
			}
			s, ok := m.status[valueKey(v)]
			if !ok {
				return &domain.FieldError{Field: "status", Reason: fmt.Sprintf("%q is not a status word of profile %s (%s)", v, m.p.Name, words(m.p.Status, "pending, active, on_leave, terminated"))}
			}
			r.Status = s
			return nil
		}
	case "employment_type":
		return func(r *domain.HRRecord, v string) error {
			if v == "" {
				return nil
			}
			t, ok := m.etype[valueKey(v)]
			if !ok {
				return &domain.FieldError{Field: "employment_type", Reason: fmt.Sprintf("%q is not an employment type of profile %s (%s)", v, m.p.Name, words(m.p.EmploymentType, strings.Join(EmploymentTypes, ", ")))}
			}
			r.EmploymentType = t
			return nil
		}
	case "start_date", "termination_date":
		return func(r *domain.HRRecord, v string) error {
			if v == "" {
				return nil
			}
			d, err := m.date(field, v)
			if err != nil {
				return err
			}
			if field == "start_date" {
				r.StartDate = d
			} else {
				r.TerminationDate = d
			}
			return nil
		}
	}
	return csvColumns[field]
}

// words lists a value map's words, then jml's own, for an error.
func words[V any](m map[string]V, own string) string {
	if len(m) == 0 {
		return "expected one of " + own
	}
	return "expected one of " + strings.Join(slices.Sorted(maps.Keys(m)), ", ") + ", or jml's " + own
}

// date reads v in the profile's formats, first match wins, as YYYY-MM-DD
// (a time with an offset is that day where it was written).
func (m *mapper) date(field, v string) (string, error) {
	for _, l := range m.layouts {
		if t, err := time.Parse(l, v); err == nil {
			return t.Format(time.DateOnly), nil
		}
	}
	return "", &domain.FieldError{Field: field, Reason: fmt.Sprintf("%q is not a date in profile %s's formats (%s)", v, m.p.Name, strings.Join(m.p.DateFormats, ", "))}
}

// derive fills what the row left empty: country and time zone from the
// location table, else the defaults; the display name from its template.
func (m *mapper) derive(r *domain.HRRecord) {
	loc := m.locs[strings.ToLower(strings.TrimSpace(r.Location))]
	if r.Country == "" {
		r.Country = cmpOr(loc.Country, m.p.Defaults.Country)
	}
	if r.Timezone == "" {
		r.Timezone = cmpOr(loc.Timezone, m.p.Defaults.Timezone)
	}
	if r.DisplayName == "" && m.p.Defaults.DisplayName != "" && (r.GivenName != "" || r.FamilyName != "") {
		r.DisplayName = strings.TrimSpace(strings.NewReplacer("{given}", r.GivenName, "{family}", r.FamilyName).Replace(m.p.Defaults.DisplayName))
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ParseJSONProfile reads a JSON export whose objects are keyed by the
// profile's columns (an array, or {"records": [...]}). Each object is one
// Row; a value that is not text, a number, a boolean or null makes that
// row bad, never the file. Keys no column maps are returned once each.
func ParseJSONProfile(data []byte, p Profile) (rows []Row, unknown []string, err error) {
	m, err := p.mapper()
	if err != nil {
		return nil, nil, err
	}
	data = bytes.TrimSpace(data)
	var objs []map[string]json.RawMessage
	if len(data) > 0 && data[0] == '{' {
		var b struct {
			Records []map[string]json.RawMessage `json:"records"`
		}
		if err := json.Unmarshal(data, &b); err != nil {
			return nil, nil, jsonErr(err)
		}
		objs = b.Records
	} else if err := json.Unmarshal(data, &objs); err != nil {
		return nil, nil, jsonErr(err)
	}
	if len(objs) == 0 {
		return nil, nil, errors.New("no records")
	}
	for i, o := range objs {
		row := Row{Ref: fmt.Sprintf("records[%d]", i)}
		from := map[string]string{} // field -> key that set it
		keys := slices.Sorted(maps.Keys(o))
		// The employee id is read first, so an error in any other field names it.
		slices.SortStableFunc(keys, func(a, b string) int {
			return boolInt(m.field(b) == "employee_id") - boolInt(m.field(a) == "employee_id")
		})
		for _, k := range keys {
			f := m.field(k)
			switch {
			case f == "":
				if !slices.Contains(unknown, k) {
					unknown = append(unknown, k)
				}
				continue
			case f == Ignore:
				continue
			}
			v, ok := jsonText(o[k])
			if !ok {
				row.Err = fmt.Errorf("%s: key %q: expected text, a number, a boolean or null", row.Ref, k)
				break
			}
			if prev, dup := from[f]; dup {
				row.Err = fmt.Errorf("%s: keys %q and %q both map to field %s", row.Ref, prev, k, f)
				break
			}
			from[f] = k
			row.Fields = append(row.Fields, k+"="+v)
			if err := m.setter(f)(&row.Record, strings.TrimSpace(v)); err != nil {
				row.Err = nameRecord(err, row)
				break
			}
		}
		if row.Err == nil {
			m.derive(&row.Record)
		}
		rows = append(rows, row)
	}
	return rows, unknown, nil
}

// jsonText is a scalar JSON value as export text.
func jsonText(raw json.RawMessage) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool, float64:
		return strings.TrimSpace(string(raw)), true
	}
	return "", false
}

// nameRecord names the row (and its employee id, once read) in a field error.
func nameRecord(err error, row Row) error {
	var fe *domain.FieldError
	if errors.As(err, &fe) {
		fe.Record = row.Ref
		if row.Record.EmployeeID != "" {
			fe.Record = row.Record.EmployeeID + " (" + row.Ref + ")"
		}
	}
	return err
}

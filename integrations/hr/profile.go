package hr

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Profile says how one HR system's export maps onto domain.HRRecord: which
// column holds which field, which words mean which status and employment
// type, how dates are written, and what to fill in when a row is silent.
type Profile struct {
	Name string
	// Columns maps an export column (case-insensitive) to a record field
	// (a JSON name of domain.HRRecord), or to "-" for a column read on
	// purpose by nobody (no unknown-column warning). A column named like a
	// record field maps to that field unless Columns says otherwise.
	Columns map[string]string
	// Status and EmploymentType map an export's words to jml's. Keys match
	// case-insensitively, ignoring spaces, '-' and '_' ("Full-Time" =
	// "full time" = "FULL_TIME"); jml's own words always pass.
	Status         map[string]domain.HRStatus
	EmploymentType map[string]string
	// DateFormats are Go layouts tried in order for start and termination
	// dates ("RFC3339" names time.RFC3339); the first that parses wins, so
	// put a locale's own order first. Empty: 2006-01-02 only.
	DateFormats []string
	Defaults    Defaults
}

// Defaults and derivations applied after a row is read, only to fields the
// row leaves empty.
type Defaults struct {
	Country  string // ISO 3166-1 alpha-2
	Timezone string // IANA name
	// Locations maps a location (case-insensitive) to its country and time
	// zone, which win over Country and Timezone.
	Locations map[string]Location
	// DisplayName is a template over {given} and {family}; "" = "{given} {family}".
	DisplayName string
}

// Location is what a location implies.
type Location struct {
	Country  string
	Timezone string
}

// Fields are the record fields a column may map to.
func Fields() []string { return slices.Sorted(maps.Keys(csvColumns)) }

// EmploymentTypes are jml's words (domain.HRRecord.Validate accepts these).
var EmploymentTypes = []string{"full_time", "part_time", "contractor", "intern"}

// Ignore is the Columns value for a column jml reads on purpose by nobody.
const Ignore = "-"

// Date layouts by the names a configuration may use.
var dateNames = map[string]string{"rfc3339": time.RFC3339, "iso8601": "2006-01-02"}

// DateLayout resolves a configured date format: a name (RFC3339) or a Go
// layout that must round-trip a reference date, so "MM/DD/YYYY" is caught.
func DateLayout(f string) (string, error) {
	if l, ok := dateNames[strings.ToLower(f)]; ok {
		return l, nil
	}
	ref := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	if t, err := time.Parse(f, ref.Format(f)); err != nil || !t.Equal(ref) {
		return "", fmt.Errorf("%q is not a date layout: write the date 23 November 2026... as Go's reference date 2 January 2006, e.g. 2006-01-02, 01/02/2006, 02.01.2006, or RFC3339", f)
	}
	return f, nil
}

// valueKey normalises an export's word for matching.
func valueKey(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '_' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

// Check reports what is wrong with p, as field -> reason pairs in a stable
// order ("columns.Employee ID", "status.Fired", ...).
func (p Profile) Check() [][2]string {
	var out [][2]string
	add := func(f, r string) { out = append(out, [2]string{f, r}) }
	fields := Fields()
	seen := map[string]string{}
	for _, col := range slices.Sorted(maps.Keys(p.Columns)) {
		f := p.Columns[col]
		k := strings.ToLower(strings.TrimSpace(col))
		if k == "" {
			add("columns", "a column name is empty")
			continue
		}
		if prev, ok := seen[k]; ok {
			add("columns."+col, fmt.Sprintf("is the same column as %q (names match case-insensitively)", prev))
		}
		seen[k] = col
		if f != Ignore && !slices.Contains(fields, f) {
			add("columns."+col, fmt.Sprintf("%q is not a record field (expected one of: %s, or - to ignore the column)", f, strings.Join(fields, ", ")))
		}
	}
	statuses := []domain.HRStatus{domain.HRPending, domain.HRActive, domain.HROnLeave, domain.HRTerminated}
	for _, w := range slices.Sorted(maps.Keys(p.Status)) {
		if !slices.Contains(statuses, p.Status[w]) {
			add("status."+w, fmt.Sprintf("%q is not one of pending, active, on_leave, terminated", p.Status[w]))
		}
	}
	for _, w := range slices.Sorted(maps.Keys(p.EmploymentType)) {
		if !slices.Contains(EmploymentTypes, p.EmploymentType[w]) {
			add("employment_type."+w, fmt.Sprintf("%q is not one of %s", p.EmploymentType[w], strings.Join(EmploymentTypes, ", ")))
		}
	}
	for i, f := range p.DateFormats {
		if _, err := DateLayout(f); err != nil {
			add(fmt.Sprintf("date_formats[%d]", i), err.Error())
		}
	}
	d := p.Defaults
	if d.Country != "" && !isCountry(d.Country) {
		add("defaults.country", fmt.Sprintf("%q is not a two-letter country code (ISO 3166-1 alpha-2, e.g. US)", d.Country))
	}
	if d.Timezone != "" {
		if _, err := time.LoadLocation(d.Timezone); err != nil {
			add("defaults.timezone", fmt.Sprintf("%q is not an IANA time zone (e.g. Europe/London)", d.Timezone))
		}
	}
	for _, l := range slices.Sorted(maps.Keys(d.Locations)) {
		loc := d.Locations[l]
		if loc.Country != "" && !isCountry(loc.Country) {
			add("defaults.locations."+l+".country", fmt.Sprintf("%q is not a two-letter country code (ISO 3166-1 alpha-2, e.g. US)", loc.Country))
		}
		if loc.Timezone != "" {
			if _, err := time.LoadLocation(loc.Timezone); err != nil {
				add("defaults.locations."+l+".timezone", fmt.Sprintf("%q is not an IANA time zone (e.g. Europe/London)", loc.Timezone))
			}
		}
	}
	if t := d.DisplayName; t != "" {
		rest := strings.NewReplacer("{given}", "", "{family}", "").Replace(t)
		if strings.ContainsAny(rest, "{}") {
			add("defaults.display_name", fmt.Sprintf("%q: only {given} and {family} may be filled in", t))
		}
	}
	return out
}

func isCountry(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}

// Override returns p with o's non-empty parts laid over it: map entries
// are added (or replace p's), a list or a value replaces p's.
func (p Profile) Override(o Profile) Profile {
	out := p
	merge := func(a, b map[string]string) map[string]string {
		m := maps.Clone(a)
		if m == nil {
			m = map[string]string{}
		}
		maps.Copy(m, b)
		return m
	}
	if o.Name != "" {
		out.Name = o.Name
	}
	out.Columns = merge(p.Columns, o.Columns)
	out.Status = maps.Clone(p.Status)
	if out.Status == nil {
		out.Status = map[string]domain.HRStatus{}
	}
	maps.Copy(out.Status, o.Status)
	out.EmploymentType = merge(p.EmploymentType, o.EmploymentType)
	if len(o.DateFormats) > 0 {
		out.DateFormats = slices.Clone(o.DateFormats)
	}
	if o.Defaults.Country != "" {
		out.Defaults.Country = o.Defaults.Country
	}
	if o.Defaults.Timezone != "" {
		out.Defaults.Timezone = o.Defaults.Timezone
	}
	if o.Defaults.DisplayName != "" {
		out.Defaults.DisplayName = o.Defaults.DisplayName
	}
	out.Defaults.Locations = maps.Clone(p.Defaults.Locations)
	if out.Defaults.Locations == nil {
		out.Defaults.Locations = map[string]Location{}
	}
	maps.Copy(out.Defaults.Locations, o.Defaults.Locations)
	return out
}

package hr

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// ParseJSON reads HR records strictly (an unknown field is an error): one
// record, an array of records, or {"records": [...]}. At most max records
// (0 = no limit).
func ParseJSON(data []byte, max int) ([]domain.HRRecord, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, errors.New("empty body")
	}
	strict := func(v any) error {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return jsonErr(err)
		}
		if dec.More() {
			return errors.New("trailing data after the JSON value")
		}
		return nil
	}
	var recs []domain.HRRecord
	switch {
	case data[0] == '[':
		if err := strict(&recs); err != nil {
			return nil, err
		}
	case isBatch(data):
		var b struct {
			Records []domain.HRRecord `json:"records"`
		}
		if err := strict(&b); err != nil {
			return nil, err
		}
		recs = b.Records
	default:
		var r domain.HRRecord
		if err := strict(&r); err != nil {
			return nil, err
		}
		recs = []domain.HRRecord{r}
	}
	if len(recs) == 0 {
		return nil, errors.New("no records")
	}
	if max > 0 && len(recs) > max {
		return nil, fmt.Errorf("%d records: at most %d in one request", len(recs), max)
	}
	return recs, nil
}

// isBatch reports whether data is an object whose only key is "records".
func isBatch(data []byte) bool {
	var probe map[string]json.RawMessage
	if json.Unmarshal(data, &probe) != nil {
		return false
	}
	_, ok := probe["records"]
	return ok && len(probe) == 1
}

func jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("field %s: expected %s", te.Field, te.Type)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("invalid JSON: unexpected end of input")
	}
	return err
}

// Row is one row of an HR export: the record, or why it cannot be used.
type Row struct {
	Ref     string // "line 7", or "lines 7-9" for a row with a quoted line break
	Line    int    // the row's first line in the file (the header is line 1); 0 outside CSV
	EndLine int    // its last line
	Record  domain.HRRecord
	Err     error    // nil when the row parsed; validation is the caller's
	Fields  []string // the raw fields, kept for the quarantine file
	Raw     string   // the raw line of a row that is not CSV at all, kept likewise
}

// csvColumns maps export column names (the JSON names of domain.HRRecord) to setters.
var csvColumns = map[string]func(*domain.HRRecord, string) error{
	"source":              func(r *domain.HRRecord, v string) error { r.Source = v; return nil },
	"source_id":           func(r *domain.HRRecord, v string) error { r.SourceID = v; return nil },
	"employee_id":         func(r *domain.HRRecord, v string) error { r.EmployeeID = v; return nil },
	"email":               func(r *domain.HRRecord, v string) error { r.Email = v; return nil },
	"given_name":          func(r *domain.HRRecord, v string) error { r.GivenName = v; return nil },
	"family_name":         func(r *domain.HRRecord, v string) error { r.FamilyName = v; return nil },
	"display_name":        func(r *domain.HRRecord, v string) error { r.DisplayName = v; return nil },
	"department":          func(r *domain.HRRecord, v string) error { r.Department = v; return nil },
	"title":               func(r *domain.HRRecord, v string) error { r.Title = v; return nil },
	"location":            func(r *domain.HRRecord, v string) error { r.Location = v; return nil },
	"country":             func(r *domain.HRRecord, v string) error { r.Country = v; return nil },
	"timezone":            func(r *domain.HRRecord, v string) error { r.Timezone = v; return nil },
	"cost_center":         func(r *domain.HRRecord, v string) error { r.CostCenter = v; return nil },
	"employment_type":     func(r *domain.HRRecord, v string) error { r.EmploymentType = v; return nil },
	"manager_employee_id": func(r *domain.HRRecord, v string) error { r.ManagerEmployeeID = v; return nil },
	"status":              func(r *domain.HRRecord, v string) error { r.Status = domain.HRStatus(v); return nil },
	"start_date":          func(r *domain.HRRecord, v string) error { r.StartDate = v; return nil },
	"termination_date":    func(r *domain.HRRecord, v string) error { r.TerminationDate = v; return nil },
	"termination_effective_at": func(r *domain.HRRecord, v string) error {
		return parseTime(&r.TerminationEffectiveAt, "termination_effective_at", v)
	},
	"source_updated_at": func(r *domain.HRRecord, v string) error { return parseTime(&r.UpdatedAt, "source_updated_at", v) },
	"urgent": func(r *domain.HRRecord, v string) error {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "", "false", "no", "0":
		case "true", "yes", "1":
			r.Urgent = true
		default:
			return fmt.Errorf("field urgent: %q is not true or false", v)
		}
		return nil
	},
}

// RequiredColumns must be in every CSV export.
var RequiredColumns = []string{"employee_id", "email", "given_name", "family_name", "status"}

func parseTime(dst *time.Time, field, v string) error {
	if v == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return &domain.FieldError{Field: field, Reason: fmt.Sprintf("%q is not an RFC 3339 time (e.g. 2026-12-04T17:00:00Z)", v)}
	}
	*dst = t
	return nil
}

// ParseCSV reads an HR export with a header row of domain.HRRecord's JSON names
// (case-insensitive; unknown columns are returned so the caller can warn).
// A file-level problem (no header, a required column missing, a column
// twice) is an error. Nothing else stops the file: a bad row is a Row with
// Err set and parsing resumes at the next line, so every line after the
// header belongs to exactly one Row (blank lines to none). A quoted field
// may span lines only where that row then parses into the header's columns
// with no line break in a column jml reads; otherwise the quote was stray,
// its first line alone is the bad row and the next line is read afresh.
func ParseCSV(in io.Reader) (rows []Row, unknown []string, err error) {
	data, err := io.ReadAll(in)
	if err != nil {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	lines := lineStarts(data)
	newReader := func(from int) *csv.Reader {
		r := csv.NewReader(bytes.NewReader(data[from:]))
		r.FieldsPerRecord = -1 // checked per row, so one short row does not stop the file
		r.TrimLeadingSpace = true
		return r
	}
	r := newReader(0)
	header, err := r.Read()
	if err == io.EOF {
		return nil, nil, errors.New("empty file: a header row is required")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("header: %w", err)
	}
	setters := make([]func(*domain.HRRecord, string) error, len(header))
	names := make([]string, len(header))
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if slices.Contains(names, name) {
			return nil, nil, fmt.Errorf("header: column %q appears twice", name)
		}
		names[i] = name
		if set, ok := csvColumns[name]; ok {
			setters[i] = set
		} else {
			unknown = append(unknown, h)
		}
	}
	var missing []string
	for _, c := range RequiredColumns {
		if !slices.Contains(names, c) {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, unknown, fmt.Errorf("header: missing required column(s) %s", strings.Join(missing, ", "))
	}
	// The reader in use started at byte from, which is file line base+1.
	from, base := 0, 0
	lineOf := func(rel int64) int { // file line holding the reader's byte rel
		off := from + int(rel)
		return sort.Search(len(lines), func(i int) bool { return lines[i] > off })
	}
	// restart quarantines file line n alone and reads on from line n+1.
	restart := func(n int, reason string) {
		rows = append(rows, Row{Ref: fmt.Sprintf("line %d", n), Line: n, EndLine: n,
			Err: fmt.Errorf("line %d: malformed CSV: %s", n, reason), Raw: rawLine(data, lines, n)})
		if n < len(lines) {
			from, base = lines[n], n
		} else {
			from, base = len(data), n
		}
		r = newReader(from)
	}
	for {
		fields, err := r.Read()
		if err == io.EOF {
			return rows, unknown, nil
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			restart(base+pe.StartLine, pe.Err.Error())
			continue
		}
		if err != nil {
			return rows, unknown, fmt.Errorf("read: %w", err)
		}
		rel, _ := r.FieldPos(0)
		first, last := base+rel, lineOf(r.InputOffset()-1)
		if last > first {
			if len(fields) != len(header) || breakIn(fields, setters) {
				restart(first, fmt.Sprintf("a quoted field runs from line %d into line %d (a stray quote?)", first, last))
				continue
			}
		}
		row := Row{Fields: fields, Line: first, EndLine: last, Ref: fmt.Sprintf("line %d", first)}
		if last > first {
			row.Ref = fmt.Sprintf("lines %d-%d", first, last)
		}
		if len(fields) != len(header) {
			row.Err = fmt.Errorf("%s: %d fields, the header has %d", row.Ref, len(fields), len(header))
			rows = append(rows, row)
			continue
		}
		for i, v := range fields {
			if setters[i] == nil {
				continue
			}
			if err := setters[i](&row.Record, strings.TrimSpace(v)); err != nil {
				var fe *domain.FieldError
				if errors.As(err, &fe) {
					fe.Record = row.Ref
					if row.Record.EmployeeID != "" {
						fe.Record = row.Record.EmployeeID + " (" + row.Ref + ")"
					}
				}
				row.Err = err
				break
			}
		}
		rows = append(rows, row)
	}
}

// breakIn reports whether a column jml reads holds a line break (no record
// field may; a break in an ignored column, e.g. notes, is fine).
func breakIn(fields []string, setters []func(*domain.HRRecord, string) error) bool {
	for i, v := range fields {
		if setters[i] != nil && strings.ContainsAny(v, "\r\n") {
			return true
		}
	}
	return false
}

// lineStarts is the byte offset of each line of data (line n starts at
// [n-1]); lines end at '\n'.
func lineStarts(data []byte) []int {
	out := []int{0}
	for i, c := range data {
		if c == '\n' && i+1 < len(data) {
			out = append(out, i+1)
		}
	}
	return out
}

// rawLine is file line n without its line ending.
func rawLine(data []byte, lines []int, n int) string {
	if n < 1 || n > len(lines) {
		return ""
	}
	end := len(data)
	if n < len(lines) {
		end = lines[n]
	}
	return strings.TrimRight(string(data[lines[n-1]:end]), "\r\n")
}

// Package importer turns a scheduled HR export (CSV or JSON) into HR
// records for the Employee workflows. A row that cannot be used is never
// dropped silently: it is quarantined, with its reason and its raw fields,
// in a JSON Lines file under the evidence folder, and counted.
package importer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
)

// Submitter delivers one valid record (starters/employees.Sink).
type Submitter interface {
	Submit(ctx context.Context, rec domain.HRRecord) (workflowID string, err error)
}

// Quarantined is one row that was not delivered, and why.
type Quarantined struct {
	Ref        string   `json:"ref"` // "line 7" or "records[3]"
	EmployeeID string   `json:"employee_id,omitempty"`
	Reason     string   `json:"reason"`
	Fields     []string `json:"fields,omitempty"` // the raw CSV fields
	Raw        string   `json:"raw,omitempty"`    // the raw line, when it was not CSV
}

// Warning is something a human should look at about a row that was still
// applied (an unknown manager, a manager cycle).
type Warning struct {
	Ref        string `json:"ref"`
	EmployeeID string `json:"employee_id,omitempty"`
	Field      string `json:"field"`
	Reason     string `json:"reason"`
}

func (w Warning) String() string {
	return fmt.Sprintf("record %s (%s): field %s: %s", w.EmployeeID, w.Ref, w.Field, w.Reason)
}

// Counts accounts for every row: Delivered + Unchanged + Quarantined = Rows.
type Counts struct {
	Rows        int `json:"rows"`
	Delivered   int `json:"delivered"` // signalled to their Employee workflow (in a dry run: would be)
	Unchanged   int `json:"unchanged"` // equal to the last accepted snapshot: 0 until imports are diffed
	Quarantined int `json:"quarantined"`
}

// Balanced reports whether every row is accounted for once.
func (c Counts) Balanced() bool { return c.Delivered+c.Unchanged+c.Quarantined == c.Rows }

// Outcome is what happened to one row, in row order.
type Outcome struct {
	Ref        string `json:"ref"`
	EmployeeID string `json:"employee_id,omitempty"`
	WorkflowID string `json:"workflow_id,omitempty"`
	// Error is why the row was quarantined; NotDelivered marks a good row
	// whose delivery failed (retry later) rather than a bad one.
	Error        string   `json:"error,omitempty"`
	NotDelivered bool     `json:"-"`
	Warnings     []string `json:"warnings,omitempty"`
}

// Result summarises one import.
type Result struct {
	File           string        `json:"file"`
	Counts         Counts        `json:"counts"`
	Outcomes       []Outcome     `json:"-"`
	Quarantined    []Quarantined `json:"quarantined,omitempty"`
	Warnings       []Warning     `json:"warnings,omitempty"`
	UnknownColumns []string      `json:"unknown_columns,omitempty"`
	QuarantineFile string        `json:"quarantine_file,omitempty"`
}

// DefaultConcurrency bounds parallel deliveries when Options leave it unset.
const DefaultConcurrency = 32

// Options configure one import.
type Options struct {
	Source string // the records' source when a row names none
	// Submit delivers one valid row; i is its index in rows.
	Submit func(ctx context.Context, i int, rec domain.HRRecord) (workflowID string, err error)
	// Known reports whether jml already knows an employee, for managers not
	// in the batch; nil knows nobody beyond the batch.
	Known func(ctx context.Context, employeeID string) (bool, error)
	// Concurrency bounds parallel deliveries (and Known look-ups); default 32.
	Concurrency int
	// AllowNoEmail: jml allocates work emails (hr.login), so an empty
	// email is not a problem.
	AllowNoEmail bool
}

// Read parses an export by its extension (.csv, .json) into rows; a
// file-level problem (unreadable, no header, not JSON) is an error.
func Read(path string) ([]hr.Row, []string, error) {
	ext := strings.ToLower(filepath.Ext(path))
	if ext != ".csv" && ext != ".json" {
		return nil, nil, fmt.Errorf("unknown export format %q (want .csv or .json)", ext)
	}
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the caller names the file
		}
		return nil, nil, err
	}
	defer f.Close()
	if ext == ".csv" {
		return hr.ParseCSV(f)
	}
	data, err := io.ReadAll(io.LimitReader(f, 256<<20))
	if err != nil {
		return nil, nil, err
	}
	recs, err := hr.ParseJSON(data, 0)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]hr.Row, len(recs))
	for i, r := range recs {
		rows[i] = hr.Row{Ref: fmt.Sprintf("records[%d]", i), Record: r}
	}
	return rows, nil, nil
}

// Run imports rows through sub (see Import).
func Run(ctx context.Context, sub Submitter, source string, rows []hr.Row) Result {
	return Import(ctx, rows, Options{Source: source, Submit: func(ctx context.Context, _ int, rec domain.HRRecord) (string, error) {
		return sub.Submit(ctx, rec)
	}})
}

// Import validates every row, then delivers the valid ones concurrently
// (bounded by opts.Concurrency). A batch states each employee once: the
// later rows of a duplicate employee id are quarantined, so no two
// deliveries of one batch race for one employee and order within the batch
// does not matter. Every row ends delivered or quarantined, and counted.
func Import(ctx context.Context, rows []hr.Row, opts Options) Result {
	res := Result{Counts: Counts{Rows: len(rows)}, Outcomes: make([]Outcome, len(rows))}
	recs := make([]domain.HRRecord, len(rows))
	parsed := make([]domain.HRRecord, len(rows)) // only rows that parsed take part in the batch rules
	for i, row := range rows {
		recs[i] = row.Record
		if recs[i].Source == "" {
			recs[i].Source = opts.Source
		}
		if row.Err == nil {
			parsed[i] = recs[i]
		}
	}
	first := domain.FirstOccurrences(parsed)
	ok := make([]bool, len(rows))
	for i, row := range rows {
		o := &res.Outcomes[i]
		o.Ref, o.EmployeeID = row.Ref, row.Record.EmployeeID
		switch {
		case row.Err != nil:
			o.Error = row.Err.Error()
		case validate(recs[i], row.Ref, opts.AllowNoEmail) != nil:
			o.Error = validate(recs[i], row.Ref, opts.AllowNoEmail).Error()
		case first[i] != i:
			o.Error = fmt.Sprintf("record %s (%s): field employee_id: %s is already in this batch at %s; only the first is applied",
				row.Record.EmployeeID, row.Ref, row.Record.EmployeeID, rows[first[i]].Ref)
		default:
			ok[i] = true
		}
		if o.Error != "" && !domain.ValidEmployeeID(o.EmployeeID) {
			o.EmployeeID = "" // never echo an id refused for its bytes or length (the raw row keeps it)
		}
	}
	warn := func(i int, field, reason string) {
		w := Warning{Ref: rows[i].Ref, EmployeeID: recs[i].EmployeeID, Field: field, Reason: reason}
		res.Warnings = append(res.Warnings, w)
		res.Outcomes[i].Warnings = append(res.Outcomes[i].Warnings, w.String())
	}
	res.warnManagers(ctx, rows, recs, ok, opts, warn)

	conc := opts.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	parallel(len(rows), conc, func(i int) {
		if !ok[i] {
			return
		}
		id, err := opts.Submit(ctx, i, recs[i])
		if err != nil {
			res.Outcomes[i].Error, res.Outcomes[i].NotDelivered = "not delivered: "+err.Error(), true
			return
		}
		res.Outcomes[i].WorkflowID = id
	})
	for i, o := range res.Outcomes {
		if o.Error == "" {
			res.Counts.Delivered++
			continue
		}
		res.Counts.Quarantined++
		res.Quarantined = append(res.Quarantined, Quarantined{Ref: o.Ref, EmployeeID: o.EmployeeID, Reason: o.Error,
			Fields: rows[i].Fields, Raw: rows[i].Raw})
	}
	return res
}

// warnManagers warns about rows to apply whose manager is neither applied
// by this batch nor known to jml, and about manager cycles in the batch.
// Both are applied anyway: a joiner does not wait for a manager.
func (res *Result) warnManagers(ctx context.Context, rows []hr.Row, recs []domain.HRRecord, ok []bool, opts Options, warn func(int, string, string)) {
	applied := make([]domain.HRRecord, 0, len(recs))
	inBatch := map[string]bool{}
	for i, r := range recs {
		if ok[i] {
			applied = append(applied, r)
			inBatch[r.EmployeeID] = true
		}
	}
	var outside []string
	for i, r := range recs {
		if ok[i] && r.ManagerEmployeeID != "" && !inBatch[r.ManagerEmployeeID] && !slices.Contains(outside, r.ManagerEmployeeID) {
			outside = append(outside, r.ManagerEmployeeID)
		}
	}
	known := make([]string, len(outside)) // "" known, else why not
	conc := opts.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	parallel(len(outside), conc, func(j int) {
		if opts.Known == nil {
			known[j] = "is neither in this batch nor checked against jml"
			return
		}
		yes, err := opts.Known(ctx, outside[j])
		switch {
		case err != nil:
			known[j] = "is not in this batch and could not be checked against jml (" + err.Error() + ")"
		case !yes:
			known[j] = "is neither in this batch nor known to jml"
		}
	})
	for i, r := range recs {
		if !ok[i] || r.ManagerEmployeeID == "" || inBatch[r.ManagerEmployeeID] {
			continue
		}
		if why := known[slices.Index(outside, r.ManagerEmployeeID)]; why != "" {
			warn(i, "manager_employee_id", fmt.Sprintf("manager %s %s; applied without that manager", r.ManagerEmployeeID, why))
		}
	}
	for _, cycle := range domain.ManagerCycles(applied) {
		loop := strings.Join(append(slices.Clone(cycle), cycle[0]), " → ")
		for i, r := range recs {
			if ok[i] && slices.Contains(cycle, r.EmployeeID) {
				warn(i, "manager_employee_id", "manager cycle in this batch: "+loop+"; applied, fix the reporting lines in HR")
			}
		}
	}
}

// parallel runs fn(0..n-1) on at most conc goroutines and waits.
func parallel(n, conc int, fn func(i int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(n, conc) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
}

// WriteQuarantine writes the quarantined rows as JSON Lines under
// <dir>/Quarantine/ and returns the file's path ("" when nothing was
// quarantined).
func WriteQuarantine(dir, source string, q []Quarantined, now time.Time) (string, error) {
	if len(q) == 0 {
		return "", nil
	}
	qdir := filepath.Join(dir, "Quarantine")
	if err := os.MkdirAll(qdir, 0o700); err != nil {
		return "", err
	}
	name := fmt.Sprintf("hr-import-%s-%s.jsonl", now.UTC().Format("20060102T150405Z"), sanitize(filepath.Base(source)))
	path := filepath.Join(qdir, name)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	enc := json.NewEncoder(f)
	for _, x := range q {
		if err := enc.Encode(x); err != nil {
			f.Close()
			return "", err
		}
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

func sanitize(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
}

// validate is the record's own rules; with allowNoEmail (hr.login) an
// empty email is not a problem.
func validate(r domain.HRRecord, ref string, allowNoEmail bool) error {
	if allowNoEmail {
		return r.ValidateAllowingNoEmail(ref)
	}
	return r.Validate(ref)
}

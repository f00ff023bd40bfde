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
	"strings"
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
}

// Result summarises one import.
type Result struct {
	File           string        `json:"file"`
	Accepted       int           `json:"accepted"`
	Quarantined    []Quarantined `json:"quarantined,omitempty"`
	UnknownColumns []string      `json:"unknown_columns,omitempty"`
	QuarantineFile string        `json:"quarantine_file,omitempty"`
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

// Run validates each row and submits the valid ones in file order (HR
// order: the Employee workflow applies them in the order received).
func Run(ctx context.Context, sub Submitter, source string, rows []hr.Row) Result {
	var res Result
	for _, row := range rows {
		rec := row.Record
		q := Quarantined{Ref: row.Ref, EmployeeID: rec.EmployeeID, Fields: row.Fields}
		if row.Err != nil {
			q.Reason = row.Err.Error()
			res.Quarantined = append(res.Quarantined, q)
			continue
		}
		if rec.Source == "" {
			rec.Source = source
		}
		if err := rec.Validate(row.Ref); err != nil {
			q.Reason = err.Error()
			res.Quarantined = append(res.Quarantined, q)
			continue
		}
		if _, err := sub.Submit(ctx, rec); err != nil {
			q.Reason = "not delivered: " + err.Error()
			res.Quarantined = append(res.Quarantined, q)
			continue
		}
		res.Accepted++
	}
	return res
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

package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder stands in for the Temporal sink here; the end-to-end test
// imports into real Employee workflows.
type recorder struct {
	mu   sync.Mutex
	got  []domain.HRRecord
	fail string // employee id whose delivery fails
}

func (r *recorder) Submit(_ context.Context, rec domain.HRRecord) (string, error) {
	if rec.EmployeeID == r.fail {
		return "", errors.New("temporal unavailable")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, rec)
	return "employee/" + rec.EmployeeID, nil
}

func write(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
	return p
}

func TestImportCSVQuarantinesAndLosesNothing(t *testing.T) {
	path := write(t, "bamboo export.csv", "employee_id,email,given_name,family_name,department,status,start_date\n"+
		"E0001,ada@demo.jml.test,Ada,Lovelace,Engineering,active,2026-01-05\n"+
		"E0002,not-an-email,Grace,Hopper,Engineering,active,2026-01-05\n"+
		"E0003,alan@demo.jml.test,Alan\n"+
		"E0004,edsger@demo.jml.test,Edsger,Dijkstra,IT,active,2026-01-05\n"+
		"E0005,barbara@demo.jml.test,Barbara,Liskov,IT,fired,2026-01-05\n")
	rows, unknown, err := Read(path)
	require.NoError(t, err)
	assert.Empty(t, unknown)
	rec := &recorder{fail: "E0004"}
	res := Run(context.Background(), rec, "import:test", rows)

	assert.Equal(t, Counts{Rows: 5, Delivered: 1, Quarantined: 4}, res.Counts)
	require.Len(t, rec.got, 1)
	assert.Equal(t, "import:test", rec.got[0].Source)
	require.Len(t, res.Quarantined, 4, "every row is either delivered or quarantined")
	reasons := map[string]string{}
	for _, q := range res.Quarantined {
		reasons[q.Ref] = q.Reason
	}
	assert.Equal(t, "record E0002: field email: is not an email address", reasons["line 3"])
	assert.Equal(t, "line 4: 3 fields, the header has 7", reasons["line 4"])
	assert.Equal(t, "not delivered: temporal unavailable", reasons["line 5"])
	assert.Contains(t, reasons["line 6"], `field status: "fired" is not one of`)

	dir := t.TempDir()
	qpath, err := WriteQuarantine(dir, path, res.Quarantined, time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "Quarantine", "hr-import-20261126T120000Z-bamboo_export.csv.jsonl"), qpath)
	st, err := os.Stat(qpath)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "it holds HR data")
	f, err := os.Open(qpath)
	require.NoError(t, err)
	defer f.Close()
	var lines []Quarantined
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var q Quarantined
		require.NoError(t, json.Unmarshal(sc.Bytes(), &q))
		lines = append(lines, q)
	}
	require.Len(t, lines, 4)
	assert.Equal(t, []string{"E0003", "alan@demo.jml.test", "Alan"}, lines[1].Fields, "the raw row is kept to fix and re-import")

	empty, err := WriteQuarantine(dir, path, nil, time.Now())
	require.NoError(t, err)
	assert.Empty(t, empty, "no file when nothing was quarantined")
}

func TestImportJSONAndFileLevelErrors(t *testing.T) {
	path := write(t, "export.json", `[{"employee_id":"E1","email":"a@b.c","given_name":"A","family_name":"B","status":"active"},
		{"employee_id":"E2","email":"a@b.c","given_name":"A","family_name":"B","status":"terminated"}]`)
	rows, _, err := Read(path)
	require.NoError(t, err)
	res := Run(context.Background(), &recorder{}, "import", rows)
	assert.Equal(t, Counts{Rows: 2, Delivered: 1, Quarantined: 1}, res.Counts)
	require.Len(t, res.Quarantined, 1)
	assert.Equal(t, "records[1]", res.Quarantined[0].Ref)
	assert.Contains(t, res.Quarantined[0].Reason, "termination_date: is required when status is terminated")

	_, _, err = Read(write(t, "x.xlsx", "PK"))
	assert.ErrorContains(t, err, "unknown export format")
	_, _, err = Read(write(t, "x.json", "{"))
	assert.ErrorContains(t, err, "invalid JSON")
	_, _, err = Read(write(t, "x.csv", "name,email\n"))
	assert.ErrorContains(t, err, "missing required column")
	_, _, err = Read(filepath.Join(t.TempDir(), "missing.csv"))
	assert.Error(t, err)
}

// TestImportStrayQuote is the file: a header and 9 rows, one stray
// quote in row 2. The 8 good rows are delivered and the row is counted.
func TestImportStrayQuote(t *testing.T) {
	var b strings.Builder
	b.WriteString("employee_id,email,given_name,family_name,status\n")
	for n := 1; n <= 9; n++ {
		if n == 2 {
			b.WriteString("E0002,\"grace@demo.jml.test,Grace,Hopper,active\n")
			continue
		}
		fmt.Fprintf(&b, "E%04d,p%d@demo.jml.test,Given,Family,active\n", n, n)
	}
	rows, _, err := Read(write(t, "gusto.csv", b.String()))
	require.NoError(t, err)
	rec := &recorder{}
	res := Run(context.Background(), rec, "import:test", rows)
	assert.Equal(t, Counts{Rows: 9, Delivered: 8, Quarantined: 1}, res.Counts)
	assert.True(t, res.Counts.Balanced())
	assert.Len(t, rec.got, 8)
	require.Len(t, res.Quarantined, 1)
	assert.Equal(t, "line 3", res.Quarantined[0].Ref)
	assert.Equal(t, `E0002,"grace@demo.jml.test,Grace,Hopper,active`, res.Quarantined[0].Raw)
}

func TestImportBatchRules(t *testing.T) {
	const hdr = "employee_id,email,given_name,family_name,status,manager_employee_id,title\n"
	row := func(id, mgr string) string {
		return fmt.Sprintf("%s,%s@demo.jml.test,G,F,active,%s,Engineer\n", id, strings.ToLower(id), mgr)
	}
	known := func(_ context.Context, id string) (bool, error) {
		switch id {
		case "E0500":
			return true, nil
		case "E0666":
			return false, errors.New("temporal unavailable")
		}
		return false, nil
	}
	cases := []struct {
		name        string
		file        string
		counts      Counts
		quarantined map[string]string // ref → reason part
		warnings    map[string]string // ref → reason part
	}{
		{"duplicate id: the later rows are quarantined",
			row("E0001", "") + row("E0002", "E0001") + row("E0001", "") + row("E0001", ""),
			Counts{Rows: 4, Delivered: 2, Quarantined: 2},
			map[string]string{
				"line 4": "record E0001 (line 4): field employee_id: E0001 is already in this batch at line 2; only the first is applied",
				"line 5": "field employee_id: E0001 is already in this batch at line 2",
			}, nil},
		{"manager neither in the file nor known: applied with a warning",
			row("E0001", "E0999") + row("E0002", "E0500") + row("E0003", "E0001"),
			Counts{Rows: 3, Delivered: 3},
			nil, map[string]string{"line 2": "record E0001 (line 2): field manager_employee_id: manager E0999 is neither in this batch nor known to jml; applied without that manager"}},
		{"manager whose check fails: applied with a warning",
			row("E0001", "E0666"),
			Counts{Rows: 1, Delivered: 1},
			nil, map[string]string{"line 2": "manager E0666 is not in this batch and could not be checked against jml (temporal unavailable)"}},
		{"manager whose own row was quarantined counts as not in the file",
			row("E0001", "") + row("E0002", "E0009") + "E0009,bad,G,F,active,,Engineer\n",
			Counts{Rows: 3, Delivered: 2, Quarantined: 1},
			map[string]string{"line 4": "field email: is not an email address"},
			map[string]string{"line 3": "manager E0009 is neither in this batch nor known to jml"}},
		{"manager cycle: applied with a warning on each member",
			row("E0001", "E0003") + row("E0002", "E0001") + row("E0003", "E0002") + row("E0004", "E0001"),
			Counts{Rows: 4, Delivered: 4},
			nil, map[string]string{
				"line 2": "field manager_employee_id: manager cycle in this batch: E0001 → E0003 → E0002 → E0001",
				"line 3": "manager cycle in this batch: E0001 → E0003 → E0002 → E0001",
				"line 4": "manager cycle",
			}},
		{"title over the length limit",
			row("E0001", "") + strings.Replace(row("E0002", ""), "Engineer", strings.Repeat("t", 10_000), 1),
			Counts{Rows: 2, Delivered: 1, Quarantined: 1},
			map[string]string{"line 3": "record E0002: field title: is 10000 characters long: at most 256"}, nil},
		{"control characters in a name",
			row("E0001", "") + strings.Replace(row("E0002", ""), ",G,", ",\"G\x00\",", 1) + strings.Replace(row("E0003", ""), ",F,", ",\"F\rX\",", 1),
			Counts{Rows: 3, Delivered: 1, Quarantined: 2},
			map[string]string{"line 3": "field given_name: has a control character (U+0000)", "line 4": "field family_name: has a control character (U+000D)"}, nil},
		{"bidi override in an email",
			strings.Replace(row("E0001", ""), "@", "\u202e@", 1),
			Counts{Rows: 1, Quarantined: 1},
			map[string]string{"line 2": "record E0001: field email: has a bidirectional control character (U+202E)"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, _, err := Read(write(t, "x.csv", hdr+c.file))
			require.NoError(t, err)
			res := Import(context.Background(), rows, Options{Source: "import:test", Known: known,
				Submit: func(ctx context.Context, _ int, r domain.HRRecord) (string, error) {
					return "employee/" + r.EmployeeID, nil
				}})
			assert.Equal(t, c.counts, res.Counts)
			got := map[string]string{}
			for _, q := range res.Quarantined {
				got[q.Ref] = q.Reason
			}
			assert.Len(t, got, len(c.quarantined), "quarantined: %v", got)
			for ref, want := range c.quarantined {
				assert.Contains(t, got[ref], want, ref)
			}
			warned := map[string]string{}
			for _, w := range res.Warnings {
				warned[w.Ref] = w.String()
			}
			assert.Len(t, warned, len(c.warnings), "warnings: %v", warned)
			for ref, want := range c.warnings {
				assert.Contains(t, warned[ref], want, ref)
			}
		})
	}
}

// TestImportDeliversConcurrently: with room for 4 deliveries at once, 4
// deliveries are in flight together (each waits for the others).
func TestImportDeliversConcurrently(t *testing.T) {
	var b strings.Builder
	b.WriteString("employee_id,email,given_name,family_name,status\n")
	for n := 1; n <= 8; n++ {
		fmt.Fprintf(&b, "E%04d,p%d@demo.jml.test,G,F,active\n", n, n)
	}
	rows, _, err := Read(write(t, "x.csv", b.String()))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // only so a regression fails instead of hanging
	defer cancel()
	var mu sync.Mutex
	arrived, all := 0, make(chan struct{})
	res := Import(ctx, rows, Options{Concurrency: 4, Submit: func(ctx context.Context, i int, r domain.HRRecord) (string, error) {
		mu.Lock()
		arrived++
		if arrived == 4 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return "employee/" + r.EmployeeID, nil
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}})
	assert.Equal(t, Counts{Rows: 8, Delivered: 8}, res.Counts, "%v", res.Quarantined)
}

// FuzzImportCounts: whatever the file, every row is counted once.
func FuzzImportCounts(f *testing.F) {
	f.Add([]byte("employee_id,email,given_name,family_name,status,manager_employee_id\nE1,a@b.c,A,B,active,E2\nE2,\"x,A,B,active,E1\nE1,a@b.c,A,B,active,\n"))
	f.Add([]byte("employee_id,email,given_name,family_name,status\nE1,a@b.c,A,B,active\nE2,a@b.c,A\"B,C,active\n\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _, err := hr.ParseCSV(strings.NewReader(string(data)))
		if err != nil {
			return
		}
		res := Import(context.Background(), rows, Options{Concurrency: 3,
			Submit: func(_ context.Context, i int, r domain.HRRecord) (string, error) {
				if i%3 == 2 {
					return "", errors.New("unavailable")
				}
				return "employee/" + r.EmployeeID, nil
			},
			Known: func(_ context.Context, id string) (bool, error) { return len(id)%2 == 0, nil }})
		require.Equal(t, len(rows), res.Counts.Rows)
		require.True(t, res.Counts.Balanced(), "%+v", res.Counts)
		require.Len(t, res.Quarantined, res.Counts.Quarantined)
		require.Len(t, res.Outcomes, len(rows))
		for i, o := range res.Outcomes {
			require.Equal(t, rows[i].Ref, o.Ref)
			require.Equal(t, o.Error == "", o.WorkflowID != "", "a row is delivered exactly when it has no error: %+v", o)
		}
	})
}

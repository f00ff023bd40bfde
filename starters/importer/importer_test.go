package importer

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder stands in for the Temporal sink here; the end-to-end test
// imports into real Employee workflows.
type recorder struct {
	got  []domain.HRRecord
	fail string // employee id whose delivery fails
}

func (r *recorder) Submit(_ context.Context, rec domain.HRRecord) (string, error) {
	if rec.EmployeeID == r.fail {
		return "", errors.New("temporal unavailable")
	}
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

	assert.Equal(t, 1, res.Accepted)
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
	assert.Equal(t, 1, res.Accepted)
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

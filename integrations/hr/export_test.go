package hr

import (
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const header = "employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,termination_effective_at,Salary\n"

func TestParseCSV(t *testing.T) {
	in := header +
		"E0001,ada@demo.jml.test,Ada,Lovelace,Engineering,SRE,full_time,active,2026-01-05,,100\n" +
		"E0002,grace@demo.jml.test,Grace,Hopper,Engineering,SRE,full_time,terminated,,2026-12-04T17:00:00Z,100\n" +
		"E0003,short,row\n" +
		"E0004,alan@demo.jml.test,Alan,Turing,IT,Admin,full_time,terminated,,next friday,1\n" +
		"\"E0005,broken quote\n"
	rows, unknown, err := ParseCSV(strings.NewReader(in))
	require.NoError(t, err)
	assert.Equal(t, []string{"Salary"}, unknown)
	require.Len(t, rows, 5)

	assert.NoError(t, rows[0].Err)
	assert.Equal(t, "line 2", rows[0].Ref)
	assert.Equal(t, domain.HRRecord{EmployeeID: "E0001", Email: "ada@demo.jml.test", GivenName: "Ada", FamilyName: "Lovelace",
		Department: "Engineering", Title: "SRE", EmploymentType: "full_time", Status: domain.HRActive, StartDate: "2026-01-05"}, rows[0].Record)
	assert.NoError(t, rows[0].Record.Validate(rows[0].Ref))

	assert.NoError(t, rows[1].Err)
	assert.Equal(t, time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC), rows[1].Record.TerminationEffectiveAt)

	assert.EqualError(t, rows[2].Err, "line 4: 3 fields, the header has 11")
	assert.Equal(t, []string{"E0003", "short", "row"}, rows[2].Fields, "kept for the quarantine file")
	assert.EqualError(t, rows[3].Err, `record E0004 (line 5): field termination_effective_at: "next friday" is not an RFC 3339 time (e.g. 2026-12-04T17:00:00Z)`)
	require.Error(t, rows[4].Err)
	assert.Contains(t, rows[4].Err.Error(), "line 6: malformed CSV")
}

func TestParseCSVFileLevelErrors(t *testing.T) {
	for name, c := range map[string]struct{ in, want string }{
		"empty":            {"", "empty file"},
		"missing required": {"employee_id,email\nE1,a@b.c\n", "missing required column(s) given_name, family_name, status"},
		"duplicate column": {"employee_id,email,EMAIL\n", `column "email" appears twice`},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseCSV(strings.NewReader(c.in))
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
		})
	}
	rows, _, err := ParseCSV(strings.NewReader("\ufeffEmployee_ID,Email,Given_Name,Family_Name,Status\nE1,a@b.c,A,B,active\n"))
	require.NoError(t, err, "a BOM and any case in the header are accepted")
	assert.Equal(t, "E1", rows[0].Record.EmployeeID)
}

func TestParseJSONShapes(t *testing.T) {
	one := `{"employee_id":"E1","email":"a@b.c","given_name":"A","family_name":"B","status":"active"}`
	for name, in := range map[string]string{"one": one, "array": "[" + one + "," + one + "]", "batch": `{"records":[` + one + `]}`} {
		recs, err := ParseJSON([]byte(in), 0)
		require.NoError(t, err, name)
		assert.Equal(t, "E1", recs[0].EmployeeID, name)
	}
	for in, want := range map[string]string{
		"":                          "empty body",
		"[]":                        "no records",
		`{"records":[]}`:            "no records",
		`{"employee_id":1}`:         "field employee_id: expected string",
		`{"salary":1}`:              "unknown field",
		`{"records":[],"extra":1}`:  "unknown field",
		one + one:                   "trailing data",
		`{"employee_id":`:           "unexpected end of input",
		"[" + one + "," + one + "]": "2 records: at most 1",
	} {
		_, err := ParseJSON([]byte(in), 1)
		require.Error(t, err, in)
		assert.Contains(t, err.Error(), want, in)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(header + "E0001,ada@demo.jml.test,Ada,Lovelace,Engineering,SRE,full_time,active,2026-01-05,,100\n"))
	f.Add([]byte("employee_id,email,given_name,family_name,status\n\"x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, _, err := ParseCSV(strings.NewReader(string(data)))
		if err != nil {
			assert.Nil(t, rows)
			return
		}
		for _, r := range rows {
			assert.NotEmpty(t, r.Ref)
			if r.Err == nil {
				_ = r.Record.Validate(r.Ref)
			}
		}
	})
}

package hr

import (
	"encoding/csv"
	"fmt"
	"io"
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

// TestParseCSVStrayQuotes: a quote in one row never takes the rows after it.
func TestParseCSVStrayQuotes(t *testing.T) {
	const hdr = "employee_id,email,given_name,family_name,status,notes\n"
	good := func(n int) string { return fmt.Sprintf("E%04d,p%d@demo.jml.test,Given,Family,active,\n", n, n) }
	file := func(bad string) string {
		var b strings.Builder
		b.WriteString(hdr + good(1) + bad)
		for n := 3; n <= 9; n++ {
			b.WriteString(good(n))
		}
		return b.String()
	}
	cases := []struct {
		name, bad string
		want      string // the reason of line 3
	}{
		{"opening quote never closed", `E0002,"grace@demo.jml.test,Grace,Hopper,active,` + "\n", "malformed CSV"},
		{"bare quote inside a field", `E0002,grace@demo.jml.test,Gr"ace,Hopper,active,` + "\n", `bare " in non-quoted-field`},
		{"quote closed by a later row's quote", `E0002,"grace@demo.jml.test,Grace,Hopper,active,` + "\n", "malformed CSV"},
		{"text after a closing quote", `E0002,"grace"x@demo.jml.test,Grace,Hopper,active,` + "\n", "malformed CSV"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := file(c.bad)
			if c.name == "quote closed by a later row's quote" {
				in = strings.Replace(in, "E0006,p6@demo.jml.test,Given", `E0006,p6@demo.jml.test",Given`, 1)
			}
			rows, _, err := ParseCSV(strings.NewReader(in))
			require.NoError(t, err)
			refs := map[string]error{}
			for _, r := range rows {
				refs[r.Ref] = r.Err
			}
			require.Len(t, rows, 9, "header + 9 rows is 9 rows, whatever one of them holds: %v", refs)
			require.Error(t, refs["line 3"])
			assert.Contains(t, refs["line 3"].Error(), "line 3: malformed CSV")
			assert.Contains(t, refs["line 3"].Error(), c.want)
			assert.Equal(t, 3, rows[1].Line)
			assert.Equal(t, strings.TrimSuffix(c.bad, "\n"), rows[1].Raw, "the raw line is kept for the quarantine file")
			ok := 0
			for _, r := range rows {
				if r.Err == nil {
					ok++
				}
			}
			want := 8
			if c.name == "quote closed by a later row's quote" {
				want = 7 // line 7 has the stray closing quote itself
			}
			assert.Equal(t, want, ok, "every other row parses: %v", refs)
		})
	}

	// A quoted line break in a column jml ignores is one row over two lines.
	rows, _, err := ParseCSV(strings.NewReader(hdr + good(1) + "E0002,g@demo.jml.test,Grace,Hopper,active,\"first\nsecond\"\n" + good(3)))
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.NoError(t, rows[1].Err)
	assert.Equal(t, "lines 3-4", rows[1].Ref)
	assert.Equal(t, []int{3, 4}, []int{rows[1].Line, rows[1].EndLine})
	assert.Equal(t, "E0003", rows[2].Record.EmployeeID)
	assert.Equal(t, "line 5", rows[2].Ref)

	// In a column jml reads, it is a stray quote: the first line alone is bad.
	rows, _, err = ParseCSV(strings.NewReader(hdr + good(1) + "E0002,g@demo.jml.test,\"Gr\nace\",Hopper,active,\n" + good(3)))
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.ErrorContains(t, rows[1].Err, "line 3: malformed CSV: a quoted field runs from line 3 into line 4")
	assert.Equal(t, "line 4", rows[2].Ref)
	assert.Error(t, rows[2].Err, "the rest of the broken row is a bad row of its own")
	assert.Equal(t, "E0003", rows[3].Record.EmployeeID)

	// Blank lines and CRLF line endings are no rows.
	rows, _, err = ParseCSV(strings.NewReader(strings.ReplaceAll(hdr+good(1)+"\n\n"+good(4), "\n", "\r\n")))
	require.NoError(t, err)
	require.Len(t, rows, 2)
	assert.Equal(t, "line 5", rows[1].Ref)
}

// FuzzParseCSV: whatever the bytes, the header is an error or every line
// after it belongs to exactly one row, in order, and blank lines to none.
func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(header + "E0001,ada@demo.jml.test,Ada,Lovelace,Engineering,SRE,full_time,active,2026-01-05,,100\n"))
	f.Add([]byte("employee_id,email,given_name,family_name,status\n\"x\n"))
	f.Add([]byte("employee_id,email,given_name,family_name,status,n\nE1,\"a,b,c,d,e\nE2,a,b,c,active,\"x\ny\"\n\r\nE3,a\"b,c,d,e,f\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		everyLineCounted(t, data, ParseCSV)
	})
}

// FuzzParseCSVProfile: the same through a vendor profile (its value
// words and date formats), so a mapping never loses or doubles a line.
func FuzzParseCSVProfile(f *testing.F) {
	gusto, err := Builtin("gusto")
	require.NoError(f, err)
	f.Add([]byte("Employee ID,First Name,Last Name,Work Email,Employment Status,Start Date\nG1,Ada,Lovelace,a@b.c,Active,03/15/2021\nG2,\"x\n"))
	f.Add([]byte("employee id,FIRST NAME,last name,work email,employment status,employment type\nG1,A,B,a@b.c,On Leave,Full-Time\n\nG2,A,B,c@d.e,Fired,Volunteer\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		everyLineCounted(t, data, func(in io.Reader) ([]Row, []string, error) { return ParseCSVProfile(in, gusto) })
	})
}

// everyLineCounted: the header is an error or every line after it belongs
// to exactly one row, in order, and blank lines to none.
func everyLineCounted(t *testing.T, data []byte, parse func(io.Reader) ([]Row, []string, error)) {
	{
		rows, _, err := parse(strings.NewReader(string(data)))
		if err != nil {
			assert.Nil(t, rows)
			return
		}
		lines := strings.Split(string(data), "\n")
		if strings.HasSuffix(string(data), "\n") {
			lines = lines[:len(lines)-1]
		}
		hr := csv.NewReader(strings.NewReader(string(data)))
		hr.FieldsPerRecord = -1
		hr.TrimLeadingSpace = true
		_, err = hr.Read()
		require.NoError(t, err, "the header parsed once")
		headerEnd := strings.Count(string(data[:hr.InputOffset()]), "\n")
		if hr.InputOffset() == int64(len(data)) && !strings.HasSuffix(string(data), "\n") {
			headerEnd = len(lines)
		}
		next := headerEnd + 1
		for _, r := range rows {
			require.NotEmpty(t, r.Ref)
			require.GreaterOrEqual(t, r.Line, next, "rows in order, none overlapping: %+v", rows)
			require.GreaterOrEqual(t, r.EndLine, r.Line)
			require.LessOrEqual(t, r.EndLine, len(lines))
			for n := next; n < r.Line; n++ {
				require.Contains(t, []string{"", "\r"}, lines[n-1], "line %d is in no row, so it must be blank", n)
			}
			next = r.EndLine + 1
			if r.Err == nil {
				_ = r.Record.Validate(r.Ref)
			}
		}
		for n := next; n <= len(lines); n++ {
			require.Contains(t, []string{"", "\r"}, lines[n-1], "line %d is in no row, so it must be blank", n)
		}
	}
}

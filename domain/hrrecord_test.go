package domain

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func valid() HRRecord {
	return HRRecord{EmployeeID: "E0042", Email: "ada@demo.jml.test", GivenName: "Ada", FamilyName: "Lovelace",
		Status: HRActive, EmploymentType: "full_time", StartDate: "2026-01-05", Timezone: "Europe/London"}
}

func TestValidate(t *testing.T) {
	require.NoError(t, valid().Validate("line 2"))
	cases := []struct {
		name   string
		mutate func(*HRRecord)
		want   []string
	}{
		{"no id names the row", func(r *HRRecord) { r.EmployeeID = "" }, []string{"record line 2: field employee_id: is required"}},
		{"id with a slash (would escape the workflow id)", func(r *HRRecord) { r.EmployeeID = "E1/../x" }, []string{"field employee_id: must be letters"}},
		{"bad email", func(r *HRRecord) { r.Email = "ada at demo" }, []string{"record E0042: field email: is not an email address"}},
		{"unknown status", func(r *HRRecord) { r.Status = "fired" }, []string{`field status: "fired" is not one of`}},
		{"bad dates and zone, all at once", func(r *HRRecord) { r.StartDate = "05/01/2026"; r.TerminationDate = "soon"; r.Timezone = "Mars/Olympus" },
			[]string{"field start_date", "field termination_date", "field timezone"}},
		{"terminated without a date", func(r *HRRecord) { r.Status = HRTerminated }, []string{"field termination_date: is required when status is terminated"}},
		{"own manager", func(r *HRRecord) { r.ManagerEmployeeID = "E0042" }, []string{"field manager_employee_id"}},
		{"unknown employment type", func(r *HRRecord) { r.EmploymentType = "volunteer" }, []string{"field employment_type"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			c.mutate(&r)
			err := r.Validate("line 2")
			require.Error(t, err)
			var es Errors
			require.True(t, errors.As(err, &es))
			assert.Len(t, es, len(c.want))
			for _, w := range c.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestTerminationAndStartInTheEmployeesZone(t *testing.T) {
	r := valid()
	r.Timezone = "America/New_York"
	r.TerminationDate = "2026-12-04" // a Friday
	ny, _ := time.LoadLocation("America/New_York")
	assert.Equal(t, time.Date(2026, 12, 4, 17, 0, 0, 0, ny), r.TerminationAt(), "17:00 local on the date")
	exact := time.Date(2026, 12, 4, 12, 30, 0, 0, time.UTC)
	r.TerminationEffectiveAt = exact
	assert.Equal(t, exact, r.TerminationAt(), "an exact instant wins")
	r.StartDate = "2026-12-07"
	assert.Equal(t, time.Date(2026, 12, 7, 9, 0, 0, 0, ny), r.StartAt())
	r.Timezone = ""
	assert.Equal(t, time.UTC, r.TimeZone())
	assert.Equal(t, "Ada Lovelace", r.Name())
}

func TestValidateTextFields(t *testing.T) {
	long := strings.Repeat("x", MaxFieldLen+1)
	cases := []struct {
		name   string
		mutate func(*HRRecord)
		want   string
	}{
		{"title over the limit", func(r *HRRecord) { r.Title = long }, "field title: is 257 characters long: at most 256"},
		{"a 900,000-character title", func(r *HRRecord) { r.Title = strings.Repeat("t", 900_000) }, "field title: is 900000 characters long"},
		{"given name over the limit", func(r *HRRecord) { r.GivenName = long }, "field given_name: is 257 characters"},
		{"department over the limit", func(r *HRRecord) { r.Department = long }, "field department: is 257"},
		{"LF in a name", func(r *HRRecord) { r.FamilyName = "Love\nlace" }, "field family_name: has a control character (U+000A)"},
		{"CR in a name", func(r *HRRecord) { r.GivenName = "A\rda" }, "field given_name: has a control character (U+000D)"},
		{"NUL in a name", func(r *HRRecord) { r.DisplayName = "Ada\x00" }, "field display_name: has a control character (U+0000)"},
		{"NUL in the cost centre", func(r *HRRecord) { r.CostCenter = "CC\x00" }, "field cost_center: has a control character"},
		{"CR in the location", func(r *HRRecord) { r.Location = "London\r" }, "field location: has a control character"},
		{"right-to-left override in the email", func(r *HRRecord) { r.Email = "ada\u202egnp.test@demo.jml.test" }, "field email: has a bidirectional control character (U+202E)"},
		{"zero-width space in the email", func(r *HRRecord) { r.Email = "ada\u200b@demo.jml.test" }, "field email: has an invisible or format character (U+200B)"},
		{"right-to-left override in a name", func(r *HRRecord) { r.GivenName = "Ada\u202e" }, "field given_name: has a bidirectional control character"},
		{"invalid UTF-8", func(r *HRRecord) { r.Title = "\xff" }, "field title: is not valid UTF-8"},
		{"a control character in the status is not echoed twice", func(r *HRRecord) { r.Status = "active\n" }, "field status: has a control character"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			c.mutate(&r)
			err := r.Validate("line 2")
			require.Error(t, err)
			var es Errors
			require.True(t, errors.As(err, &es))
			assert.Len(t, es, 1, "one problem, one error: %v", err)
			assert.Contains(t, err.Error(), c.want)
			assert.Less(t, len(err.Error()), 400, "the error never echoes the long value")
		})
	}
	r := valid()
	r.GivenName = strings.Repeat("é", MaxFieldLen) // characters, not bytes
	r.DisplayName = "José Ñúñez-O'Brien"
	r.FamilyName = "زهرا\u200cی" // a zero-width non-joiner belongs in Persian names
	assert.NoError(t, r.Validate("line 2"))

	r = valid()
	r.EmployeeID = "E\n1"
	assert.ErrorContains(t, r.Validate("line 9"), "record line 9: field employee_id: has a control character",
		"a bad id is not used to name the record")
}

func TestFirstOccurrences(t *testing.T) {
	recs := []HRRecord{{EmployeeID: "E1"}, {EmployeeID: "E2"}, {EmployeeID: "E1"}, {}, {EmployeeID: "E1"}}
	assert.Equal(t, []int{0, 1, 0, -1, 0}, FirstOccurrences(recs))
}

func TestManagerCycles(t *testing.T) {
	rec := func(id, mgr string) HRRecord { return HRRecord{EmployeeID: id, ManagerEmployeeID: mgr} }
	cases := []struct {
		name string
		recs []HRRecord
		want [][]string
	}{
		{"a tree", []HRRecord{rec("E1", ""), rec("E2", "E1"), rec("E3", "E2")}, nil},
		{"manager outside the file", []HRRecord{rec("E2", "E9"), rec("E3", "E2")}, nil},
		{"two people", []HRRecord{rec("E1", "E2"), rec("E2", "E1")}, [][]string{{"E1", "E2"}}},
		{"three, entered from a tail", []HRRecord{rec("E9", "E1"), rec("E1", "E2"), rec("E2", "E3"), rec("E3", "E1")}, [][]string{{"E1", "E2", "E3"}}},
		{"two cycles", []HRRecord{rec("A", "B"), rec("B", "A"), rec("C", "D"), rec("D", "C"), rec("E", "A")}, [][]string{{"A", "B"}, {"C", "D"}}},
		{"self is not a cycle here", []HRRecord{rec("E1", "E1")}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { assert.Equal(t, c.want, ManagerCycles(c.recs)) })
	}
}

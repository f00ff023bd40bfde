package domain

import (
	"errors"
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

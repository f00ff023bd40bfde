package hr

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/domain"
)

// TestShippedProfiles reads each shipped profile's sample export (in the
// vendor's own headers and words) and checks every row: the good ones
// mapped onto jml's record, each bad one refused naming its line and field.
func TestShippedProfiles(t *testing.T) {
	for _, tc := range []struct {
		profile string
		good    map[string]domain.HRRecord // employee id -> the fields checked
		bad     map[int]string             // line -> "field X: reason"
	}{
		{"gusto", map[string]domain.HRRecord{
			"G10001": {Email: "ada.lovelace@acme.test", GivenName: "Ada", FamilyName: "Lovelace", Status: domain.HRActive, EmploymentType: "full_time", StartDate: "2021-03-15", Timezone: "America/New_York", CostCenter: "CC-100", DisplayName: "Ada Lovelace"},
			"G10002": {Status: domain.HRActive, EmploymentType: "part_time", StartDate: "2022-01-10", ManagerEmployeeID: "G10001"},
			"G10003": {Status: domain.HROnLeave, EmploymentType: "contractor", Location: "London"},
			"G10004": {Status: domain.HRTerminated, TerminationDate: "2026-11-30", StartDate: "2020-01-09"},
			"G10005": {Status: domain.HRPending, EmploymentType: "intern", StartDate: "2027-01-04"},
			"G10006": {Status: domain.HROnLeave, EmploymentType: "contractor"},
		}, map[int]string{
			8:  `record G10007 (line 8): field status: "Furloughed" is not a status word of profile gusto`,
			9:  `record G10008 (line 9): field start_date: "13/45/2025" is not a date in profile gusto's formats (01/02/2006, 2006-01-02, RFC3339)`,
			10: `record G10009: field email: is required`,
		}},
		{"adp", map[string]domain.HRRecord{
			"AXK4L2M9Q": {Email: "ada.lovelace@acme.test", GivenName: "Ada", Department: "Engineering", Title: "VP Engineering", Status: domain.HRActive, EmploymentType: "full_time", StartDate: "2021-03-15", CostCenter: "100100"},
			"BZT7P1R3W": {Status: domain.HROnLeave, EmploymentType: "part_time", ManagerEmployeeID: "AXK4L2M9Q", DisplayName: "Grace Hopper"},
			"CQW2N8D5E": {Status: domain.HRTerminated, TerminationDate: "2026-10-31"},
			"DMR9H4J6T": {Status: domain.HRActive, EmploymentType: "contractor"},
			"EJV3K7S1Y": {EmploymentType: "contractor", StartDate: "2026-06-01"},
		}, map[int]string{
			7: `record FHN6B2X8U (line 7): field status: "Retired" is not a status word of profile adp`,
			8: `record GPL1C5V9I (line 8): field employment_type: "Volunteer" is not an employment type of profile adp`,
		}},
		{"bamboohr", map[string]domain.HRRecord{
			"1001": {Email: "ada.lovelace@acme.test", Department: "Engineering", Status: domain.HRActive, EmploymentType: "full_time", StartDate: "2021-03-15"},
			"1002": {ManagerEmployeeID: "1001", EmploymentType: "part_time"},
			"1003": {Status: domain.HRTerminated, TerminationDate: "2026-10-31"},
			"1004": {EmploymentType: "contractor", StartDate: "2025-09-01"},
			"1005": {EmploymentType: "intern", ManagerEmployeeID: "1003"},
			"1007": {Location: "Amsterdam"},
		}, map[int]string{
			7: `record 1006: field termination_date: is required when status is terminated`,
			9: `record 1008 (line 9): field employment_type: "Per Diem" is not an employment type of profile bamboohr`,
		}},
		{"workday", map[string]domain.HRRecord{
			"21001": {Email: "ada.lovelace@acme.test", Department: "Engineering", Title: "VP Engineering", Status: domain.HRActive, EmploymentType: "full_time", StartDate: "2021-03-15", Country: "US", CostCenter: "CC100 Engineering"},
			"21003": {Status: domain.HROnLeave, EmploymentType: "contractor", Country: "GB"},
			"21004": {Status: domain.HRTerminated, EmploymentType: "contractor", TerminationDate: "2026-11-30"},
			"21005": {Status: domain.HRPending, EmploymentType: "intern", ManagerEmployeeID: "21003"},
			"21006": {Timezone: "Europe/Paris"},
		}, map[int]string{
			8: `record 21007: field timezone: "Europe/Amersfoort" is not an IANA time zone`,
			9: `record 21008 (line 9): field status: "Retired" is not a status word of profile workday`,
		}},
		{"jml", map[string]domain.HRRecord{
			"E1001": {Status: domain.HRActive, EmploymentType: "full_time", Country: "US"},
			"E1002": {Status: domain.HROnLeave, EmploymentType: "part_time"},
			"E1003": {Status: domain.HRTerminated, TerminationDate: "2026-10-31"},
			"E1004": {Status: domain.HRPending, EmploymentType: "intern", DisplayName: ""},
		}, map[int]string{
			6: `record E1005 (line 6): field employment_type: "Permanent" is not an employment type of profile jml`,
			7: `record E1006 (line 7): field start_date: "14.02.2024" is not a date in profile jml's formats (2006-01-02)`,
		}},
	} {
		t.Run(tc.profile, func(t *testing.T) {
			p, err := Builtin(tc.profile)
			require.NoError(t, err)
			f, err := os.Open("testdata/" + tc.profile + ".csv")
			require.NoError(t, err)
			defer f.Close()
			rows, unknown, err := ParseCSVProfile(f, p)
			require.NoError(t, err)
			assert.Empty(t, unknown, "every column of the vendor's export is mapped or ignored on purpose")
			data, err := os.ReadFile("testdata/" + tc.profile + ".csv")
			require.NoError(t, err)
			assert.Len(t, rows, strings.Count(string(data), "\n")-1, "one row per line after the header")
			good := 0
			for _, row := range rows {
				err := row.Err
				if err == nil {
					err = row.Record.Validate(row.Ref)
				}
				if want, ok := tc.bad[row.Line]; ok {
					require.Error(t, err, row.Ref)
					assert.Contains(t, err.Error(), want, row.Ref)
					continue
				}
				require.NoError(t, err, row.Ref)
				good++
				want, ok := tc.good[row.Record.EmployeeID]
				if !ok {
					continue
				}
				checkFields(t, row.Ref, want, row.Record)
			}
			assert.Equal(t, len(rows)-len(tc.bad), good)
		})
	}
}

// checkFields compares the fields want sets (its empty fields are not checked).
func checkFields(t *testing.T, ref string, want, got domain.HRRecord) {
	t.Helper()
	pairs := []struct{ name, w, g string }{
		{"email", want.Email, got.Email}, {"given_name", want.GivenName, got.GivenName},
		{"family_name", want.FamilyName, got.FamilyName}, {"display_name", want.DisplayName, got.DisplayName},
		{"department", want.Department, got.Department}, {"title", want.Title, got.Title},
		{"location", want.Location, got.Location}, {"country", want.Country, got.Country},
		{"timezone", want.Timezone, got.Timezone}, {"cost_center", want.CostCenter, got.CostCenter},
		{"employment_type", want.EmploymentType, got.EmploymentType}, {"manager", want.ManagerEmployeeID, got.ManagerEmployeeID},
		{"status", string(want.Status), string(got.Status)}, {"start_date", want.StartDate, got.StartDate},
		{"termination_date", want.TerminationDate, got.TerminationDate},
	}
	for _, p := range pairs {
		if p.w != "" {
			assert.Equal(t, p.w, p.g, "%s: %s", ref, p.name)
		}
	}
}

// TestProfileOverridesAndDerivations: a source laid over a shipped profile
// adds its own columns and words, and fills country, time zone and display
// name from the location table or the defaults, never over what a row says.
func TestProfileOverridesAndDerivations(t *testing.T) {
	base, err := Builtin("gusto")
	require.NoError(t, err)
	p := base.Override(Profile{Name: "acme",
		Columns: map[string]string{"Emp No": "employee_id", "Employee ID": Ignore},
		Status:  map[string]domain.HRStatus{"Furloughed": domain.HROnLeave},
		Defaults: Defaults{Country: "US", Timezone: "America/New_York", DisplayName: "{family}, {given}",
			Locations: map[string]Location{"london": {Country: "GB", Timezone: "Europe/London"}}},
	})
	in := "Emp No,Employee ID,First Name,Last Name,Work Email,Employment Status,Location,Time Zone\n" +
		"A1,G1,Ada,Lovelace,ada@acme.test,Furloughed,London,\n" +
		"A2,G2,Grace,Hopper,grace@acme.test,Active,Boston,America/Chicago\n"
	rows, unknown, err := ParseCSVProfile(strings.NewReader(in), p)
	require.NoError(t, err)
	assert.Empty(t, unknown)
	require.Len(t, rows, 2)
	a, g := rows[0].Record, rows[1].Record
	assert.Equal(t, "A1", a.EmployeeID, "the source's column wins; the shipped one is ignored")
	assert.Equal(t, domain.HROnLeave, a.Status)
	assert.Equal(t, "GB", a.Country, "from the location table, case-insensitively")
	assert.Equal(t, "Europe/London", a.Timezone)
	assert.Equal(t, "Lovelace, Ada", a.DisplayName)
	assert.Equal(t, "US", g.Country, "the default country")
	assert.Equal(t, "America/Chicago", g.Timezone, "a row's own time zone is kept")
	assert.Empty(t, base.Columns["Emp No"], "Override does not change the shipped profile")
	again, _ := Builtin("gusto")
	assert.Equal(t, "employee_id", again.Columns["Employee ID"])
}

func TestProfileHeaderProblems(t *testing.T) {
	p, err := Builtin("gusto")
	require.NoError(t, err)
	_, _, err = ParseCSVProfile(strings.NewReader("Employee ID,First Name,Last Name,Employment Status\nG1,A,B,Active\n"), p)
	assert.EqualError(t, err, `header: missing required column(s) email ("Work Email")`)
	_, _, err = ParseCSVProfile(strings.NewReader("Employee ID,employee_id,First Name,Last Name,Work Email,Employment Status\n"), p)
	assert.EqualError(t, err, `header: columns "Employee ID" and "employee_id" both map to field employee_id`)
	_, _, err = ParseCSVProfile(strings.NewReader("x\n"), Profile{Name: "bad", DateFormats: []string{"DD/MM/YYYY"}})
	assert.ErrorContains(t, err, "profile bad: date_formats[0]")
}

func TestParseJSONProfile(t *testing.T) {
	p, err := Builtin("workday")
	require.NoError(t, err)
	in := `{"records": [
	 {"Employee_ID": "21001", "Legal_First_Name": "Ada", "Legal_Last_Name": "Lovelace", "Primary_Work_Email": "ada@acme.test",
	  "Worker_Status": "Active", "Employee_Type": "Regular", "Hire_Date": "2021-03-15-08:00", "Headcount": 1},
	 {"Employee_ID": 21002, "Legal_First_Name": "Grace", "Legal_Last_Name": "Hopper", "Primary_Work_Email": "grace@acme.test",
	  "Worker_Status": "Sabbatical"},
	 {"Employee_ID": "21003", "Legal_First_Name": ["Alan"]}
	]}`
	rows, unknown, err := ParseJSONProfile([]byte(in), p)
	require.NoError(t, err)
	assert.Equal(t, []string{"Headcount"}, unknown)
	require.Len(t, rows, 3)
	require.NoError(t, rows[0].Err)
	assert.Equal(t, "2021-03-15", rows[0].Record.StartDate)
	assert.Equal(t, "full_time", rows[0].Record.EmploymentType)
	assert.EqualError(t, rows[1].Err, `record 21002 (records[1]): field status: "Sabbatical" is not a status word of profile workday (expected one of Active, Leave of Absence, On Leave, Pre-Hire, Terminated, or jml's pending, active, on_leave, terminated)`)
	assert.EqualError(t, rows[2].Err, `records[2]: key "Legal_First_Name": expected text, a number, a boolean or null`)
}

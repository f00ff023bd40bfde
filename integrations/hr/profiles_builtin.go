package hr

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jml-dev/jml/domain"
)

// The shipped profiles, by the column names and words each vendor's export
// really uses. A configured source names one (hr.sources[].profile) and
// overrides parts. A temporary worker is a contractor to jml: the catalog's
// non-employee rules apply, never an employee's.
var builtins = map[string]Profile{
	"jml": {
		Name:        "jml",
		DateFormats: []string{"2006-01-02"},
	},
	// Gusto's employee export (People > Team members > Export, or an
	// Employee report): US dates first.
	"gusto": {
		Name: "gusto",
		Columns: map[string]string{
			"Employee ID": "employee_id", "First Name": "given_name", "Last Name": "family_name",
			"Preferred First Name": Ignore, "Work Email": "email", "Personal Email": Ignore,
			"Department": "department", "Job Title": "title", "Manager ID": "manager_employee_id",
			"Employment Status": "status", "Employment Type": "employment_type",
			"Start Date": "start_date", "Termination Date": "termination_date", "Location": "location",
			"Time Zone": "timezone", "Cost Center": "cost_center",
		},
		Status: map[string]domain.HRStatus{
			"Active": domain.HRActive, "Onboarding": domain.HRPending, "Hired": domain.HRPending,
			"On Leave": domain.HROnLeave, "Leave of Absence": domain.HROnLeave,
			"Terminated": domain.HRTerminated, "Dismissed": domain.HRTerminated,
		},
		EmploymentType: map[string]string{
			"Full-Time": "full_time", "Part-Time": "part_time", "Contractor": "contractor", "Intern": "intern",
			"Temporary": "contractor", "Seasonal": "contractor", "Variable": "part_time",
			"part_time_under_twenty_hours": "part_time", "part_time_twenty_plus_hours": "part_time",
		},
		DateFormats: []string{"01/02/2006", "2006-01-02", "RFC3339"},
		Defaults:    Defaults{DisplayName: "{given} {family}"},
	},
	// ADP Workforce Now, a custom report exported as CSV: associate ids,
	// position status, worker category.
	"adp": {
		Name: "adp",
		Columns: map[string]string{
			"Associate ID": "employee_id", "Position ID": Ignore, "File Number": Ignore,
			"Legal First Name": "given_name", "Legal Last Name": "family_name", "Preferred First Name": Ignore,
			"Work Contact: Work Email": "email", "Personal Contact: Personal Email": Ignore,
			"Home Department Description": "department", "Home Department Code": Ignore,
			"Job Title Description": "title", "Reports To Associate ID": "manager_employee_id", "Reports To Name": Ignore,
			"Position Status": "status", "Worker Category Description": "employment_type",
			"Hire Date": "start_date", "Termination Date": "termination_date",
			"Location Description": "location", "Home Cost Number Code": "cost_center",
		},
		Status: map[string]domain.HRStatus{
			"Active": domain.HRActive, "A": domain.HRActive, "Leave": domain.HROnLeave, "L": domain.HROnLeave,
			"On Leave": domain.HROnLeave, "Terminated": domain.HRTerminated, "T": domain.HRTerminated,
			"Deceased": domain.HRTerminated,
		},
		EmploymentType: map[string]string{
			"Full Time": "full_time", "FT": "full_time", "Part Time": "part_time", "PT": "part_time",
			"Temporary": "contractor", "Seasonal": "contractor", "Contractor": "contractor", "Intern": "intern",
		},
		DateFormats: []string{"01/02/2006", "2006-01-02"},
		Defaults:    Defaults{DisplayName: "{given} {family}"},
	},
	// BambooHR's custom report, exported as CSV: its columns are the
	// fields' labels. Status is Active or Inactive; Employment Status
	// carries the kind of employment.
	"bamboohr": {
		Name: "bamboohr",
		Columns: map[string]string{
			"Employee #": "employee_id", "EEID": Ignore, "First Name": "given_name", "Last Name": "family_name",
			"Preferred Name": Ignore, "Work Email": "email", "Home Email": Ignore, "Department": "department",
			"Division": Ignore, "Job Title": "title", "Location": "location", "Supervisor EID": "manager_employee_id",
			"Reporting to": Ignore, "Status": "status", "Employment Status": "employment_type",
			"Hire Date": "start_date", "Termination Date": "termination_date", "Country": Ignore,
		},
		Status: map[string]domain.HRStatus{
			"Active": domain.HRActive, "Inactive": domain.HRTerminated,
		},
		EmploymentType: map[string]string{
			"Full-Time": "full_time", "Part-Time": "part_time", "Contractor": "contractor", "Intern": "intern",
			"Temporary": "contractor",
		},
		DateFormats: []string{"2006-01-02", "01/02/2006"},
		Defaults:    Defaults{DisplayName: "{given} {family}"},
	},
	// Workday: a RaaS report or EIB sheet as CSV, columns named by their
	// XML aliases. Workday writes a date with its offset (2026-01-05-08:00).
	"workday": {
		Name: "workday",
		Columns: map[string]string{
			"Employee_ID": "employee_id", "Legal_First_Name": "given_name", "Legal_Last_Name": "family_name",
			"Preferred_Name": Ignore, "Primary_Work_Email": "email", "Supervisory_Organization": "department",
			"Business_Title": "title", "Manager_Employee_ID": "manager_employee_id", "Manager": Ignore,
			"Worker_Status": "status", "Employee_Type": "employment_type", "Time_Type": Ignore,
			"Hire_Date": "start_date", "Termination_Date": "termination_date", "Location": "location",
			"Country_ISO_Code": "country", "Time_Zone": "timezone", "Cost_Center": "cost_center",
		},
		Status: map[string]domain.HRStatus{
			"Active": domain.HRActive, "On Leave": domain.HROnLeave, "Leave of Absence": domain.HROnLeave,
			"Terminated": domain.HRTerminated, "Pre-Hire": domain.HRPending,
		},
		EmploymentType: map[string]string{
			"Regular": "full_time", "Full time": "full_time", "Part time": "part_time", "Intern": "intern",
			"Temporary": "contractor", "Fixed Term": "contractor", "Contractor": "contractor",
			"Contingent Worker": "contractor",
		},
		DateFormats: []string{"2006-01-02", "2006-01-02-07:00", "01/02/2006", "RFC3339"},
		Defaults:    Defaults{DisplayName: "{given} {family}"},
	},
}

// DefaultProfile is the profile of an import that names none.
const DefaultProfile = "jml"

// BuiltinNames lists the shipped profiles.
func BuiltinNames() []string { return slices.Sorted(maps.Keys(builtins)) }

// Builtin returns a shipped profile (a copy: callers may override it).
func Builtin(name string) (Profile, error) {
	p, ok := builtins[strings.ToLower(name)]
	if !ok {
		return Profile{}, fmt.Errorf("%q is not a shipped profile (expected one of: %s)", name, strings.Join(BuiltinNames(), ", "))
	}
	return Profile{}.Override(p), nil
}

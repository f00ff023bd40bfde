package domain

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

var testCatalog = Catalog{
	Birthright: Grant{Groups: map[string][]string{"entra": {"all-staff"}, "okta": {"all-staff"}}, Apps: []string{"zoom"}},
	Rules: []Rule{
		{Name: "eng", Match: Match{Departments: []string{"Engineering"}}, Grant: Grant{Groups: map[string][]string{"entra": {"dept-eng"}}, Apps: []string{"github"}, AdminRoles: map[string][]string{"entra": {"User Administrator"}}}},
		{Name: "sales", Match: Match{Departments: []string{"sales"}}, Grant: Grant{Groups: map[string][]string{"okta": {"dept-sales"}}, Apps: []string{"salesforce"}}},
		{Name: "ft", Match: Match{EmploymentTypes: []string{"full_time"}}, Grant: Grant{Licenses: map[string][]string{"entra": {"SPE_E3"}}}},
		{Name: "london-sre", Match: Match{Titles: []string{"SRE"}, Locations: []string{"London"}}, Grant: Grant{Groups: map[string][]string{"entra": {"oncall", "dept-eng"}}}},
		{Name: "nobody", Grant: Grant{Groups: map[string][]string{"entra": {"everyone-by-mistake"}}}},
	},
}

func TestEvaluate(t *testing.T) {
	cases := []struct {
		name  string
		attrs Attributes
		want  Entitlements
	}{
		{"birthright only", Attributes{Department: "Finance", EmploymentType: "contractor"}, Entitlements{
			Groups: map[string][]string{"entra": {"all-staff"}, "okta": {"all-staff"}}, Licenses: map[string][]string{}, EligibleRoles: map[string][]string{}, Apps: []string{"zoom"}}},
		{"engineer, full time", Attributes{Department: "Engineering", EmploymentType: "full_time"}, Entitlements{
			Groups: map[string][]string{"entra": {"all-staff", "dept-eng"}, "okta": {"all-staff"}}, Licenses: map[string][]string{"entra": {"SPE_E3"}},
			EligibleRoles: map[string][]string{"entra": {"User Administrator"}}, Apps: []string{"github", "zoom"}, Rules: []string{"eng", "ft"}}},
		{"case-insensitive match", Attributes{Department: "SALES"}, Entitlements{
			Groups: map[string][]string{"entra": {"all-staff"}, "okta": {"all-staff", "dept-sales"}}, Licenses: map[string][]string{}, EligibleRoles: map[string][]string{}, Apps: []string{"salesforce", "zoom"}, Rules: []string{"sales"}}},
		{"all criteria must match, duplicates merged", Attributes{Department: "Engineering", Title: "SRE", Location: "London"}, Entitlements{
			Groups: map[string][]string{"entra": {"all-staff", "dept-eng", "oncall"}, "okta": {"all-staff"}}, Licenses: map[string][]string{},
			EligibleRoles: map[string][]string{"entra": {"User Administrator"}}, Apps: []string{"github", "zoom"}, Rules: []string{"eng", "london-sre"}}},
		{"SRE elsewhere", Attributes{Title: "SRE", Location: "Dublin"}, Entitlements{
			Groups: map[string][]string{"entra": {"all-staff"}, "okta": {"all-staff"}}, Licenses: map[string][]string{}, EligibleRoles: map[string][]string{}, Apps: []string{"zoom"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := testCatalog.Evaluate(c.attrs)
			assert.Equal(t, c.want, got)
			assert.Equal(t, got, testCatalog.Evaluate(c.attrs), "deterministic")
		})
	}
}

func TestDiff(t *testing.T) {
	eng := testCatalog.Evaluate(Attributes{Department: "Engineering", EmploymentType: "full_time"})
	sales := testCatalog.Evaluate(Attributes{Department: "Sales", EmploymentType: "full_time"})
	assert.Equal(t, []Change{
		{Directory: "entra", Kind: "group", Remove: []string{"dept-eng"}},
		{Directory: "okta", Kind: "group", Add: []string{"dept-sales"}},
		{Directory: "scim", Kind: "app", Add: []string{"salesforce"}, Remove: []string{"github"}},
	}, Diff(eng, sales))
	assert.Empty(t, Diff(eng, eng))
	// Access outside the catalog is never in the old entitlements, so a move never removes it.
	for _, c := range Diff(eng, sales) {
		assert.NotContains(t, c.Remove, "User Administrator")
	}
}

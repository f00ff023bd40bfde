// Package demoorg generates the demo organisation that seeds every emulator
// for `jml dev`, the end-to-end tests and the benchmarks: 500 employees in
// several departments with managers, groups, licenses, a few standing
// admins, devices and MFA factors, and a handful of SCIM apps. It is
// deterministic: the same call always yields the same organisation.
package demoorg

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/domain"
)

// Domain is the demo organisation's email domain (.test is reserved, so
// nothing here can ever be a real address).
const Domain = "demo.jml.test"

// Department is one department with its location and titles.
type Department struct {
	Name     string
	Location string
	Country  string
	Timezone string
	Titles   []string
}

// Departments of the demo organisation.
var Departments = []Department{
	{"Engineering", "London", "GB", "Europe/London", []string{"Software Engineer", "Senior Software Engineer", "SRE"}},
	{"Sales", "New York", "US", "America/New_York", []string{"Account Executive", "Sales Development Rep"}},
	{"Support", "Dublin", "IE", "Europe/Dublin", []string{"Support Engineer"}},
	{"Finance", "New York", "US", "America/New_York", []string{"Accountant", "Financial Analyst"}},
	{"Marketing", "London", "GB", "Europe/London", []string{"Marketing Manager", "Content Writer"}},
	{"People", "Dublin", "IE", "Europe/Dublin", []string{"HR Partner", "Recruiter"}},
	{"IT", "London", "GB", "Europe/London", []string{"IT Administrator", "Security Engineer"}},
}

// SCIMApps are the demo's SCIM-provisioned SaaS apps.
var SCIMApps = []string{"github", "salesforce", "zoom"}

// License is a license SKU (an Entra subscribedSku).
type License struct {
	Name string // skuPartNumber, as the role catalog names it
	ID   string // skuId
}

// Licenses of the demo tenant.
var Licenses = []License{
	{"SPE_E3", "05e9a617-0261-4cee-bb44-138d3ef5d965"},
	{"SPE_E5", "06ebc4ee-1bb5-47dd-8120-11324bc54e06"},
	{"POWER_BI_PRO", "f8a1db68-be16-40ed-86d5-cb42ce701560"},
}

// Record is the HR record, named so an Employee embeds it as .Record.
type Record = domain.HRRecord

// Employee is one person of the demo organisation with what the
// directories already hold for them.
type Employee struct {
	Record
	Groups     []string // group names held in every directory
	License    string   // license name (Entra)
	AdminRoles []string // standing admin roles (a KPI finding)
	DeviceOK   bool     // their managed device is compliant
	MFA        bool     // an MFA factor is enrolled
	Apps       []string // SCIM apps they have an account in
}

// Org is the generated organisation.
type Org struct {
	Domain    string
	Employees []Employee        // already employed: accounts exist in every directory
	Joiners   []domain.HRRecord // hired, starting soon: only in HR
	Groups    []string          // every group name
}

// EmployeeID formats the demo's opaque employee ids.
func EmployeeID(n int) string { return fmt.Sprintf("E%04d", n) }

var given = []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Ken", "Margaret", "Dennis", "Frances", "Linus", "Radia", "Tim", "Katherine", "John", "Hedy", "Donald", "Shafi", "Leslie", "Sophie", "Niklaus"}
var family = []string{"Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Thompson", "Hamilton", "Ritchie", "Allen", "Torvalds", "Perlman", "Berners-Lee", "Johnson", "McCarthy", "Lamarr", "Knuth", "Goldwasser", "Lamport", "Wilson", "Wirth"}

// Slug lower-cases a department name for group names.
func Slug(s string) string { return strings.ToLower(strings.ReplaceAll(s, " ", "-")) }

// New builds the organisation with n employees and j joiners.
func New(n, j int) Org {
	org := Org{Domain: Domain, Groups: []string{"all-staff"}}
	for _, d := range Departments {
		org.Groups = append(org.Groups, "dept-"+Slug(d.Name))
	}
	org.Groups = append(org.Groups, "contractors")
	for i := 1; i <= n+j; i++ {
		d := Departments[(i-1)%len(Departments)]
		g, f := given[(i-1)%len(given)], family[((i-1)/len(given))%len(family)]
		rec := domain.HRRecord{
			Source:         "demo",
			EmployeeID:     EmployeeID(i),
			Email:          fmt.Sprintf("%s.%s%d@%s", strings.ToLower(g), strings.ToLower(strings.ReplaceAll(f, "-", "")), i, Domain),
			GivenName:      g,
			FamilyName:     f,
			Department:     d.Name,
			Title:          d.Titles[(i/len(Departments))%len(d.Titles)],
			Location:       d.Location,
			Country:        d.Country,
			Timezone:       d.Timezone,
			CostCenter:     fmt.Sprintf("CC-%d", 100+(i-1)%len(Departments)),
			EmploymentType: "full_time",
			Status:         domain.HRActive,
			StartDate:      "2024-01-08",
		}
		if i%25 == 0 {
			rec.EmploymentType = "contractor"
		}
		// The first len(Departments) employees head their departments and
		// report to E0001; everyone else reports to their department head.
		if i > len(Departments) {
			rec.ManagerEmployeeID = EmployeeID((i-1)%len(Departments) + 1)
		} else if i > 1 {
			rec.ManagerEmployeeID = EmployeeID(1)
		}
		if i > n {
			rec.Status = domain.HRPending
			rec.StartDate = "2026-12-07"
			org.Joiners = append(org.Joiners, rec)
			continue
		}
		e := Employee{Record: rec, Groups: []string{"all-staff", "dept-" + Slug(d.Name)}, License: "SPE_E3", DeviceOK: i%10 != 0, MFA: i%13 != 0}
		if rec.EmploymentType == "contractor" {
			e.Groups = append(e.Groups, "contractors")
			e.License = ""
		}
		if d.Name == "IT" && i <= 50 {
			e.AdminRoles = []string{"User Administrator"} // standing admins the KPI report must find
		}
		if d.Name == "Engineering" {
			e.Apps = []string{"github"}
		}
		if d.Name == "Sales" {
			e.Apps = []string{"salesforce"}
		}
		e.Apps = append(e.Apps, "zoom")
		org.Employees = append(org.Employees, e)
	}
	return org
}

// Default is the organisation `jml dev` runs: 500 employees, 5 joiners.
func Default() Org { return New(500, 5) }

package catalogreport_test

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/catalogreport"
)

func demo(t *testing.T) (catalogreport.Report, demoorg.Org) {
	t.Helper()
	cfg, err := config.LoadFor("../../config/demo.yaml", func(string) string { return "" }, config.NeedNothing)
	if err != nil {
		t.Fatal(err)
	}
	org := demoorg.New(100, 3)
	var recs []domain.HRRecord
	for _, e := range org.Employees {
		recs = append(recs, e.Record)
	}
	at := time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)
	return catalogreport.Build(catalogreport.FromConfig(cfg, recs, at)), org
}

// count is how many of the demo employees satisfy f: the report's numbers
// are checked against a count made here, not against constants.
func count(org demoorg.Org, f func(demoorg.Employee) bool) int {
	n := 0
	for _, e := range org.Employees {
		if f(e) {
			n++
		}
	}
	return n
}

func csvRows(t *testing.T, r catalogreport.Report) [][]string {
	t.Helper()
	var b bytes.Buffer
	if err := catalogreport.WriteCSV(&b, r); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if !slices.Equal(rows[0], catalogreport.CSVHeader) {
		t.Fatalf("header %v", rows[0])
	}
	return rows[1:]
}

func find(rows [][]string, section, rule, dir, kind, ent string) []string {
	for _, r := range rows {
		if r[0] == section && (rule == "" || r[1] == rule) && r[3] == dir && r[4] == kind && r[5] == ent {
			return r
		}
	}
	return nil
}

// TestCatalogReportFromTheDemoConfig renders both formats from the demo
// configuration over the demo organisation and checks the rows: what each
// rule grants, how many it matches, the apps by mode, the JIT-only roles.
func TestCatalogReportFromTheDemoConfig(t *testing.T) {
	r, org := demo(t)
	rows := csvRows(t, r)
	eng := count(org, func(e demoorg.Employee) bool { return e.Department == "Engineering" })
	contractors := count(org, func(e demoorg.Employee) bool { return e.EmploymentType == "contractor" })
	it := count(org, func(e demoorg.Employee) bool { return e.Department == "IT" })
	if eng == 0 || contractors == 0 || it == 0 {
		t.Fatal("fixture: the demo organisation lacks a department the test counts")
	}
	for _, c := range []struct {
		rule, dir, kind, ent string
		matching             int
		mode                 string
	}{
		{catalogreport.BirthrightRule, "entra", "group", "all-staff", len(org.Employees), ""},
		{catalogreport.BirthrightRule, "", "app", "zoom", len(org.Employees), "scim"},
		{"engineering", "okta", "group", "dept-engineering", eng, ""},
		{"engineering", "", "app", "github", eng, "scim"},
		{"employees-get-e3", "entra", "license", "SPE_E3", len(org.Employees) - contractors, ""},
		{"contractors", "google", "group", "contractors", contractors, ""},
		{"it", "entra", "admin_role_jit", "User Administrator", it, ""},
	} {
		row := find(rows, catalogreport.SectionRule, c.rule, c.dir, c.kind, c.ent)
		if row == nil {
			t.Errorf("no CSV row for rule %s granting %s %s %s", c.rule, c.dir, c.kind, c.ent)
			continue
		}
		if row[7] != itoa(c.matching) || row[6] != c.mode {
			t.Errorf("rule %s %s %s: matching %s mode %q, want %d %q", c.rule, c.kind, c.ent, row[7], row[6], c.matching, c.mode)
		}
		if !strings.Contains(row[9], "SOC 2 CC6.3") {
			t.Errorf("row %v does not name SOC 2 CC6.3", row)
		}
	}
	for _, r := range rows {
		if r[1] == "engineering" && r[0] == catalogreport.SectionRule && r[2] != "department in (Engineering)" {
			t.Errorf("engineering's match reads %q", r[2])
		}
	}

	// Apps by provisioning mode: the demo's three SCIM apps and its manual app.
	for _, app := range demoorg.SCIMApps {
		row := find(rows, catalogreport.SectionApp, "", "", "app", app)
		if row == nil || row[6] != "scim" {
			t.Errorf("app %s row %v, want mode scim", app, row)
		}
	}
	if row := find(rows, catalogreport.SectionApp, "", "", "app", "expensify"); row == nil || row[6] != "manual" || !strings.Contains(row[8], "owner E0004") || row[7] != "0" {
		t.Errorf("expensify row %v, want the demo's manual app with its owner, granted to nobody by demo.yaml", row)
	}
	if row := find(rows, catalogreport.SectionApp, "", "", "app", "github"); row == nil || row[7] != itoa(eng) || row[1] != "engineering" {
		t.Errorf("github row %v, want granted by engineering to %d", row, eng)
	}

	// Admin roles: every catalog admin role is JIT-only; one with no
	// elevation policy is reachable by nobody through jml.
	ua := find(rows, catalogreport.SectionJIT, "", "entra", "admin_role_jit", "User Administrator")
	if ua == nil || ua[7] != itoa(it) || !strings.Contains(ua[8], "entra-user-admin: at most 4h0m0s, approved by manager, MFA required") {
		t.Errorf("User Administrator row %v", ua)
	}
	ga := find(rows, catalogreport.SectionJIT, "", "entra", "admin_role_jit", "Global Administrator")
	if ga == nil || ga[7] != "0" || ga[1] != "" || !strings.Contains(ga[8], "not reachable through jml") {
		t.Errorf("Global Administrator row %v, want eligible to nobody, no policy", ga)
	}
	if u := find(rows, catalogreport.SectionUnused, "", "entra", "license", "SPE_E5"); u == nil {
		t.Error("SPE_E5 is declared and granted by no rule: the report should say so")
	}

	// The HTML: the same rows, self-contained.
	var h bytes.Buffer
	if err := catalogreport.WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	page := h.String()
	for _, bad := range []string{"<script", "src=", "href=", "http://", "https://", "@import", "url("} {
		if strings.Contains(strings.ToLower(page), bad) {
			t.Errorf("the HTML holds %q: not self-contained", bad)
		}
	}
	for _, want := range []string{"CC6.3", "<td>engineering</td><td>department in (Engineering)</td><td class=\"n\">" + itoa(eng) + "</td>",
		"<td>github</td><td>scim</td>", "<td>entra</td><td>User Administrator</td><td>it</td><td class=\"n\">" + itoa(it) + "</td>",
		"no elevation policy: not reachable through jml"} {
		if !strings.Contains(page, want) {
			t.Errorf("the HTML lacks %q", want)
		}
	}
	if n := len(regexp.MustCompile(`(?s)<table id="rules">.*?</table>`).FindString(page)); n == 0 {
		t.Error("no rules table")
	}
	if got := strings.Count(regexp.MustCompile(`(?s)<table id="rules">.*?</table>`).FindString(page), "<tr>") - 1; got != len(r.Rules) || got != 1+9 {
		t.Errorf("rules table has %d rows, want birthright + the demo's 9 rules (%d)", got, len(r.Rules))
	}
}

// TestCatalogReportEscapes: a rule or entitlement name an attacker could
// shape is escaped in both formats (HTML and spreadsheet formulas).
func TestCatalogReportEscapes(t *testing.T) {
	cat := domain.Catalog{
		Groups: map[string][]string{"okta": {"=HYPERLINK(\"x\")"}},
		Rules: []domain.Rule{{Name: "<img src=x onerror=alert(1)>", Match: domain.Match{Departments: []string{"+cmd"}},
			Grant: domain.Grant{Groups: map[string][]string{"okta": {"=HYPERLINK(\"x\")"}}}}},
	}
	r := catalogreport.Build(catalogreport.Input{Catalog: cat, Records: []domain.HRRecord{{EmployeeID: "E1", Department: "+cmd"}}})
	var h bytes.Buffer
	if err := catalogreport.WriteHTML(&h, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(h.String(), "<img") {
		t.Error("a rule name reached the HTML unescaped")
	}
	for _, row := range csvRows(t, r) {
		for _, f := range row {
			if f != "" && strings.ContainsRune("=+-@", rune(f[0])) {
				t.Errorf("CSV field %q would be evaluated by a spreadsheet", f)
			}
		}
	}
	if r.Rules[1].Matching != 1 {
		t.Errorf("the rule matched %d, want 1", r.Rules[1].Matching)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

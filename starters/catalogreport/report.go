// Package catalogreport renders the role catalog for an auditor: each rule
// with what it grants per directory and app, how many active employees it
// matches today, the apps by provisioning mode, and the admin roles only
// reachable through JIT elevation. It is the SOC 2 CC6.3 evidence the IAM
// guide maps to the group and role catalog ("access based on least
// privilege"). Building is pure; population.go reads who is active from
// the Employee workflows.
package catalogreport

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Provisioning modes of a catalog app (domain.AppMode).
const (
	ModeSCIM     = string(domain.AppModeSCIM)     // jml provisions it over SCIM
	ModeIdPGroup = string(domain.AppModeIdPGroup) // access follows a directory group the app syncs from
	ModeManual   = string(domain.AppModeManual)   // its owner adds and removes accounts by hand
)

// Kinds of a grant row.
const (
	KindGroup   = "group"
	KindLicense = "license"
	KindApp     = "app"
	KindJIT     = "admin_role_jit" // eligibility to request through JIT, never standing
)

// BirthrightRule names the birthright grant in the rule list.
const BirthrightRule = "(birthright)"

// App is a catalog app and how it is provisioned.
type App struct {
	Name   string
	Mode   string // ModeSCIM, ModeIdPGroup or ModeManual
	Detail string // the group it follows, or its owner; "" for scim
}

// JITPolicy is one requestable role of the elevation policy.
type JITPolicy struct {
	Name, Directory, Role string
	MaxDuration           time.Duration
	Approver              string
	RequireMFA            bool
	RequireDevice         bool
}

// Input is what the report is built from.
type Input struct {
	Catalog domain.Catalog
	Apps    []App
	JIT     []JITPolicy
	// Records are the active employees' HR records as jml holds them; the
	// counts are of these.
	Records          []domain.HRRecord
	PopulationSource string
	GeneratedAt      time.Time
}

// Grant is one thing a rule gives.
type Grant struct {
	Directory   string // "" for an app
	Kind        string
	Entitlement string
	Mode        string // apps only
}

// Rule is one row of the rule table.
type Rule struct {
	Name     string
	Match    string // the criteria as an auditor reads them
	Grants   []Grant
	Matching int // active employees it applies to today
}

// AppRow is one app under its provisioning mode.
type AppRow struct {
	App, Mode, Detail string
	Rules             []string // rules granting it
	Entitled          int      // active employees the catalog gives it to
}

// JITRole is an admin role only reachable through JIT elevation.
type JITRole struct {
	Directory, Role string
	Rules           []string // rules making it requestable
	Eligible        int      // active employees who may request it
	Policy          string   // the elevation policy, "" when none: nobody can get it through jml
}

// Control is a framework criterion the report is evidence for.
type Control struct{ Framework, ID, Text string }

// Controls: the IAM guide maps the role catalog to SOC 2 CC6.3.
var Controls = []Control{
	{"SOC 2", "CC6.3", "The entity authorizes, modifies, or removes access to data, software, functions, and other protected information assets based on roles, responsibilities, or the system design and changes, giving consideration to the concepts of least privilege and segregation of duties."},
	{"NIST CSF 2.0", "PR.AA-05", "Access permissions, entitlements, and authorizations are defined in a policy, managed, enforced, and reviewed, and incorporate the principles of least privilege and separation of duties."},
}

// Report is the catalog as rendered.
type Report struct {
	GeneratedAt      time.Time
	Population       int
	PopulationSource string
	Rules            []Rule
	Apps             []AppRow
	JIT              []JITRole
	Unused           []Grant // declared in the catalog, granted by no rule
	Controls         []Control
}

// Build evaluates the catalog against the population.
func Build(in Input) Report {
	r := Report{GeneratedAt: in.GeneratedAt.UTC(), Population: len(in.Records), PopulationSource: in.PopulationSource, Controls: Controls}
	mode := map[string]App{}
	for _, a := range in.Apps {
		mode[strings.ToLower(a.Name)] = a
	}
	attrs := make([]domain.Attributes, len(in.Records))
	ents := make([]domain.Entitlements, len(in.Records))
	for i, rec := range in.Records {
		attrs[i] = domain.AttributesOf(rec)
		ents[i] = in.Catalog.Evaluate(attrs[i])
	}
	rules := append([]domain.Rule{{Name: BirthrightRule, Grant: in.Catalog.Birthright}}, in.Catalog.Rules...)
	granted := map[string]bool{} // kind/dir/name granted by some rule
	appRules, roleRules := map[string][]string{}, map[string][]string{}
	for i, cr := range rules {
		row := Rule{Name: cr.Name, Match: matchText(cr.Match)}
		if i == 0 {
			row.Match, row.Matching = "everyone", len(in.Records)
		} else {
			for _, a := range attrs {
				if cr.Match.Matches(a) {
					row.Matching++
				}
			}
		}
		add := func(kind string, m map[string][]string) {
			for _, dir := range sortedKeys(m) {
				for _, e := range m[dir] {
					row.Grants = append(row.Grants, Grant{Directory: dir, Kind: kind, Entitlement: e})
					granted[key(kind, dir, e)] = true
				}
			}
		}
		add(KindGroup, cr.Groups)
		add(KindLicense, cr.Licenses)
		for _, a := range cr.Apps {
			row.Grants = append(row.Grants, Grant{Kind: KindApp, Entitlement: a, Mode: appMode(mode, a).Mode})
			appRules[strings.ToLower(a)] = append(appRules[strings.ToLower(a)], cr.Name)
		}
		for _, dir := range sortedKeys(cr.AdminRoles) {
			for _, role := range cr.AdminRoles[dir] {
				row.Grants = append(row.Grants, Grant{Directory: dir, Kind: KindJIT, Entitlement: role})
				k := key(KindJIT, dir, role)
				roleRules[k] = append(roleRules[k], cr.Name)
			}
		}
		r.Rules = append(r.Rules, row)
	}

	names := []string{}
	for _, a := range in.Apps {
		names = append(names, a.Name)
	}
	for _, cr := range rules {
		names = append(names, cr.Apps...)
	}
	seen := map[string]bool{}
	for _, n := range names {
		if seen[strings.ToLower(n)] {
			continue
		}
		seen[strings.ToLower(n)] = true
		a := appMode(mode, n)
		row := AppRow{App: n, Mode: a.Mode, Detail: a.Detail, Rules: appRules[strings.ToLower(n)]}
		for _, e := range ents {
			if slices.ContainsFunc(e.Apps, func(x string) bool { return strings.EqualFold(x, n) }) {
				row.Entitled++
			}
		}
		r.Apps = append(r.Apps, row)
	}
	sort.SliceStable(r.Apps, func(i, j int) bool {
		if r.Apps[i].Mode != r.Apps[j].Mode {
			return modeOrder(r.Apps[i].Mode) < modeOrder(r.Apps[j].Mode)
		}
		return r.Apps[i].App < r.Apps[j].App
	})

	for _, dir := range sortedKeys(in.Catalog.AdminRoles) {
		for _, role := range in.Catalog.AdminRoles[dir] {
			jr := JITRole{Directory: dir, Role: role, Rules: roleRules[key(KindJIT, dir, role)]}
			for _, e := range ents {
				if slices.Contains(e.EligibleRoles[dir], role) {
					jr.Eligible++
				}
			}
			for _, p := range in.JIT {
				if p.Directory == dir && strings.EqualFold(p.Role, role) {
					jr.Policy = policyText(p)
				}
			}
			r.JIT = append(r.JIT, jr)
		}
	}
	for _, d := range []struct {
		kind string
		m    map[string][]string
	}{{KindGroup, in.Catalog.Groups}, {KindLicense, in.Catalog.Licenses}} {
		for _, dir := range sortedKeys(d.m) {
			for _, e := range d.m[dir] {
				if !granted[key(d.kind, dir, e)] {
					r.Unused = append(r.Unused, Grant{Directory: dir, Kind: d.kind, Entitlement: e})
				}
			}
		}
	}
	return r
}

func key(kind, dir, name string) string { return kind + "\x00" + dir + "\x00" + strings.ToLower(name) }

func appMode(modes map[string]App, name string) App {
	if a, ok := modes[strings.ToLower(name)]; ok {
		return a
	}
	return App{Name: name, Mode: "unknown", Detail: "not a configured app"}
}

func modeOrder(m string) int {
	switch m {
	case ModeSCIM:
		return 0
	case ModeIdPGroup:
		return 1
	case ModeManual:
		return 2
	}
	return 3
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// matchText is the rule's criteria: "department in (Engineering) and
// employment type in (full_time)".
func matchText(m domain.Match) string {
	var parts []string
	for _, c := range []struct {
		name string
		v    []string
	}{{"department", m.Departments}, {"title", m.Titles}, {"location", m.Locations}, {"employment type", m.EmploymentTypes}} {
		if len(c.v) > 0 {
			parts = append(parts, fmt.Sprintf("%s in (%s)", c.name, strings.Join(c.v, ", ")))
		}
	}
	if len(parts) == 0 {
		return "nobody (no criterion)"
	}
	return strings.Join(parts, " and ")
}

func policyText(p JITPolicy) string {
	s := fmt.Sprintf("%s: at most %s, approved by %s", p.Name, p.MaxDuration, p.Approver)
	if p.RequireMFA {
		s += ", MFA required"
	}
	if p.RequireDevice {
		s += ", compliant device required"
	}
	return s
}

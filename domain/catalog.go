package domain

import (
	"slices"
	"sort"
	"strings"
)

// Catalog is the role catalog engine: policy as data (config builds it from YAML). Birthright access goes to
// everyone; each rule adds access to the people it matches.
type Catalog struct {
	// Groups, Licenses and AdminRoles declare what exists per directory;
	// rules may only reference declared names.
	Groups     map[string][]string
	Licenses   map[string][]string
	AdminRoles map[string][]string
	Birthright Grant
	Rules      []Rule
	// AppGroups are the groups idp_group apps follow, by app name: an app
	// granted grants its group too (domain/apps.go).
	AppGroups map[string]AppGroup
}

// Grant is access per directory, plus SCIM apps.
type Grant struct {
	Groups   map[string][]string
	Licenses map[string][]string
	Apps     []string
	// AdminRoles are roles the person is ELIGIBLE to request through JIT
	// elevation; no rule ever grants a standing admin role.
	AdminRoles map[string][]string
}

// Rule grants access to everyone matching all its non-empty criteria.
type Rule struct {
	Name  string
	Match Match
	Grant
}

// Match criteria: each non-empty list must contain the person's value
// (case-insensitive). An empty Match matches nobody, to keep a typo from
// granting access to everyone.
type Match struct {
	Departments     []string
	Titles          []string
	Locations       []string
	EmploymentTypes []string
}

// Empty reports whether the match has no criterion (it then matches nobody).
func (m Match) Empty() bool {
	return len(m.Departments)+len(m.Titles)+len(m.Locations)+len(m.EmploymentTypes) == 0
}

// Attributes are the HR facts the catalog looks at.
type Attributes struct {
	Department     string `json:"department"`
	Title          string `json:"title"`
	Location       string `json:"location"`
	EmploymentType string `json:"employment_type"`
}

func in(list []string, v string) bool {
	if len(list) == 0 {
		return true
	}
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// Matches reports whether the rule applies to a.
func (m Match) Matches(a Attributes) bool {
	if m.Empty() {
		return false
	}
	return in(m.Departments, a.Department) && in(m.Titles, a.Title) && in(m.Locations, a.Location) && in(m.EmploymentTypes, a.EmploymentType)
}

// Entitlements is the access the catalog justifies for one person; every
// list is sorted and free of duplicates, so two evaluations compare equal.
type Entitlements struct {
	Groups        map[string][]string `json:"groups,omitempty"`
	Licenses      map[string][]string `json:"licenses,omitempty"`
	Apps          []string            `json:"apps,omitempty"`
	EligibleRoles map[string][]string `json:"eligible_roles,omitempty"`
	Rules         []string            `json:"rules,omitempty"` // which rules matched, for the audit trail
}

// Evaluate is a pure, deterministic function from HR attributes to access.
func (c Catalog) Evaluate(a Attributes) Entitlements {
	e := Entitlements{Groups: map[string][]string{}, Licenses: map[string][]string{}, EligibleRoles: map[string][]string{}}
	add := func(g Grant) {
		merge(e.Groups, g.Groups)
		merge(e.Licenses, g.Licenses)
		merge(e.EligibleRoles, g.AdminRoles)
		e.Apps = append(e.Apps, g.Apps...)
		c.appGroups(e.Groups, g.Apps)
	}
	add(c.Birthright)
	for _, r := range c.Rules {
		if r.Match.Matches(a) {
			add(r.Grant)
			e.Rules = append(e.Rules, r.Name)
		}
	}
	for _, m := range []map[string][]string{e.Groups, e.Licenses, e.EligibleRoles} {
		for k, v := range m {
			m[k] = uniq(v)
			if len(m[k]) == 0 {
				delete(m, k)
			}
		}
	}
	e.Apps = uniq(e.Apps)
	return e
}

func merge(dst, src map[string][]string) {
	for k, v := range src {
		dst[k] = append(dst[k], v...)
	}
}

func uniq(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := slices.Clone(v)
	sort.Strings(out)
	return slices.Compact(out)
}

// ChangeKind is the kind of access a Change adds or removes.
type ChangeKind string

const (
	KindGroup   ChangeKind = "group"
	KindLicense ChangeKind = "license"
	KindApp     ChangeKind = "app"
)

// AppsDirectory is the Directory of the SCIM-app Change.
const AppsDirectory = "scim"

// Change is the mover diff for one kind of access in one directory.
type Change struct {
	Directory string     `json:"directory"` // entra, okta, google, or "scim" for apps
	Kind      ChangeKind `json:"kind"`
	Add       []string   `json:"add,omitempty"`
	Remove    []string   `json:"remove,omitempty"`
}

// Diff is what moving from old to new entitlements adds and removes, in a
// stable order. Access granted outside the catalog (an elevation) is never
// in old, so it is never removed.
func Diff(old, new Entitlements) []Change {
	var out []Change
	kinds := []struct {
		kind     ChangeKind
		old, new map[string][]string
	}{{KindGroup, old.Groups, new.Groups}, {KindLicense, old.Licenses, new.Licenses}}
	for _, k := range kinds {
		for _, dir := range keys(k.old, k.new) {
			add, rem := setDiff(k.old[dir], k.new[dir])
			if len(add)+len(rem) > 0 {
				out = append(out, Change{Directory: dir, Kind: k.kind, Add: add, Remove: rem})
			}
		}
	}
	if add, rem := setDiff(old.Apps, new.Apps); len(add)+len(rem) > 0 {
		out = append(out, Change{Directory: AppsDirectory, Kind: KindApp, Add: add, Remove: rem})
	}
	return out
}

func keys(ms ...map[string][]string) []string {
	var out []string
	for _, m := range ms {
		for k := range m {
			out = append(out, k)
		}
	}
	return uniq(out)
}

// setDiff returns what new has that old lacks, and the reverse.
func setDiff(old, new []string) (add, remove []string) {
	for _, n := range new {
		if !slices.Contains(old, n) {
			add = append(add, n)
		}
	}
	for _, o := range old {
		if !slices.Contains(new, o) {
			remove = append(remove, o)
		}
	}
	return add, remove
}

// AttributesOf is what the role catalog looks at in an HR record.
func AttributesOf(r HRRecord) Attributes {
	return Attributes{Department: r.Department, Title: r.Title, Location: r.Location, EmploymentType: r.EmploymentType}
}

package config

import "github.com/jml-dev/jml/domain"

// Catalog is the role catalog as written in YAML: policy as data.
// Birthright access goes to everyone; each rule adds access to the people it
// matches. The engine that evaluates it is domain.Catalog (Domain builds it).
type Catalog struct {
	// Groups, Licenses and AdminRoles declare what exists per directory;
	// rules may only reference declared names.
	Groups     map[string][]string `yaml:"groups"`
	Licenses   map[string][]string `yaml:"licenses"`
	AdminRoles map[string][]string `yaml:"admin_roles"`
	Birthright Grant               `yaml:"birthright"`
	Rules      []Rule              `yaml:"rules"`
	// appGroups are the idp_group apps' groups (from apps, set at load),
	// so every caller of Domain grants them with their app.
	appGroups map[string]domain.AppGroup
}

// Grant is access per directory, plus SCIM apps.
type Grant struct {
	Groups   map[string][]string `yaml:"groups"`
	Licenses map[string][]string `yaml:"licenses"`
	Apps     []string            `yaml:"apps"`
	// AdminRoles are roles the person is ELIGIBLE to request through JIT
	// elevation; no rule ever grants a standing admin role.
	AdminRoles map[string][]string `yaml:"admin_roles"`
}

// Rule grants access to everyone matching all its non-empty criteria.
type Rule struct {
	Name  string `yaml:"name"`
	Match Match  `yaml:"match"`
	Grant `yaml:",inline"`
}

// Match criteria: each non-empty list must contain the person's value
// (case-insensitive). An empty Match matches nobody.
type Match struct {
	Departments     []string `yaml:"departments"`
	Titles          []string `yaml:"titles"`
	Locations       []string `yaml:"locations"`
	EmploymentTypes []string `yaml:"employment_types"`
}

func (m Match) empty() bool { return m.domain().Empty() }

func (m Match) domain() domain.Match {
	return domain.Match{Departments: m.Departments, Titles: m.Titles, Locations: m.Locations, EmploymentTypes: m.EmploymentTypes}
}

func (g Grant) domain() domain.Grant {
	return domain.Grant{Groups: g.Groups, Licenses: g.Licenses, Apps: g.Apps, AdminRoles: g.AdminRoles}
}

// Domain builds the catalog engine from the YAML schema.
func (c Catalog) Domain() domain.Catalog {
	out := domain.Catalog{Groups: c.Groups, Licenses: c.Licenses, AdminRoles: c.AdminRoles, Birthright: c.Birthright.domain(), AppGroups: c.appGroups}
	for _, r := range c.Rules {
		out.Rules = append(out.Rules, domain.Rule{Name: r.Name, Match: r.Match.domain(), Grant: r.Grant.domain()})
	}
	return out
}

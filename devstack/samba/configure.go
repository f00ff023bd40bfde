package samba

import (
	"slices"

	"github.com/jml-dev/jml/config"
)

// ElevationRole is the demo's JIT role on AD: Domain Admins for at most 2 h.
const ElevationRole = "ad-domain-admins"

// Configure points directories.ad at dc and gives AD the catalog Entra has
// in the demo (the same groups, birthright and rules), AD's privileged
// groups as admin roles, and the Domain Admins elevation role. The bind
// password goes in the secrets, never the file.
func Configure(cfg *config.Config, dc *DC) {
	a := &cfg.Directories.AD
	a.Enabled, a.URL, a.BindDN, a.BaseDN = true, dc.URL, dc.AdminUPN, dc.BaseDN
	a.UsersOU, a.DisabledOU, a.CAFile = UsersOU, DisabledOU, dc.CAFile
	if len(a.BreakGlass) == 0 {
		a.BreakGlass = slices.Clone(BreakGlass)
	}
	cfg.Secrets.ADBindPassword = config.NewSecret(dc.AdminPassword)
	cat := &cfg.Catalog
	mirror := func(m map[string][]string) map[string][]string {
		if m == nil {
			m = map[string][]string{}
		}
		if g, ok := m[config.Entra]; ok {
			m[config.AD] = slices.Clone(g)
		}
		return m
	}
	cat.Groups = mirror(cat.Groups)
	cat.Birthright.Groups = mirror(cat.Birthright.Groups)
	for i := range cat.Rules {
		if len(cat.Rules[i].Groups[config.Entra]) > 0 {
			cat.Rules[i].Groups = mirror(cat.Rules[i].Groups)
		}
	}
	if cat.AdminRoles == nil {
		cat.AdminRoles = map[string][]string{}
	}
	cat.AdminRoles[config.AD] = []string{"Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators",
		"Account Operators", "Backup Operators", "Server Operators", "Print Operators"}
	if _, ok := cfg.ElevationRole(ElevationRole); !ok {
		cfg.Elevation.Roles = append(cfg.Elevation.Roles, config.ElevationRole{Name: ElevationRole, Directory: config.AD,
			Role: "Domain Admins", MaxDuration: config.Duration(2 * 60 * 60 * 1e9), Approver: "manager"})
	}
}

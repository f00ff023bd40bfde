package config

import (
	"fmt"
	"slices"
	"strings"
)

// Governance declares the accounts that posture checks and reviews must
// treat specially. Access reviews never remove anything from a break-glass
// account, and the privilege sweep counts its admins apart from standing
// admins (Microsoft and CIS both prescribe at least two such accounts).
type Governance struct {
	BreakGlass      []BreakGlassAccount `yaml:"break_glass"`
	ServiceAccounts []ServiceAccount    `yaml:"service_accounts"`
}

// BreakGlassAccount is an emergency-access account in one directory.
type BreakGlassAccount struct {
	Directory string `yaml:"directory"`
	// Account is the account's login (UPN, Okta login, primary email, AD
	// sAMAccountName or JumpCloud username), matched case-insensitively.
	Account string `yaml:"account"`
	Reason  string `yaml:"reason"`
}

// ServiceAccount is a non-human account with an accountable owner.
type ServiceAccount struct {
	Directory string `yaml:"directory"`
	// Account is a login as for BreakGlassAccount, or a service principal's
	// app id or object id in Entra.
	Account string `yaml:"account"`
	// Owner is the HR employee id who answers for the account.
	Owner  string `yaml:"owner"`
	Reason string `yaml:"reason"`
}

// IsBreakGlass reports whether account in directory is declared break-glass.
func (g Governance) IsBreakGlass(directory, account string) bool {
	return slices.ContainsFunc(g.BreakGlass, func(b BreakGlassAccount) bool {
		return b.Directory == directory && strings.EqualFold(b.Account, account)
	})
}

// ServiceAccountFor returns the declaration of a service account, if any.
func (g Governance) ServiceAccountFor(directory, account string) (ServiceAccount, bool) {
	for _, s := range g.ServiceAccounts {
		if s.Directory == directory && strings.EqualFold(s.Account, account) {
			return s, true
		}
	}
	return ServiceAccount{}, false
}

// governance checks that every declaration names a known directory and an
// account, and that a service account has an owner.
func (v *validator) governance(c *Config) {
	dirs := append(slices.Clone(KnownDirectories), "scim")
	for i, b := range c.Governance.BreakGlass {
		p := fmt.Sprintf("governance.break_glass[%d]", i)
		if !slices.Contains(dirs, b.Directory) {
			v.add(0, p+".directory", fmt.Sprintf("%q is not a directory (expected one of: %s)", b.Directory, strings.Join(dirs, ", ")))
		}
		if strings.TrimSpace(b.Account) == "" {
			v.add(0, p+".account", "is required")
		}
	}
	for i, s := range c.Governance.ServiceAccounts {
		p := fmt.Sprintf("governance.service_accounts[%d]", i)
		if !slices.Contains(dirs, s.Directory) {
			v.add(0, p+".directory", fmt.Sprintf("%q is not a directory (expected one of: %s)", s.Directory, strings.Join(dirs, ", ")))
		}
		if strings.TrimSpace(s.Account) == "" {
			v.add(0, p+".account", "is required")
		}
		if strings.TrimSpace(s.Owner) == "" {
			v.add(0, p+".owner", "is required (the HR employee id who answers for it)")
		}
	}
}

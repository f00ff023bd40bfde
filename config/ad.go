package config

import (
	"fmt"
	"net/url"
	"os"
	"strings"
)

// AD is on-premises Active Directory (directories.ad).
const AD = "ad"

// ADDir is an Active Directory domain reached over LDAPS. The bind
// password is a secret: JML_AD_BIND_PASSWORD (or _FILE).
type ADDir struct {
	Enabled bool   `yaml:"enabled"`
	URL     string `yaml:"url"`     // ldaps://dc1.corp.example:636
	BindDN  string `yaml:"bind_dn"` // the service account: a DN or svc-jml@CORP.EXAMPLE
	BaseDN  string `yaml:"base_dn"` // DC=corp,DC=example
	// UsersOU is where joiners are created; DisabledOU where leavers are
	// moved. Both under base_dn.
	UsersOU    string `yaml:"users_ou"`
	DisabledOU string `yaml:"disabled_ou"`
	// CAFile is the domain CA (PEM) the DC's LDAPS certificate is verified
	// against; empty: the system roots.
	CAFile string `yaml:"ca_file"`
	// ServerName is the name verified in the certificate when the URL's
	// host is one the certificate does not name.
	ServerName string `yaml:"server_name"`
	// BreakGlass are sAMAccountNames that are standing Domain Admins by
	// design; the KPI report counts every other permanent member of AD's
	// privileged groups.
	BreakGlass []string `yaml:"break_glass"`
	PageSize   int      `yaml:"page_size"` // paged searches; default 500
}

// adChecks validates directories.ad when it is enabled.
func (v *validator) adChecks(c *Config) {
	a := c.Directories.AD
	if !a.Enabled {
		return
	}
	if u, err := url.Parse(a.URL); a.URL == "" {
		v.add(0, "directories.ad.url", "is required (ldaps://<domain controller>:636)")
	} else if err != nil || u.Scheme != "ldaps" || u.Host == "" {
		v.add(0, "directories.ad.url", fmt.Sprintf("%q is not an ldaps:// URL (plain LDAP would send the bind and every password in clear)", a.URL))
	}
	for _, f := range []struct{ p, v string }{{"bind_dn", a.BindDN}, {"base_dn", a.BaseDN}, {"users_ou", a.UsersOU}, {"disabled_ou", a.DisabledOU}} {
		if strings.TrimSpace(f.v) == "" {
			v.add(0, "directories.ad."+f.p, "is required")
		}
	}
	base := strings.ToLower(strings.ReplaceAll(a.BaseDN, " ", ""))
	for _, f := range []struct{ p, v string }{{"users_ou", a.UsersOU}, {"disabled_ou", a.DisabledOU}} {
		if f.v != "" && base != "" && !strings.HasSuffix(strings.ToLower(strings.ReplaceAll(f.v, " ", "")), ","+base) {
			v.add(0, "directories.ad."+f.p, fmt.Sprintf("%q is not under base_dn %q", f.v, a.BaseDN))
		}
	}
	if a.UsersOU != "" && strings.EqualFold(a.UsersOU, a.DisabledOU) {
		v.add(0, "directories.ad.disabled_ou", "must differ from users_ou (leavers are moved out of it)")
	}
	if a.CAFile != "" {
		if _, err := os.Stat(a.CAFile); err != nil {
			v.add(0, "directories.ad.ca_file", fmt.Sprintf("cannot read %s: %v", a.CAFile, underlying(err)))
		}
	}
	if a.PageSize < 0 || a.PageSize > 1000 {
		v.add(0, "directories.ad.page_size", fmt.Sprintf("%d is not within 1..1000 (AD's MaxPageSize)", a.PageSize))
	}
}

// adSecrets checks the bind password is in the environment.
func (v *validator) adSecrets(c *Config) {
	if c.Directories.AD.Enabled && !c.Secrets.ADBindPassword.Set() {
		v.add(0, "directories.ad", "needs a credential in the environment: set JML_AD_BIND_PASSWORD or JML_AD_BIND_PASSWORD_FILE")
	}
}

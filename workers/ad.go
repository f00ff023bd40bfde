package workers

import (
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/integrations/ad"
)

// ADOptions builds the AD client's options from directories.ad; the groups
// that elevation roles name in AD are read as admin roles too.
func ADOptions(cfg *config.Config) ad.Options {
	a := cfg.Directories.AD
	o := ad.Options{URL: a.URL, BindDN: a.BindDN, BindPassword: cfg.Secrets.ADBindPassword.Reveal(), BaseDN: a.BaseDN,
		UsersOU: a.UsersOU, DisabledOU: a.DisabledOU, CAFile: a.CAFile, ServerName: a.ServerName, PageSize: uint32(a.PageSize),
		BreakGlass: a.BreakGlass}
	for _, r := range cfg.Elevation.Roles {
		if r.Directory == config.AD {
			o.AdminGroups = append(o.AdminGroups, r.Role)
		}
	}
	return o
}

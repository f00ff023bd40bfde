package catalogreport

import (
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/domain"
)

// FromConfig is the report's input from the configuration: the catalog,
// its apps with their provisioning mode (scim_apps and apps), and the elevation policy's
// requestable roles, counted over the given active employees.
func FromConfig(cfg *config.Config, recs []domain.HRRecord, now time.Time) Input {
	in := Input{Catalog: cfg.Catalog.Domain(), Records: recs, PopulationSource: PopulationSource, GeneratedAt: now}
	for _, a := range cfg.AppModes() {
		app := App{Name: a.Name, Mode: string(a.Mode)}
		switch a.Mode {
		case domain.AppModeIdPGroup:
			app.Detail = "follows " + a.Directory + " group " + a.Group
		case domain.AppModeManual:
			app.Detail = "owner " + a.Owner + " adds and removes accounts by hand"
		}
		in.Apps = append(in.Apps, app)
	}
	for _, role := range cfg.Elevation.Roles {
		p := cfg.ElevationPolicy(role)
		in.JIT = append(in.JIT, JITPolicy{Name: role.Name, Directory: p.Directory, Role: p.Role, MaxDuration: p.MaxDuration,
			Approver: p.Approver, RequireMFA: p.RequireMFA, RequireDevice: p.RequireCompliantDevice})
	}
	return in
}

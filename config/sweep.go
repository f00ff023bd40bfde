package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Sweep configures the daily privilege sweep (sweep:): every admin-role
// holder and every account, joined to the HR records jml holds.
type Sweep struct {
	// Schedule is a cron expression in UTC (default "0 3 * * *": daily at
	// 03:00 UTC).
	Schedule string `yaml:"schedule"`
	// Grace runs from the notice to a standing admin until the role is
	// removed (default 72h).
	Grace Duration `yaml:"grace"`
	// EscalationSLA is how long security has to own an unknown holder
	// before the escalation is repeated as breached (default 24h).
	EscalationSLA Duration `yaml:"escalation_sla"`
	// OrphanGrace runs from the owner's notice to disabling an orphan
	// account (default 168h).
	OrphanGrace Duration `yaml:"orphan_grace"`
	// DeleteAfter deletes a disabled orphan this long after, where the
	// directory can; 0 (default) never deletes.
	DeleteAfter Duration `yaml:"delete_after"`
	// MaxKeep is the longest a sponsor may keep an orphan (default 2160h,
	// 90 days).
	MaxKeep Duration `yaml:"max_keep"`
	// Owners: the HR employee id who answers for each directory's accounts
	// ("entra", "okta", "scim:<app>"), told about its orphans.
	Owners map[string]string `yaml:"owners"`
	// ReportOnly lists and notifies but starts no removal or disable.
	ReportOnly bool `yaml:"report_only"`
	// SecurityApprovers: the HR employee ids who may acknowledge or remove
	// an unknown admin in Slack, and decide on an orphan beside its
	// directory's owner.
	SecurityApprovers []string `yaml:"security_approvers"`
}

// Sweep defaults.
const (
	DefaultSweepSchedule = "0 3 * * *"
	defaultSweepGrace    = 72 * time.Hour
	defaultEscalation    = 24 * time.Hour
	defaultOrphanGrace   = 7 * 24 * time.Hour
	defaultMaxKeep       = 90 * 24 * time.Hour
)

func orDefault(d Duration, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d.D()
}

// CronSchedule is the sweep's cron expression, defaulted.
func (s Sweep) CronSchedule() string {
	if strings.TrimSpace(s.Schedule) == "" {
		return DefaultSweepSchedule
	}
	return s.Schedule
}

// SweepInput is PrivilegeSweep's input from the configuration (no date:
// the scheduled day).
func (c *Config) SweepInput() contract.SweepInput {
	s := c.Sweep
	in := contract.SweepInput{Directories: c.EnabledDirectories(), ElevationRoles: map[string]contract.ElevationRoleRef{},
		Policy: contract.SweepPolicy{
			Grace: orDefault(s.Grace, defaultSweepGrace), EscalationSLA: orDefault(s.EscalationSLA, defaultEscalation),
			OrphanGrace: orDefault(s.OrphanGrace, defaultOrphanGrace), DeleteAfter: s.DeleteAfter.D(), MaxKeep: orDefault(s.MaxKeep, defaultMaxKeep),
			SecurityChannel: c.Slack.SecurityChannel, Owners: s.Owners, Remediate: !s.ReportOnly,
			SecurityApprovers: s.SecurityApprovers,
		}}
	for _, a := range c.SCIMApps {
		in.Apps = append(in.Apps, a.Name)
	}
	for _, r := range c.Elevation.Roles {
		in.ElevationRoles[r.Name] = contract.ElevationRoleRef{Directory: r.Directory, Role: r.Role}
	}
	for _, b := range c.Governance.BreakGlass {
		in.BreakGlass = append(in.BreakGlass, contract.SweepDeclared{Directory: b.Directory, Account: b.Account})
	}
	if c.Directories.AD.Enabled {
		for _, b := range c.Directories.AD.BreakGlass {
			in.BreakGlass = append(in.BreakGlass, contract.SweepDeclared{Directory: AD, Account: b})
		}
	}
	for _, sa := range c.Governance.ServiceAccounts {
		in.ServiceAccounts = append(in.ServiceAccounts, contract.SweepDeclared{Directory: sa.Directory, Account: sa.Account, Owner: sa.Owner})
	}
	return in
}

// SweepDecidedInSlack: someone may decide on sweep findings in Slack (an
// owner or a security approver), so the intake takes their presses.
func (c *Config) SweepDecidedInSlack() bool {
	return len(c.Sweep.Owners) > 0 || len(c.Sweep.SecurityApprovers) > 0
}

// sweep checks the schedule's shape, that no duration is negative, and
// that each owner names a known directory or SCIM app.
func (v *validator) sweep(c *Config) {
	s := c.Sweep
	if f := strings.Fields(s.CronSchedule()); len(f) != 5 && !strings.HasPrefix(s.CronSchedule(), "@") {
		v.add(0, "sweep.schedule", fmt.Sprintf("%q is not a cron expression (5 fields, e.g. %q)", s.Schedule, DefaultSweepSchedule))
	}
	for name, d := range map[string]Duration{"grace": s.Grace, "escalation_sla": s.EscalationSLA, "orphan_grace": s.OrphanGrace, "delete_after": s.DeleteAfter, "max_keep": s.MaxKeep} {
		if d < 0 {
			v.add(0, "sweep."+name, "cannot be negative")
		}
	}
	dirs := slices.Clone(KnownDirectories)
	for _, a := range c.SCIMApps {
		dirs = append(dirs, "scim:"+a.Name)
	}
	for i, a := range s.SecurityApprovers {
		if !domain.ValidEmployeeID(a) {
			v.add(0, fmt.Sprintf("sweep.security_approvers[%d]", i), fmt.Sprintf("%q is not an employee id", a))
		}
	}
	for _, k := range sortedOwnerKeys(s.Owners) {
		if !slices.Contains(dirs, k) {
			v.add(0, "sweep.owners."+k, fmt.Sprintf("%q is not a directory or SCIM app (expected one of: %s)", k, strings.Join(dirs, ", ")))
		}
		if strings.TrimSpace(s.Owners[k]) == "" {
			v.add(0, "sweep.owners."+k, "is required (the HR employee id told about its orphan accounts)")
		}
	}
}

func sortedOwnerKeys(m map[string]string) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

package config

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Posture is the sign-in posture jml watches: a daily snapshot of every
// enabled directory's sign-in policies (drift alerts to the security
// channel) and the baseline they must meet (KPI report, action plan).
type Posture struct {
	// Schedule of the snapshot: a cron spec or interval as hr.sources'
	// (default "0 5 * * *", daily at 05:00 UTC); "off" keeps no schedule.
	Schedule string          `yaml:"schedule"`
	Baseline PostureBaseline `yaml:"baseline"`
}

// PostureBaseline is what the policies must do (CISA ScubaGear's
// MS.AAD.3.2, 1.1 and 3.7 in Entra; their equivalents elsewhere).
type PostureBaseline struct {
	MFAAllUsers           bool `yaml:"mfa_all_users"`
	LegacyAuthBlocked     bool `yaml:"legacy_auth_blocked"`
	AdminsCompliantDevice bool `yaml:"admins_compliant_device"`
	// AdminRoles are Entra role template ids "admins" means (default:
	// Global Administrator).
	AdminRoles []string           `yaml:"admin_roles"`
	Exceptions []PostureException `yaml:"exceptions"`
}

// PostureException accepts one policy's deviation or one user's (or
// group's) exclusion, with the reason the action plan states.
type PostureException struct {
	Policy string `yaml:"policy"` // policy id or display name
	User   string `yaml:"user"`   // user or group id, or login
	Reason string `yaml:"reason"`
}

// DefaultPostureSchedule is daily at 05:00 UTC.
const DefaultPostureSchedule = "0 5 * * *"

// PostureSchedule is the schedule in force ("" when off).
func (c *Config) PostureSchedule() string {
	s := strings.TrimSpace(c.Posture.Schedule)
	switch {
	case s == "":
		return DefaultPostureSchedule
	case strings.EqualFold(s, "off"):
		return ""
	}
	return s
}

// PostureInput is the workflows' input from the configuration.
func (c *Config) PostureInput() contract.PostureInput {
	b := c.Posture.Baseline
	in := contract.PostureInput{Directories: c.EnabledDirectories(), SecurityChannel: c.Slack.SecurityChannel,
		Baseline: domain.Baseline{MFAAllUsers: b.MFAAllUsers, LegacyAuthBlocked: b.LegacyAuthBlocked,
			AdminsCompliantDevice: b.AdminsCompliantDevice, AdminRoles: b.AdminRoles}}
	for _, e := range b.Exceptions {
		in.Baseline.Exceptions = append(in.Baseline.Exceptions, domain.BaselineException{Policy: e.Policy, User: e.User, Reason: e.Reason})
	}
	for _, s := range c.Governance.ServiceAccounts {
		in.ServiceAccounts = append(in.ServiceAccounts, contract.ServiceAccountRef{Directory: s.Directory, Account: s.Account, Owner: s.Owner})
	}
	return in
}

// posture checks the schedule and that every exception names exactly one
// policy or user and says why.
func (v *validator) posture(c *Config) {
	if s := c.PostureSchedule(); s != "" {
		if _, _, err := ParseHRSchedule(s); err != nil {
			v.add(0, "posture.schedule", err.Error()+` (or "off")`)
		}
	}
	for i, e := range c.Posture.Baseline.Exceptions {
		p := fmt.Sprintf("posture.baseline.exceptions[%d]", i)
		if (strings.TrimSpace(e.Policy) == "") == (strings.TrimSpace(e.User) == "") {
			v.add(0, p, "names exactly one of policy or user")
		}
		if strings.TrimSpace(e.Reason) == "" {
			v.add(0, p+".reason", "is required (the action plan states it)")
		}
	}
}

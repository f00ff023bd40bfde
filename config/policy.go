package config

import (
	"time"

	"github.com/jml-dev/jml/contract"
)

// Policy builds the part of the configuration the lifecycle workflows need;
// it travels in their input, so workflow code never reads configuration.
func (c *Config) Policy() contract.Policy {
	p := contract.Policy{
		Directories:     c.EnabledDirectories(),
		LeaverSLA:       c.SLA.Leaver.D(),
		JoinerLeadTime:  c.SLA.JoinerLeadTime.D(),
		RetireDevices:   c.Leaver.RetireDevices,
		SecurityChannel: c.Slack.SecurityChannel,
		ITChannel:       c.Slack.ITChannel,
		// Entra is the directory that licenses by usage location.
		DefaultUsageLocation: c.Directories.Entra.DefaultUsageLocation,
		Login:                c.LoginPolicy(),
	}
	c.entraSyncPolicy(&p)
	for _, a := range c.SCIMApps {
		p.Apps = append(p.Apps, a.Name)
	}
	p.ManualApps = c.ManualApps()
	if p.LeaverSLA <= 0 {
		p.LeaverSLA = time.Hour
	}
	return p
}

// ElevationPolicy builds the policy of one requestable role (elevation.*
// and the role's own entry) for the Elevation workflow's input.
func (c *Config) ElevationPolicy(r ElevationRole) contract.ElevationPolicy {
	e := c.Elevation
	p := contract.ElevationPolicy{
		Directory: r.Directory, Role: r.Role, MaxDuration: r.MaxDuration.D(), DefaultDuration: e.DefaultDuration.D(),
		ApprovalTimeout: e.ApprovalTimeout.D(), Approver: r.Approver,
		RequireCompliantDevice: e.RequireCompliantDevice, RequireMFA: e.RequireMFA,
		Directories: c.EnabledDirectories(), SecurityChannel: c.Slack.SecurityChannel,
	}
	if p.MaxDuration <= 0 {
		p.MaxDuration = e.MaxDuration.D()
	}
	if p.DefaultDuration > p.MaxDuration {
		p.DefaultDuration = p.MaxDuration
	}
	return p
}

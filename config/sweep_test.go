package config

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSweepInputFromTheDemoConfig(t *testing.T) {
	c, err := LoadWithEnv("demo.yaml", env(demoEnv))
	require.NoError(t, err)
	in := c.SweepInput()
	assert.Equal(t, "0 3 * * *", c.Sweep.CronSchedule())
	assert.Equal(t, 2*time.Minute, in.Policy.Grace)
	assert.Equal(t, 90*24*time.Hour, in.Policy.MaxKeep, "defaulted")
	assert.Zero(t, in.Policy.DeleteAfter, "never deletes unless configured")
	assert.True(t, in.Policy.Remediate)
	assert.Equal(t, "#security-alerts", in.Policy.SecurityChannel)
	assert.Len(t, in.BreakGlass, 2, "governance.break_glass (AD is off in the demo)")
	assert.Equal(t, "E0007", in.ServiceAccounts[0].Owner)
	assert.Equal(t, []string{"github", "salesforce", "zoom"}, in.Apps)
	assert.Equal(t, "User Administrator", in.ElevationRoles["entra-user-admin"].Role)
	assert.Equal(t, []string{"E0007"}, in.Policy.SecurityApprovers, "who decides on unknown admins in Slack")
	assert.True(t, c.SweepDecidedInSlack())
}

func TestSweepDefaultsWhenTheSectionIsAbsent(t *testing.T) {
	var c Config
	in := c.SweepInput()
	assert.Equal(t, DefaultSweepSchedule, c.Sweep.CronSchedule())
	assert.Equal(t, 72*time.Hour, in.Policy.Grace)
	assert.Equal(t, 24*time.Hour, in.Policy.EscalationSLA)
	assert.Equal(t, 7*24*time.Hour, in.Policy.OrphanGrace)
}

func TestSweepBadValuesNameTheirField(t *testing.T) {
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	bad := withoutSection(string(b), "sweep") + "\nsweep:\n  schedule: \"every day\"\n  grace: -1h\n  owners: {ldap: E1, \"scim:zoom\": \"\"}\n  security_approvers: [E0007, \"not an id\"]\n"
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	paths := map[string]bool{}
	for _, p := range ce.Problems {
		paths[p.Path] = true
	}
	for _, p := range []string{"sweep.schedule", "sweep.grace", "sweep.owners.ldap", "sweep.owners.scim:zoom", "sweep.security_approvers[1]"} {
		assert.True(t, paths[p], "problem at %s in %v", p, ce.Problems)
	}
	assert.False(t, paths["sweep.security_approvers[0]"], "E0007 is an employee id")
}

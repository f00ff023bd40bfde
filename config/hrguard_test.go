package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// withHR replaces demo.yaml's hr: section head with extra keys under it.
func withHR(t *testing.T, extra string) (*Config, error) {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "\nhr:\n", "\nhr:\n"+extra, 1)
	require.True(t, extra == "" || s != string(b), "demo.yaml has an hr: section")
	return Parse("demo.yaml", []byte(s), env(demoEnv))
}

func TestGuardAndLoginConfig(t *testing.T) {
	c, err := withHR(t, "  login:\n    domain: demo.jml.test\n  guard:\n    max_terminations: \"10%\"\n    max_terminations_per_hour: 50\n    approvers: [E0001, E0002]\n    approvals_required: 2\n")
	require.NoError(t, err)
	p := c.GuardPolicy()
	assert.True(t, p.Enabled)
	assert.Equal(t, 10.0, p.PerRun.Percent)
	assert.Equal(t, 50, p.PerHour.Count)
	assert.Equal(t, 40, p.PerRun.Of(400))
	assert.Equal(t, 2, p.ApprovalsRequired)
	require.NotNil(t, c.Policy().Login)
	assert.Equal(t, "demo.jml.test", c.Policy().Login.Domain)

	c, err = withHR(t, "")
	require.NoError(t, err)
	assert.False(t, c.GuardPolicy().Enabled, "no guard unless configured")
	assert.Nil(t, c.Policy().Login, "no allocation unless configured")

	for _, tc := range []struct{ yaml, path, msg string }{
		{"  guard:\n    max_terminations: lots\n    approvers: [E0001]\n", "hr.guard.max_terminations", "not a count or a percentage"},
		{"  guard:\n    max_terminations: \"150%\"\n    approvers: [E0001]\n", "hr.guard.max_terminations", "between 0 and 100"},
		{"  guard:\n    max_terminations: 5\n", "hr.guard.approvers", "is required"},
		{"  guard:\n    max_terminations: 5\n    approvers: [E0001]\n    approvals_required: 2\n", "hr.guard.approvals_required", "between 1 and the 1 approvers"},
		{"  guard:\n    approvers: [E0001]\n", "hr.guard.max_terminations", "is required"},
		{"  login:\n    template: \"{given}.{family}\"\n    domain: demo.jml.test\n", "hr.login.template", "exactly one '@'"},
		{"  login:\n    domain: \"not a domain\"\n", "hr.login.domain", "is not a domain"},
	} {
		_, err := withHR(t, tc.yaml)
		var ce *Error
		require.ErrorAs(t, err, &ce, tc.yaml)
		found := false
		for _, p := range ce.Problems {
			if p.Path == tc.path && strings.Contains(p.Msg, tc.msg) {
				found = true
			}
		}
		assert.True(t, found, "%q: want %s %q in %v", tc.yaml, tc.path, tc.msg, ce.Problems)
	}
}

func withGuard(t *testing.T, guard string) []byte {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	out := strings.Replace(string(b), "hr:\n  source: webhook\n", "hr:\n  source: webhook\n"+guard, 1)
	require.NotEqual(t, string(b), out)
	return []byte(out)
}

func TestHRGuardMaxMissing(t *testing.T) {
	c, err := ParseFor("demo.yaml", withGuard(t, "  guard: {}\n"), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxMissing, c.HR.Guard.MaxMissing, "unset: the default")

	c, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: 0\n"), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, 0, c.HR.Guard.MaxMissing, "0 is kept: nobody may be missing")

	_, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: -3\n"), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.guard.max_missing"], "a count of people")
	_, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: many\n"), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.guard.max_missing"], "not a valid whole number")
}

// A configuration written back out keeps an unset guard unset (the chaos
// test and the benches write their config files from a parsed one).
func TestUnsetGuardSurvivesARoundTrip(t *testing.T) {
	c, err := withHR(t, "")
	require.NoError(t, err)
	b, err := yaml.Marshal(c)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "max_terminations")
	set, err := withHR(t, "  guard:\n    max_terminations: 7\n    approvers: [E0001]\n")
	require.NoError(t, err)
	b, err = yaml.Marshal(set)
	require.NoError(t, err)
	assert.Contains(t, string(b), "max_terminations: \"7\"")
}

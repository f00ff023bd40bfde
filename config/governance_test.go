package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGovernanceSection(t *testing.T) {
	raw, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	b := withoutSection(string(raw), "governance") // the demo declares its own
	good := b + "\ngovernance:\n  break_glass:\n    - {directory: entra, account: BG1@example.com, reason: emergency}\n  service_accounts:\n    - {directory: okta, account: svc-backup, owner: E1001}\n"
	c, err := Parse("demo.yaml", []byte(good), env(demoEnv))
	require.NoError(t, err)
	assert.True(t, c.Governance.IsBreakGlass(Entra, "bg1@example.com"))
	assert.False(t, c.Governance.IsBreakGlass(Okta, "bg1@example.com"))
	sa, ok := c.Governance.ServiceAccountFor(Okta, "SVC-backup")
	assert.True(t, ok)
	assert.Equal(t, "E1001", sa.Owner)

	bad := b + "\ngovernance:\n  break_glass:\n    - {directory: ldap, account: \"\"}\n  service_accounts:\n    - {directory: okta, account: svc}\n"
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	paths := map[string]bool{}
	for _, p := range ce.Problems {
		paths[p.Path] = true
	}
	for _, p := range []string{"governance.break_glass[0].directory", "governance.break_glass[0].account", "governance.service_accounts[0].owner"} {
		assert.True(t, paths[p], "problem at %s in %v", p, ce.Problems)
	}
}

// withoutSection drops a top-level YAML section (its key line and the
// indented or comment lines under it).
func withoutSection(doc, key string) string {
	var out []string
	skip := false
	for _, l := range strings.Split(doc, "\n") {
		if strings.HasPrefix(l, key+":") {
			skip = true
			continue
		}
		if skip && l != "" && !strings.HasPrefix(l, " ") && !strings.HasPrefix(l, "#") {
			skip = false
		}
		if !skip {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

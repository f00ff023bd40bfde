package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

func demoWithApps(t *testing.T, extra string) (*Config, error) {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "apps:\n  # No API", extra+"\n  # No API", 1)
	return Parse("demo.yaml", []byte(s), env(demoEnv))
}

// The demo declares one manual app; its scim_apps keep mode scim without
// saying so (existing configurations keep working).
func TestAppModesOfTheDemo(t *testing.T) {
	c, err := demoWithApps(t, "apps:")
	require.NoError(t, err)
	modes := c.AppModes()
	require.Len(t, modes, 4)
	assert.Equal(t, contract.AppModeEntry{Name: "github", Mode: domain.AppModeSCIM}, modes[0])
	assert.Equal(t, contract.AppModeEntry{Name: "expensify", Mode: domain.AppModeManual, Owner: "E0004"}, modes[3])
	assert.Equal(t, []contract.ManualApp{{Name: "expensify", Owner: "E0004", Deadline: 72 * time.Hour}}, c.Policy().ManualApps)
}

// An idp_group app granted by a rule grants its directory group: the
// joiner, mover and leaver manage that membership like any group.
func TestIdPGroupAppGrantsItsGroup(t *testing.T) {
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "apps:\n  # No API", "apps:\n  - {name: figma, mode: idp_group, directory: okta, group: dept-engineering}\n  # No API", 1)
	s = strings.Replace(s, "      apps: [github]", "      apps: [github, figma]", 1)
	c, err := Parse("demo.yaml", []byte(s), env(demoEnv))
	require.NoError(t, err)
	e := c.Catalog.Domain().Evaluate(domain.Attributes{Department: "Sales", EmploymentType: "full_time"})
	assert.NotContains(t, e.Groups["okta"], "dept-engineering")
	e = c.Catalog.Domain().Evaluate(domain.Attributes{Department: "Engineering", EmploymentType: "full_time"})
	assert.Contains(t, e.Apps, "figma")
	assert.Contains(t, e.Groups["okta"], "dept-engineering")
	assert.Equal(t, domain.AppModeIdPGroup, c.AppModes()[3].Mode)
	assert.Empty(t, c.Policy().ManualApps[1:], "figma is no manual app")
}

// Every mistake names its field and the app.
func TestAppsSemanticChecks(t *testing.T) {
	cases := []struct {
		name, yaml, path, msg string
	}{
		{"no mode", "apps:\n  - {name: a1}", "apps[0].mode", `is required for app "a1"`},
		{"scim under apps", "apps:\n  - {name: a1, mode: scim}", "apps[0].mode", "declared under scim_apps"},
		{"unknown mode", "apps:\n  - {name: a1, mode: ticket}", "apps[0].mode", `"ticket" is not idp_group or manual`},
		{"manual without owner", "apps:\n  - {name: a1, mode: manual, deadline: 1h}", "apps[0].owner", "is required for manual app"},
		{"manual without deadline", "apps:\n  - {name: a1, mode: manual, owner: E0004}", "apps[0].deadline", "is required for manual app"},
		{"owner not an id", "apps:\n  - {name: a1, mode: manual, owner: \"jane@x\", deadline: 1h}", "apps[0].owner", "is not an employee id"},
		{"fallback is owner", "apps:\n  - {name: a1, mode: manual, owner: E0004, fallback: E0004, deadline: 1h}", "apps[0].fallback", "is the owner"},
		{"deadline on idp_group", "apps:\n  - {name: a1, mode: idp_group, directory: okta, group: all-staff, deadline: 1h}", "apps[0].deadline", "only for mode manual"},
		{"idp_group from AD", "apps:\n  - {name: a1, mode: idp_group, directory: ad, group: x}", "apps[0].directory", "syncs from okta, entra or google"},
		{"idp_group undeclared group", "apps:\n  - {name: a1, mode: idp_group, directory: okta, group: app-a1}", "apps[0].group", `"app-a1" is not declared in catalog.groups.okta`},
		{"idp_group no group", "apps:\n  - {name: a1, mode: idp_group, directory: okta}", "apps[0].group", "is required for idp_group app"},
		{"name clash with scim", "apps:\n  - {name: github, mode: manual, owner: E0004, deadline: 1h}", "apps[0].name", `"github" is defined twice`},
		{"bad duration", "apps:\n  - {name: a1, mode: manual, owner: E0004, deadline: soon}", "apps[0].deadline", "is not a duration"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := demoWithApps(t, tc.yaml)
			var ce *Error
			require.ErrorAs(t, err, &ce)
			found := false
			for _, p := range ce.Problems {
				if p.Path == tc.path && strings.Contains(p.Msg, tc.msg) {
					found = true
				}
			}
			assert.True(t, found, "want %s: %s in %v", tc.path, tc.msg, ce.Problems)
		})
	}
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	bad := strings.Replace(string(b), "    apps: [zoom]", "    apps: [zoom, nope]", 1)
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"nope" is not an app defined in scim_apps or apps`)
	bad = strings.Replace(string(b), "    base_url: http://127.0.0.1:0/scim/zoom/v2", "    base_url: http://127.0.0.1:0/scim/zoom/v2\n    mode: manual", 1)
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "scim_apps[2].mode")
}

package config

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

var demoEnv = map[string]string{
	"JML_ENTRA_TOKEN": "e", "JML_OKTA_TOKEN": "o", "JML_GOOGLE_TOKEN": "g",
	"JML_SLACK_BOT_TOKEN": "s", "JML_SLACK_SIGNING_SECRET": "ss",
	"JML_SCIM_GITHUB_TOKEN": "1", "JML_SCIM_SALESFORCE_TOKEN": "2", "JML_SCIM_ZOOM_TOKEN": "3",
}

func TestDemoConfigLoads(t *testing.T) {
	c, err := LoadWithEnv("demo.yaml", env(demoEnv))
	require.NoError(t, err)
	assert.Equal(t, []string{Entra, Okta, Google}, c.EnabledDirectories())
	assert.Equal(t, "1h0m0s", c.SLA.Leaver.String())
	assert.Equal(t, "o", c.Secrets.OktaToken.Reveal())
	assert.Equal(t, "3", c.Secrets.SCIMTokens["zoom"].Reveal())
	assert.Equal(t, "US", c.Directories.Entra.DefaultUsageLocation)
}

func TestDefaultUsageLocationIsACountryCode(t *testing.T) {
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	bad := strings.Replace(string(b), "default_usage_location: US", "default_usage_location: usa", 1)
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	require.Len(t, ce.Problems, 1)
	assert.Equal(t, "directories.entra.default_usage_location", ce.Problems[0].Path)
	assert.Contains(t, ce.Problems[0].Msg, "two-letter country code")
}

func TestExampleConfigDocumentsAValidFile(t *testing.T) {
	e := map[string]string{"JML_ENTRA_CLIENT_SECRET": "x", "JML_OKTA_TOKEN": "x", "JML_GOOGLE_CREDENTIALS": "{}",
		"JML_SCIM_GITHUB_TOKEN": "x", "JML_SLACK_BOT_TOKEN": "x", "JML_SLACK_SIGNING_SECRET": "x"}
	_, err := LoadWithEnv("example.yaml", env(e))
	// The example points at TLS files of a real deployment; they are the only
	// thing missing here.
	var ce *Error
	require.ErrorAs(t, err, &ce)
	for _, p := range ce.Problems {
		assert.True(t, strings.HasPrefix(p.Path, "temporal.tls."), "unexpected problem: %s", p)
	}
	assert.Len(t, ce.Problems, 3)
}

func TestBrokenConfigReportsEveryProblemWithItsPath(t *testing.T) {
	broken := `
temporal:
  adress: 127.0.0.1:7233
  max_concurrent_activities: -5
track: cloud-first
directories:
  entra: {enabled: true}
  okta: {enabled: true, org_url: "not a url", api_token: abc}
  ldap: {enabled: true}
sla:
  leaver: one hour
elevation:
  roles:
    - name: r1
      directory: okta
      role: Nope
catalog:
  groups: {entra: [all-staff]}
  rules:
    - name: eng
      match: {departments: [Engineering]}
      groups: {entra: [all-staff, dept-eng], google: [x]}
      apps: [github]
    - name: everyone
`
	_, err := Parse("broken.yaml", []byte(broken), env(nil))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	// The shape pass (unknown keys, secrets, bad scalars) reports first, all at once.
	paths := map[string]string{}
	for _, p := range ce.Problems {
		paths[p.Path] = p.Msg
		assert.Equal(t, "broken.yaml", p.File)
		assert.Positive(t, p.Line, "problem %s has its line", p)
	}
	assert.Contains(t, paths["temporal.adress"], "unknown key")
	assert.Contains(t, paths["directories.okta.api_token"], "environment")
	assert.Contains(t, paths["directories.ldap"], "unknown key")
	assert.Contains(t, paths["sla.leaver"], "not a duration")
	assert.Len(t, ce.Problems, 4)

	// With the shape fixed, the meaning pass reports every remaining problem.
	fixed := strings.NewReplacer("adress", "address", "ldap: {enabled: true}", "", ", api_token: abc", "", "one hour", "1h").Replace(broken)
	_, err = Parse("broken.yaml", []byte(fixed), env(nil))
	require.ErrorAs(t, err, &ce)
	paths = map[string]string{}
	for _, p := range ce.Problems {
		paths[p.Path] = p.Msg
	}
	assert.Contains(t, paths["track"], `"cloud-first" is not a track`)
	assert.Contains(t, paths["temporal.max_concurrent_activities"], "-5: must be 0")
	assert.Contains(t, paths["directories.okta.org_url"], "not an http(s) URL")
	assert.Contains(t, paths["elevation.roles[0].role"], "not declared in catalog.admin_roles.okta")
	assert.Contains(t, paths["catalog.rules[0].groups.entra[1]"], `"dept-eng" is not declared in catalog.groups.entra`)
	assert.Contains(t, paths["catalog.rules[0].groups.google"], "not enabled")
	assert.Contains(t, paths["catalog.rules[0].apps[0]"], "not an app defined in scim_apps")
	assert.Contains(t, paths["catalog.rules[1].match"], "is empty")
	assert.Contains(t, paths["directories.entra"], "JML_ENTRA_CLIENT_SECRET")
	assert.Contains(t, paths["directories.okta"], "JML_OKTA_TOKEN")
	assert.Contains(t, err.Error(), "broken.yaml:")
}

func TestSecretsComeFromEnvOrFileAndNeverPrint(t *testing.T) {
	f := t.TempDir() + "/okta"
	require.NoError(t, os.WriteFile(f, []byte("file-token-123\n"), 0o600))
	e := map[string]string{}
	for k, v := range demoEnv {
		e[k] = v
	}
	delete(e, "JML_OKTA_TOKEN")
	e["JML_OKTA_TOKEN_FILE"] = f
	c, err := LoadWithEnv("demo.yaml", env(e))
	require.NoError(t, err)
	assert.Equal(t, "file-token-123", c.Secrets.OktaToken.Reveal())
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, sprintf(format, c.Secrets), "file-token-123")
		assert.NotContains(t, sprintf(format, c), "file-token-123")
	}

	e["JML_OKTA_TOKEN_FILE"] = t.TempDir() + "/missing"
	_, err = LoadWithEnv("demo.yaml", env(e))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "JML_OKTA_TOKEN_FILE")
}

func TestMissingFileIsAClearError(t *testing.T) {
	_, err := LoadWithEnv("nope.yaml", env(nil))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nope.yaml: cannot read configuration")
}

func FuzzParse(f *testing.F) {
	demo, err := os.ReadFile("demo.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(demo)
	f.Add([]byte("track: hybrid\ndirectories: {okta: {enabled: true, org_url: 'http://x'}}\n"))
	f.Add([]byte("a: &a [*a]\n"))
	f.Add([]byte("catalog: {rules: [{match: {}}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := Parse("fuzz.yaml", data, env(demoEnv))
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) || len(ce.Problems) == 0 {
				t.Fatalf("error is not a *config.Error with problems: %v", err)
			}
			return
		}
		if cfg.SLA.Leaver <= 0 || len(cfg.EnabledDirectories()) == 0 {
			t.Fatalf("accepted a configuration that validation should refuse")
		}
	})
}

func TestListEntriesNeedUniqueNames(t *testing.T) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	doc := strings.Replace(string(demo), "  - name: salesforce\n", "  - name: github\n", 1)
	doc = strings.Replace(doc, "    - name: okta-helpdesk\n", "    - name: \"\"\n", 1)
	doc = strings.Replace(doc, "    - name: sales\n", "    - name: engineering\n", 1)
	_, err = Parse("dup.yaml", []byte(doc), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	paths := map[string]string{}
	for _, p := range ce.Problems {
		paths[p.Path] = p.Msg
	}
	assert.Equal(t, `"github" is defined twice`, paths["scim_apps[1].name"])
	assert.Equal(t, "is required", paths["elevation.roles[1].name"])
	assert.Equal(t, `"engineering" is defined twice`, paths["catalog.rules[3].name"])
}

// A worker's activity slots default to DefaultMaxConcurrentActivities (the
// SDK's own 1,000 made a 1,000-leaver burst queue behind budgets) and a
// configured value wins.
func TestActivitySlotsDefault(t *testing.T) {
	assert.Equal(t, DefaultMaxConcurrentActivities, Temporal{}.ActivitySlots())
	assert.Equal(t, 250, Temporal{MaxConcurrentActivities: 250}.ActivitySlots())
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	demo, err := Parse("demo.yaml", b, env(demoEnv))
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxConcurrentActivities, demo.Temporal.ActivitySlots(), "unset in the file: the default")
	set := strings.Replace(string(b), "temporal:\n", "temporal:\n  max_concurrent_activities: 2500\n", 1)
	require.NotEqual(t, string(b), set, "demo.yaml has a temporal section to set it in")
	c, err := Parse("demo.yaml", []byte(set), env(demoEnv))
	require.NoError(t, err)
	assert.Equal(t, 2500, c.Temporal.ActivitySlots())
}

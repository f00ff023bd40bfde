package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func problems(t *testing.T, err error) map[string]string {
	t.Helper()
	var ce *Error
	require.ErrorAs(t, err, &ce)
	out := map[string]string{}
	for _, p := range ce.Problems {
		out[p.Path] += p.Msg + "\n"
	}
	return out
}

func TestTrackSelectsItsDefaults(t *testing.T) {
	doc := func(track, extra string) []byte {
		return []byte(`track: ` + track + `
directories:
  entra: {tenant_id: t, client_id: c` + extra + `}
  okta: {org_url: "http://okta.test"}
  google: {domain: demo.test}
elevation:
  roles: [{name: admin, role: Admin}]
catalog:
  admin_roles: {entra: [Admin], google: [Admin]}
`)
	}
	cases := []struct {
		track, extra string
		dirs         []string
		roleDir      string
	}{
		{"microsoft-first", "", []string{Entra}, Entra},
		{"google-first", "", []string{Google}, Google},
		{"hybrid", "", []string{Entra, Okta}, Entra},
		// What the file writes wins over the track.
		{"hybrid", ", enabled: false", []string{Okta}, ""},
		{"google-first", ", enabled: true", []string{Entra, Google}, Google},
	}
	for _, c := range cases {
		t.Run(c.track+c.extra, func(t *testing.T) {
			cfg, err := ParseFor("t.yaml", doc(c.track, c.extra), env(nil), NeedNothing)
			if c.roleDir == "" { // the role's default directory (entra) is disabled
				assert.Contains(t, problems(t, err)["elevation.roles[0].directory"], `directory "entra" is not enabled`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.dirs, cfg.EnabledDirectories())
			assert.Equal(t, c.roleDir, cfg.Elevation.Roles[0].Directory)
		})
	}
}

func TestUnreadKeysAreGoneAndSubdomainHasItsEffect(t *testing.T) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	withKeys := strings.Replace(string(demo), "  ui_origin:", "  public_url: https://jml.example.com\n  ui_origin:", 1)
	withKeys = strings.Replace(withKeys, "  joiners: 5\n", "  joiners: 5\n  emulator_port: 9000\n", 1)
	p := problems(t, func() error { _, err := ParseFor("d.yaml", []byte(withKeys), env(nil), NeedNothing); return err }())
	assert.Contains(t, p["intake.public_url"], "unknown key")
	assert.Contains(t, p["dev.emulator_port"], "unknown key")

	bamboo := strings.Replace(string(demo), "  source: webhook\n", "  source: bamboohr\n  bamboohr: {subdomain: acme}\n", 1)
	cfg, err := ParseFor("d.yaml", []byte(bamboo), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, "https://acme.bamboohr.com", cfg.HR.BambooHR.BaseURL)

	bad := strings.Replace(string(demo), "  source: webhook\n", "  source: bamboohr\n  bamboohr: {subdomain: \"acme.evil/x\"}\n", 1)
	_, err = ParseFor("d.yaml", []byte(bad), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.bamboohr.subdomain"], "is not a subdomain")
	none := strings.Replace(string(demo), "  source: webhook\n", "  source: bamboohr\n", 1)
	_, err = ParseFor("d.yaml", []byte(none), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.bamboohr.base_url"], "is required")
}

// A command checks only what it uses: the demo file loads with no
// credential at all for import/elevate/report, and a worker still gets the
// full list.
func TestNeedChecksOnlyWhatTheCommandUses(t *testing.T) {
	cfg, err := LoadFor("demo.yaml", env(nil), NeedNothing)
	require.NoError(t, err)
	assert.False(t, cfg.Codec.Required, "no keys here, none written: not required")

	_, err = LoadFor("demo.yaml", env(nil), NeedDirectories)
	var ce *Error
	require.ErrorAs(t, err, &ce)
	assert.Len(t, ce.Problems, 8, "entra, okta, google, three SCIM apps, Slack's two")
}

func TestServeNeedsEveryMountedRoutesSecret(t *testing.T) {
	e := map[string]string{}
	for k, v := range demoEnv {
		e[k] = v
	}
	_, err := LoadFor("demo.yaml", env(e), NeedDirectories|NeedIntake)
	assert.Contains(t, problems(t, err)["intake"], "JML_HR_WEBHOOK_SECRET")

	e["JML_HR_WEBHOOK_SECRET"] = "h"
	_, err = LoadFor("demo.yaml", env(e), NeedDirectories|NeedIntake)
	require.NoError(t, err)

	e["JML_CODEC_KEYS"] = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	_, err = LoadFor("demo.yaml", env(e), NeedDirectories|NeedIntake)
	assert.Contains(t, problems(t, err)["intake"], "JML_CODEC_SERVER_TOKEN")
	e["JML_CODEC_SERVER_TOKEN"] = "t"
	cfg, err := LoadFor("demo.yaml", env(e), NeedDirectories|NeedIntake)
	require.NoError(t, err)
	assert.True(t, cfg.Codec.Required, "keys configured: codec.required defaults on")

	// BambooHR's route needs its API key when it is the HR source.
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	doc := strings.Replace(string(demo), "  source: webhook\n", "  source: bamboohr\n  bamboohr: {subdomain: acme}\n", 1)
	_, err = ParseFor("d.yaml", []byte(doc), env(e), NeedDirectories|NeedIntake)
	assert.Contains(t, problems(t, err)["hr.bamboohr"], "JML_BAMBOOHR_API_KEY")
}

func TestCodecRequiredWrittenWins(t *testing.T) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	keys := map[string]string{"JML_CODEC_KEYS_FILE": "/run/keys"}
	off := string(demo) + "codec: {required: false}\n"
	cfg, err := ParseFor("d.yaml", []byte(off), env(keys), NeedNothing)
	require.NoError(t, err)
	assert.False(t, cfg.Codec.Required, "an explicit false allows a migration from plaintext")
	on := string(demo) + "codec: {required: true}\n"
	cfg, err = ParseFor("d.yaml", []byte(on), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.True(t, cfg.Codec.Required)
}

func TestIntakeConcurrency(t *testing.T) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	cfg, err := ParseFor("d.yaml", demo, env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, 32, cfg.Intake.Concurrency, "the default")
	bad := strings.Replace(string(demo), "  ui_origin:", "  concurrency: -3\n  ui_origin:", 1)
	p := problems(t, func() error { _, err := ParseFor("d.yaml", []byte(bad), env(nil), NeedNothing); return err }())
	assert.Contains(t, p["intake.concurrency"], "-3 is not between 1 and 1024")
}

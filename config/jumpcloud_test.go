package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// jumpcloudDemo is demo.yaml with JumpCloud enabled and extra YAML spliced
// in after its directory section.
func jumpcloudDemo(t *testing.T, dir, catalog string) []byte {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "    enabled: false # the e2e tests", "    enabled: true # the e2e tests", 1)
	s = strings.Replace(s, "    base_url: http://127.0.0.1:0 # replaced by the JumpCloud emulator's URL\n", "    base_url: http://127.0.0.1:0 # replaced by the JumpCloud emulator's URL\n"+dir, 1)
	s = strings.Replace(s, "  admin_roles:\n", "  admin_roles:\n"+catalog, 1)
	return []byte(s)
}

func TestJumpCloudSection(t *testing.T) {
	e := map[string]string{"JML_JUMPCLOUD_API_KEY": "jc"}
	for k, v := range demoEnv {
		e[k] = v
	}
	c, err := Parse("demo.yaml", jumpcloudDemo(t, "    org_id: 5f0c1a2b3c4d5e6f7a8b9c0d\n", "    jumpcloud: [sudo, group:it-sudo]\n"), env(e))
	require.NoError(t, err)
	assert.Equal(t, []string{Entra, Okta, Google, JumpCloud}, c.EnabledDirectories())
	assert.Equal(t, "jc", c.Secrets.JumpCloudAPIKey.Reveal())
	assert.Equal(t, "5f0c1a2b3c4d5e6f7a8b9c0d", c.Directories.JumpCloud.OrgID)

	// no key, a bad org id, a role JumpCloud does not have: each named
	_, err = Parse("demo.yaml", jumpcloudDemo(t, "    org_id: acme\n", "    jumpcloud: [sudo, Domain Admins]\n"), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	paths := map[string]string{}
	for _, p := range ce.Problems {
		paths[p.Path] = p.Msg
	}
	assert.Contains(t, paths["directories.jumpcloud"], "JML_JUMPCLOUD_API_KEY")
	assert.Contains(t, paths["directories.jumpcloud.org_id"], "24 hexadecimal digits")
	assert.Contains(t, paths["catalog.admin_roles.jumpcloud[1]"], `"Domain Admins" is not a JumpCloud admin role`)
	assert.Len(t, ce.Problems, 3, "%v", ce.Problems)
}

func TestJumpCloudOffByDefault(t *testing.T) {
	c, err := LoadWithEnv("demo.yaml", env(demoEnv))
	require.NoError(t, err)
	assert.False(t, c.Directories.JumpCloud.Enabled)
	assert.NotContains(t, c.EnabledDirectories(), JumpCloud)
}

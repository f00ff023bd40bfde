package config

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// demoWith is the demo configuration with extra lines (keys of
// directories.entra, indented) at the top of the Entra block.
func demoWith(t *testing.T, extra string) (*Config, error) {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "  entra:\n", "  entra:\n"+extra, 1)
	require.NotEqual(t, string(b), s, "demo.yaml has no directories.entra block to extend")
	return Parse("demo.yaml", []byte(s), env(demoEnv))
}

func problemAt(t *testing.T, err error, path string) Problem {
	t.Helper()
	var ce *Error
	require.ErrorAs(t, err, &ce)
	for _, p := range ce.Problems {
		if p.Path == path {
			return p
		}
	}
	t.Fatalf("no problem at %s in %v", path, err)
	return Problem{}
}

func TestSyncedFromADNeedsADEnabled(t *testing.T) {
	_, err := demoWith(t, "    synced_from: ad\n")
	p := problemAt(t, err, "directories.entra.synced_from")
	assert.Contains(t, p.Msg, "directories.ad is not enabled")
}

func TestSyncedFromMustBeAD(t *testing.T) {
	_, err := demoWith(t, "    synced_from: okta\n")
	p := problemAt(t, err, "directories.entra.synced_from")
	assert.Contains(t, p.Msg, `"okta" is not a directory Entra Connect syncs from`)
}

func TestSyncWaitWithoutSyncedFromIsRefused(t *testing.T) {
	_, err := demoWith(t, "    sync_wait: 10m\n")
	p := problemAt(t, err, "directories.entra.sync_wait")
	assert.Contains(t, p.Msg, "synced_from is not")
}

func TestNoSyncedFromLeavesThePolicyCloudOnly(t *testing.T) {
	c, err := LoadWithEnv("demo.yaml", env(demoEnv))
	require.NoError(t, err)
	p := c.Policy()
	assert.Empty(t, p.EntraSyncedFrom)
	assert.Zero(t, p.EntraSyncWait)
}

func TestSyncedFromADWithADEnabledFillsThePolicy(t *testing.T) {
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	s := strings.Replace(string(b), "  entra:\n", "  entra:\n    synced_from: ad\n", 1)
	s = strings.Replace(s, "  ad:\n    enabled: false\n", "  ad:\n    enabled: true\n", 1)
	e := map[string]string{"JML_AD_BIND_PASSWORD": "x"}
	for k, v := range demoEnv {
		e[k] = v
	}
	c, err := Parse("demo.yaml", []byte(s), env(e))
	require.NoError(t, err)
	p := c.Policy()
	assert.Equal(t, "ad", p.EntraSyncedFrom)
	assert.Equal(t, DefaultSyncWait, p.EntraSyncWait, "40m by default")
	assert.Contains(t, p.Directories, "ad")

	s = strings.Replace(s, "    synced_from: ad\n", "    synced_from: ad\n    sync_wait: 5m\n", 1)
	c, err = Parse("demo.yaml", []byte(s), env(e))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Minute, c.Policy().EntraSyncWait)
}

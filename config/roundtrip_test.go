package config

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// Every section's unset values survive being written back out and read
// again: the chaos test, the benches and the cluster test write their
// config files from a parsed one, and an unset duration once came back as
// "0s", which its parser refuses.
func TestDemoConfigSurvivesARoundTrip(t *testing.T) {
	c, err := LoadWithEnv("demo.yaml", env(demoEnv))
	require.NoError(t, err)
	b, err := yaml.Marshal(c)
	require.NoError(t, err)
	_, err = ParseFor("demo.yaml", b, env(demoEnv), NeedNothing)
	require.NoError(t, err, "the demo config written back out:\n%s", b)
}

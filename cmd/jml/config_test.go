package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulators"
)

// demoCreds sets the demo's directory credentials, except those named.
func demoCreds(t *testing.T, except ...string) {
	t.Helper()
	skip := map[string]bool{}
	for _, k := range except {
		skip[k] = true
	}
	for k, v := range emulators.DemoCredentials().Env() {
		if !skip[k] {
			t.Setenv(k, v)
		}
	}
}

// isolate runs the test in an empty folder (no .state of a dev stack) and
// points Temporal at a port nothing listens on: each refusal below must
// come before any connection.
func isolate(t *testing.T) string {
	t.Helper()
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	t.Setenv("JML_TEMPORAL_ADDRESS", "127.0.0.1:1")
	for _, k := range []string{"JML_CODEC_KEYS", "JML_CODEC_KEYS_FILE", "JML_CODEC_SERVER_TOKEN"} {
		t.Setenv(k, "")
	}
	return filepath.Join(root, "config/demo.yaml")
}

func TestServeRefusesARouteWithoutItsSecret(t *testing.T) {
	cfg := isolate(t)
	demoCreds(t, "JML_HR_WEBHOOK_SECRET")
	var out, errOut bytes.Buffer
	assert.Equal(t, exitUsage, run([]string{"serve", "--config", cfg}, &out, &errOut))
	assert.Contains(t, errOut.String(), "JML_HR_WEBHOOK_SECRET")

	demoCreds(t)
	t.Setenv("JML_CODEC_KEYS", "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"serve", "--config", cfg}, &out, &errOut))
	assert.Contains(t, errOut.String(), "JML_CODEC_SERVER_TOKEN")
	assert.NotContains(t, errOut.String(), "JML_HR_WEBHOOK_SECRET")
}

func TestClientsRefuseToStartWithoutKeysWhenRequired(t *testing.T) {
	demo := isolate(t)
	b, err := os.ReadFile(demo)
	require.NoError(t, err)
	cfg := filepath.Join(t.TempDir(), "required.yaml")
	require.NoError(t, os.WriteFile(cfg, append(b, []byte("codec: {required: true}\n")...), 0o600))
	export := filepath.Join(t.TempDir(), "e.csv")
	require.NoError(t, os.WriteFile(export, []byte("employee_id,email,given_name,family_name,status\nE1,a@demo.jml.test,A,B,active\n"), 0o600))
	demoCreds(t)
	t.Setenv("JML_CODEC_SERVER_TOKEN", "t")
	for _, args := range [][]string{
		{"import", "--config", cfg, export},
		{"elevate", "--config", cfg, "--employee", "E0042", "--role", "entra-user-admin", "--reason", "x"},
		{"report", "--config", cfg},
		{"serve", "--config", cfg},
		{"worker", "--config", cfg},
	} {
		var out, errOut bytes.Buffer
		assert.Equal(t, exitUsage, run(args, &out, &errOut), args[0])
		assert.Contains(t, errOut.String(), "codec.required is set but no payload keys are configured", args[0])
	}
	// A dry-run sends nothing, so it needs no key.
	var out, errOut bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"import", "--config", cfg, "--dry-run", export}, &out, &errOut), errOut.String())
}

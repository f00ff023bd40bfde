package config

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/tlscert"
)

// TestIntakeTLS: the pair comes from the file or the environment, and a
// half-set, missing or mismatched pair stops start-up naming the field.
func TestIntakeTLS(t *testing.T) {
	demo, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	a, err := tlscert.Write(t.TempDir())
	require.NoError(t, err)
	b, err := tlscert.Write(t.TempDir())
	require.NoError(t, err)

	cfg, err := ParseFor("d.yaml", demo, env(map[string]string{"JML_INTAKE_TLS_CERT_FILE": a.CertFile, "JML_INTAKE_TLS_KEY_FILE": a.KeyFile}), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, IntakeTLS{CertFile: a.CertFile, KeyFile: a.KeyFile}, cfg.Intake.TLS)

	cases := []struct {
		name, path, want string
		vars             map[string]string
	}{
		{"certificate without key", "intake.tls.key_file", "is required", map[string]string{"JML_INTAKE_TLS_CERT_FILE": a.CertFile}},
		{"key without certificate", "intake.tls.cert_file", "is required", map[string]string{"JML_INTAKE_TLS_KEY_FILE": a.KeyFile}},
		{"missing file", "intake.tls", "no such file", map[string]string{"JML_INTAKE_TLS_CERT_FILE": a.CertFile + ".gone", "JML_INTAKE_TLS_KEY_FILE": a.KeyFile}},
		{"key of another certificate", "intake.tls", "does not match", map[string]string{"JML_INTAKE_TLS_CERT_FILE": a.CertFile, "JML_INTAKE_TLS_KEY_FILE": b.KeyFile}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseFor("d.yaml", demo, env(c.vars), NeedNothing)
			assert.Contains(t, problems(t, err)[c.path], c.want)
		})
	}
}

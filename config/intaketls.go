package config

import (
	"crypto/tls"
	"fmt"
)

// IntakeTLS makes `jml serve` answer HTTPS itself. The Temporal UI
// forwards its user's access token to the codec endpoint only when that
// endpoint is https:// (ui v2.42.1 refuses otherwise and shows "Codec
// Server could not connect"), and HR webhooks deserve TLS anyway. Leave it
// empty behind a reverse proxy or load balancer that terminates TLS.
type IntakeTLS struct {
	// CertFile is a PEM certificate chain (JML_INTAKE_TLS_CERT_FILE).
	CertFile string `yaml:"cert_file"`
	// KeyFile is its PEM private key (JML_INTAKE_TLS_KEY_FILE).
	KeyFile string `yaml:"key_file"`
}

// Enabled reports whether the intake serves HTTPS.
func (t IntakeTLS) Enabled() bool { return t.CertFile != "" || t.KeyFile != "" }

func (c *Config) applyIntakeTLSEnv(getenv func(string) string) {
	if v := getenv("JML_INTAKE_TLS_CERT_FILE"); v != "" {
		c.Intake.TLS.CertFile = v
	}
	if v := getenv("JML_INTAKE_TLS_KEY_FILE"); v != "" {
		c.Intake.TLS.KeyFile = v
	}
}

// checkIntakeTLS loads the pair at start-up, so a wrong path or a key that
// does not match its certificate stops the process with the field named.
func (v *validator) checkIntakeTLS(c *Config) {
	t := c.Intake.TLS
	switch {
	case !t.Enabled():
	case t.CertFile == "":
		v.add(0, "intake.tls.cert_file", "is required with intake.tls.key_file (JML_INTAKE_TLS_CERT_FILE)")
	case t.KeyFile == "":
		v.add(0, "intake.tls.key_file", "is required with intake.tls.cert_file (JML_INTAKE_TLS_KEY_FILE)")
	default:
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			// The error names files and PEM problems, never key bytes.
			v.add(0, "intake.tls", fmt.Sprintf("cannot load the certificate %s and key %s: %v", t.CertFile, t.KeyFile, err))
		}
	}
}

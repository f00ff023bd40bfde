package config

import (
	"fmt"
	"net"
	"net/url"
)

// Metrics is where `jml worker` and `jml serve` serve Prometheus metrics.
type Metrics struct {
	// Listen is host:port for GET /metrics (JML_METRICS_LISTEN); empty
	// serves none. Its own port: the intake's may face the internet.
	Listen string `yaml:"listen"`
}

// CodecOIDC lets the Temporal UI's browser calls use the codec endpoint:
// the UI, signed in with OIDC and started with passAccessToken
// (TEMPORAL_CODEC_PASS_ACCESS_TOKEN=true), forwards the user's access
// token, which the codec server verifies against the issuer's keys. The
// static JML_CODEC_SERVER_TOKEN stays for the temporal CLI.
type CodecOIDC struct {
	// Issuer is the OIDC issuer URL (JML_CODEC_OIDC_ISSUER); its discovery
	// document names the JWKS. Empty: no OIDC.
	Issuer string `yaml:"issuer"`
	// Audience, when set, must be in the token's aud (JML_CODEC_OIDC_AUDIENCE).
	Audience string `yaml:"audience"`
}

func (c *Config) applyClusterEnv(getenv func(string) string) {
	if v := getenv("JML_METRICS_LISTEN"); v != "" {
		c.Metrics.Listen = v
	}
	if v := getenv("JML_INTAKE_UI_ORIGIN"); v != "" {
		c.Intake.UIOrigin = v // where the UI runs is the deployment's, as the addresses are
	}
	if v := getenv("JML_CODEC_OIDC_ISSUER"); v != "" {
		c.Intake.CodecOIDC.Issuer = v
	}
	if v := getenv("JML_CODEC_OIDC_AUDIENCE"); v != "" {
		c.Intake.CodecOIDC.Audience = v
	}
	c.applyIntakeTLSEnv(getenv)
}

// checkCluster checks metrics.listen and intake.codec_oidc.
func (v *validator) checkCluster(c *Config) {
	if l := c.Metrics.Listen; l != "" {
		if _, _, err := net.SplitHostPort(l); err != nil {
			v.add(0, "metrics.listen", fmt.Sprintf("%q is not host:port (e.g. 0.0.0.0:9090)", l))
		}
	}
	if is := c.Intake.CodecOIDC.Issuer; is != "" {
		u, err := url.Parse(is)
		if err != nil || u.Host == "" || (u.Scheme != "https" && !(u.Scheme == "http" && loopbackHost(u.Hostname()))) {
			v.add(0, "intake.codec_oidc.issuer", fmt.Sprintf("%q is not an https URL (http only on loopback)", is))
		}
	}
	v.checkIntakeTLS(c)
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

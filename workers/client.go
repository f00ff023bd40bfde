package workers

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workers/codec"
)

// ClientOptions builds Temporal client options from configuration: mTLS
// from files, an API key (Temporal Cloud) from the environment, and the
// payload codec when keys are configured. Plaintext is allowed only to a
// loopback address unless temporal.allow_plaintext_remote says otherwise.
func ClientOptions(cfg *config.Config, z zerolog.Logger, keys *codec.Keyring) (client.Options, error) {
	t := cfg.Temporal
	opts := client.Options{
		HostPort:  t.Address,
		Namespace: t.Namespace,
		Logger:    NewLogger(z.With().Str("component", "temporal-sdk").Logger()),
	}
	if t.TLS.Enabled() {
		tc, err := tlsConfig(t.TLS, t.Address)
		if err != nil {
			return opts, err
		}
		opts.ConnectionOptions.TLS = tc
	}
	if cfg.Secrets.TemporalAPIKey.Set() {
		opts.Credentials = client.NewAPIKeyStaticCredentials(cfg.Secrets.TemporalAPIKey.Reveal())
		if opts.ConnectionOptions.TLS == nil {
			// API keys are only ever sent over TLS.
			opts.ConnectionOptions.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	}
	if opts.ConnectionOptions.TLS == nil && !t.AllowPlaintextRemote && !IsLoopback(t.Address) {
		return opts, fmt.Errorf("temporal.address %s is not loopback: configure temporal.tls or TEMPORAL_API_KEY, or set temporal.allow_plaintext_remote: true", t.Address)
	}
	if cfg.Codec.Required {
		if keys == nil {
			return opts, ErrNoCodecKeys
		}
		// The worker fails any task whose payloads arrive in plaintext.
		keys = keys.Required()
	}
	return codec.ClientOptions(keys, opts), nil
}

// ErrNoCodecKeys: codec.required is set and this process has no payload
// keys, so it would send personal data in plaintext. Nothing is started.
var ErrNoCodecKeys = errors.New("codec.required is set but no payload keys are configured: set " + codec.EnvKeys + " or " + codec.EnvKeysFile + " (against jml dev: " + codec.EnvKeysFile + "=<state folder>/codec-keys)")

// Dial connects to Temporal.
func Dial(ctx context.Context, cfg *config.Config, z zerolog.Logger, keys *codec.Keyring) (client.Client, error) {
	return DialWithMetrics(ctx, cfg, z, keys, nil)
}

// DialWithMetrics is Dial with the SDK's metrics (and the workflows'
// counters) going to mh; nil reports none.
func DialWithMetrics(ctx context.Context, cfg *config.Config, z zerolog.Logger, keys *codec.Keyring, mh client.MetricsHandler) (client.Client, error) {
	opts, err := ClientOptions(cfg, z, keys)
	if err != nil {
		return nil, err
	}
	opts.MetricsHandler = mh
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", cfg.Temporal.Address, cfg.Temporal.Namespace, err)
	}
	return c, nil
}

// IsLoopback reports whether host:port names this machine.
func IsLoopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func tlsConfig(t config.TLS, address string) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if tc.ServerName == "" {
		if host, _, err := net.SplitHostPort(address); err == nil {
			tc.ServerName = host
		}
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls: load client certificate %s: %w", t.CertFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("temporal.tls.ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("temporal.tls.ca_file %s: no PEM certificate found", t.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

package workers

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workers/codec"
)

func cfgAt(addr string) *config.Config {
	c := &config.Config{}
	c.Temporal.Address, c.Temporal.Namespace = addr, "identity"
	return c
}

func TestPlaintextOnlyToLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:7233", "localhost:7233", "[::1]:7233"} {
		_, err := ClientOptions(cfgAt(addr), zerolog.Nop(), nil)
		assert.NoError(t, err, addr)
	}
	_, err := ClientOptions(cfgAt("temporal.example.com:7233"), zerolog.Nop(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "not loopback")

	c := cfgAt("temporal:7233")
	c.Temporal.AllowPlaintextRemote = true
	opts, err := ClientOptions(c, zerolog.Nop(), nil)
	require.NoError(t, err, "explicitly allowed")
	assert.Nil(t, opts.ConnectionOptions.TLS)
}

func TestAPIKeyAlwaysOverTLS(t *testing.T) {
	c := cfgAt("ns.acct.tmprl.cloud:7233")
	c.Secrets.TemporalAPIKey = config.NewSecret("cloud-api-key-123")
	opts, err := ClientOptions(c, zerolog.Nop(), nil)
	require.NoError(t, err)
	require.NotNil(t, opts.ConnectionOptions.TLS)
	assert.NotNil(t, opts.Credentials)
	assert.Equal(t, "identity", opts.Namespace)
}

func TestMutualTLSFromFiles(t *testing.T) {
	dir := t.TempDir()
	cert, key := writeSelfSigned(t, dir)
	c := cfgAt("temporal.example.com:7233")
	c.Temporal.TLS = config.TLS{CertFile: cert, KeyFile: key, CAFile: cert}
	opts, err := ClientOptions(c, zerolog.Nop(), nil)
	require.NoError(t, err)
	tc := opts.ConnectionOptions.TLS
	require.NotNil(t, tc)
	assert.Len(t, tc.Certificates, 1)
	assert.NotNil(t, tc.RootCAs)
	assert.Equal(t, "temporal.example.com", tc.ServerName)

	c.Temporal.TLS.CAFile = filepath.Join(dir, "missing.pem")
	_, err = ClientOptions(c, zerolog.Nop(), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "temporal.tls.ca_file")
}

func TestCodecAppliedWhenKeysSet(t *testing.T) {
	plain, err := ClientOptions(cfgAt("127.0.0.1:7233"), zerolog.Nop(), nil)
	require.NoError(t, err)
	assert.Nil(t, plain.DataConverter)
	k, err := codec.GenerateKey("k1")
	require.NoError(t, err)
	ring, err := codec.NewKeyring(k)
	require.NoError(t, err)
	enc, err := ClientOptions(cfgAt("127.0.0.1:7233"), zerolog.Nop(), ring)
	require.NoError(t, err)
	assert.NotNil(t, enc.DataConverter)
	assert.NotNil(t, enc.FailureConverter)
}

func TestSDKLoggerWritesStructuredZerolog(t *testing.T) {
	var buf bytes.Buffer
	l := NewLogger(zerolog.New(&buf))
	l.With("Namespace", "default").Info("poller started", "TaskQueue", "jml", "Error", errors.New("boom"))
	out := buf.String()
	assert.Contains(t, out, `"level":"info"`)
	assert.Contains(t, out, `"Namespace":"default"`)
	assert.Contains(t, out, `"TaskQueue":"jml"`)
	assert.Contains(t, out, `"Error":"boom"`)
	assert.Contains(t, out, `"message":"poller started"`)
	buf.Reset()
	l.Warn("odd", "lonely")
	assert.Contains(t, buf.String(), `"lonely":"(missing)"`)
}

func writeSelfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "jml-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	require.NoError(t, err)
	keyDER, err := x509.MarshalECPrivateKey(priv)
	require.NoError(t, err)
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600))
	return certPath, keyPath
}

// codec.required: no client starts without keys, and with keys the
// converter refuses plaintext payloads.
func TestCodecRequiredNeedsKeysAndRefusesPlaintext(t *testing.T) {
	c := cfgAt("127.0.0.1:7233")
	c.Codec.Required = true
	_, err := ClientOptions(c, zerolog.Nop(), nil)
	require.ErrorIs(t, err, ErrNoCodecKeys)
	assert.Contains(t, err.Error(), "JML_CODEC_KEYS")

	secret := make([]byte, codec.KeySize)
	ring, err := codec.NewKeyring(codec.Key{ID: "k1", Secret: secret})
	require.NoError(t, err)
	opts, err := ClientOptions(c, zerolog.Nop(), ring)
	require.NoError(t, err)
	var s string
	payload, err := ring.DataConverter().ToPayload("x")
	require.NoError(t, err)
	require.NoError(t, opts.DataConverter.FromPayload(payload, &s), "encrypted payloads decode")
	unencrypted, err := (*codec.Keyring)(nil).DataConverter().ToPayload("x")
	require.NoError(t, err)
	assert.ErrorIs(t, opts.DataConverter.FromPayload(unencrypted, &s), codec.ErrPlaintext)

	c.Codec.Required = false
	opts, err = ClientOptions(c, zerolog.Nop(), ring)
	require.NoError(t, err)
	assert.NoError(t, opts.DataConverter.FromPayload(unencrypted, &s), "not required: history written before encryption stays readable")
}

package intake

import (
	"crypto/tls"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/tlscert"
)

// TestServeTLS: with a certificate the intake answers HTTPS (what the
// Temporal UI needs before it forwards a token to the codec endpoint) and
// a plaintext request gets no answer; a bad pair fails Start by name.
func TestServeTLS(t *testing.T) {
	pair, err := tlscert.Write(t.TempDir())
	require.NoError(t, err)
	s := newServer(&recordingSink{}, Options{Listen: "127.0.0.1:0", TLSCertFile: pair.CertFile, TLSKeyFile: pair.KeyFile})
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Shutdown(t.Context()) })
	assert.Equal(t, "https", s.Scheme())

	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pair.Pool()}}}
	resp, err := c.Get("https://" + s.Addr() + "/healthz")
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", b)
	assert.NotNil(t, resp.TLS)

	plain, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + s.Addr() + "/healthz")
	if err == nil {
		plain.Body.Close()
		assert.NotEqual(t, http.StatusOK, plain.StatusCode, "plaintext must not reach the routes")
	}

	other, err := tlscert.Write(t.TempDir())
	require.NoError(t, err)
	mismatched := filepath.Join(t.TempDir(), "key.pem")
	kb, _ := os.ReadFile(other.KeyFile)
	require.NoError(t, os.WriteFile(mismatched, kb, 0o600))
	bad := newServer(&recordingSink{}, Options{Listen: "127.0.0.1:0", TLSCertFile: pair.CertFile, TLSKeyFile: mismatched})
	err = bad.Start()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "intake.tls")
	assert.NotContains(t, err.Error(), string(kb[30:60]), "no key bytes in the error")
}

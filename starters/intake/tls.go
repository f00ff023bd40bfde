package intake

import (
	"crypto/tls"
	"fmt"
	"net"
)

// withTLS wraps the listener in TLS when a certificate is configured. The
// Temporal UI forwards its user's access token to the codec endpoint only
// over https, so a deployment without a TLS-terminating proxy in front
// serves it here.
func (s *Server) withTLS(ln net.Listener) (net.Listener, error) {
	if s.opts.TLSCertFile == "" && s.opts.TLSKeyFile == "" {
		return ln, nil
	}
	pair, err := tls.LoadX509KeyPair(s.opts.TLSCertFile, s.opts.TLSKeyFile)
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("intake.tls: %w", err)
	}
	return tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{pair},
		MinVersion:   tls.VersionTLS12,
	}), nil
}

// Scheme is "https" when the server terminates TLS, else "http".
func (s *Server) Scheme() string {
	if s.opts.TLSCertFile != "" {
		return "https"
	}
	return "http"
}

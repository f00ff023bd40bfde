// Package codecserver serves the Temporal UI's remote codec endpoint
// (POST /encode, POST /decode) so operators can read encrypted histories in
// the browser while the Temporal service only ever stores ciphertext.
package codecserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/jml-dev/jml/workers/codec"
)

// DefaultMaxBodyBytes bounds a request when Options.MaxBodyBytes is 0. The
// UI sends one event's payloads at a time; Temporal caps a payload at 2 MB
// and JSON base64 adds a third.
const DefaultMaxBodyBytes int64 = 8 << 20

// Options configures Handler.
type Options struct {
	// AllowedOrigin is the UI origin, e.g. http://127.0.0.1:8233. Browser
	// requests from any other origin are refused; requests without an Origin
	// header (the temporal CLI's --codec-endpoint) are allowed.
	AllowedOrigin string
	// Token is the bearer the UI sends (Authorization: Bearer <Token>). An
	// empty Token refuses every request: the handler fails closed.
	Token string
	// MaxBodyBytes limits the request body (413 above it); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// OIDC, when set, also accepts a bearer that is an access token of the
	// Temporal UI's signed-in user, verified against the issuer (oidc.go).
	OIDC *OIDC
	// LoopbackWithoutToken lets a request from a loopback address through
	// without a bearer. Only `jml dev` sets it: the dev server's UI has no
	// sign-in, so it has no token to send, and everything runs on this machine.
	LoopbackWithoutToken bool
}

// allowHeaders are the request headers the Temporal UI's codec calls carry
// (ui v2.42.1, its codec client): the bearer, the user's id token, the JSON
// body and the namespace.
const allowHeaders = "Authorization, Authorization-Extras, Content-Type, X-Namespace"

// Handler returns the codec server. A nil keyring passes payloads through
// and refuses to decode encrypted ones.
func Handler(k *codec.Keyring, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	h := &handler{codec: k.Codec(), origin: strings.TrimSuffix(opts.AllowedOrigin, "/"), max: opts.MaxBodyBytes, loopback: opts.LoopbackWithoutToken, oidc: opts.OIDC}
	if opts.Token != "" {
		sum := sha256.Sum256([]byte(opts.Token))
		h.tokenSum = sum[:]
	}
	return h
}

type handler struct {
	codec    converter.PayloadCodec
	origin   string
	tokenSum []byte
	max      int64
	loopback bool
	oidc     *OIDC
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Vary", "Origin")
	// Decoded payloads carry personal data: never cache them.
	hdr.Set("Cache-Control", "no-store")
	hdr.Set("X-Content-Type-Options", "nosniff")

	if origin := r.Header.Get("Origin"); origin != "" {
		if h.origin == "" || origin != h.origin {
			fail(w, http.StatusForbidden, "origin not allowed")
			return
		}
		hdr.Set("Access-Control-Allow-Origin", origin)
	}

	if r.Method == http.MethodOptions {
		if r.Header.Get("Origin") == "" {
			fail(w, http.StatusForbidden, "origin not allowed")
			return
		}
		hdr.Set("Access-Control-Allow-Methods", "POST, OPTIONS")
		// The UI v2.42 sends, with passAccessToken, the user's id token in
		// Authorization-Extras next to the access token; a preflight that
		// does not allow it fails every decode ("Codec Server could not
		// connect"). The id token is not used here.
		hdr.Set("Access-Control-Allow-Headers", allowHeaders)
		hdr.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
		return
	}
	if r.Method != http.MethodPost {
		hdr.Set("Allow", "POST, OPTIONS")
		fail(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	if !h.authorized(r) {
		hdr.Set("WWW-Authenticate", "Bearer")
		fail(w, http.StatusUnauthorized, "unauthorized")
		return
	}

	var op func([]*commonpb.Payload) ([]*commonpb.Payload, error)
	switch {
	case strings.HasSuffix(r.URL.Path, "/encode"):
		op = h.codec.Encode
	case strings.HasSuffix(r.URL.Path, "/decode"):
		op = h.codec.Decode
	default:
		fail(w, http.StatusNotFound, "not found")
		return
	}

	if r.ContentLength > h.max {
		fail(w, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.max))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			fail(w, http.StatusRequestEntityTooLarge, "request body too large")
			return
		}
		fail(w, http.StatusBadRequest, "could not read request body")
		return
	}
	var in commonpb.Payloads
	if err := protojson.Unmarshal(body, &in); err != nil {
		// The parser's message may quote the body; keep it server side.
		fail(w, http.StatusBadRequest, "malformed payloads JSON")
		return
	}
	payloads, err := op(in.Payloads)
	if err != nil {
		fail(w, http.StatusBadRequest, reason(err))
		return
	}
	out, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		fail(w, http.StatusInternalServerError, "could not encode response")
		return
	}
	hdr.Set("Content-Type", "application/json")
	_, _ = w.Write(out)
}

// authorized compares SHA-256 digests in constant time, so neither the
// static token's bytes nor its length leak through timing; any other bearer
// must be an access token the OIDC issuer signed.
func (h *handler) authorized(r *http.Request) bool {
	if h.loopback && r.Header.Get("Authorization") == "" && fromLoopback(r) {
		return true
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	tok = strings.TrimSpace(tok)
	if h.tokenSum != nil {
		sum := sha256.Sum256([]byte(tok))
		if subtle.ConstantTimeCompare(sum[:], h.tokenSum) == 1 {
			return true
		}
	}
	return h.oidc != nil && h.oidc.Verify(r.Context(), tok) == nil
}

func fromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// reason maps codec errors to a short, fixed text for the client.
func reason(err error) string {
	switch {
	case errors.Is(err, codec.ErrUnknownKeyID):
		return "payload encrypted with unknown key id"
	case errors.Is(err, codec.ErrAuthenticationFailed):
		return "payload failed authentication"
	default:
		return "payload codec failed"
	}
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg+"\n")
}

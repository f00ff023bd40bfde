// Package oidcemu is a small OpenID Connect issuer for the production-shape
// test: the real Temporal UI server signs its user in through it
// (discovery, the authorization-code flow, the token endpoint, the JWKS),
// and jml's codec endpoint verifies the access token the UI forwards.
// /authorize signs in its one configured user at once, with no page: a
// headless browser follows the redirects. Tokens are RS256 JWTs.
package oidcemu

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Config is the issuer's one client and one user.
type Config struct {
	ClientID, ClientSecret string
	// Audience goes into access tokens' aud (default: the ClientID).
	Audience string
	Subject  string // the user's sub (default "operator")
	Email    string // optional
	TTL      time.Duration
}

// Issuer is the running emulator.
type Issuer struct {
	cfg Config
	key *rsa.PrivateKey
	kid string
	srv *http.Server
	url string

	mu     sync.Mutex
	codes  map[string]grant
	issued int
}

type grant struct {
	nonce, redirect string
	at              time.Time
}

// Start listens on addr (127.0.0.1:0 picks a port).
func Start(addr string, cfg Config) (*Issuer, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		return nil, errors.New("oidcemu: ClientID and ClientSecret are required")
	}
	if cfg.Audience == "" {
		cfg.Audience = cfg.ClientID
	}
	if cfg.Subject == "" {
		cfg.Subject = "operator"
	}
	if cfg.TTL == 0 {
		cfg.TTL = time.Hour
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	is := &Issuer{cfg: cfg, key: key, kid: "oidcemu-1", codes: map[string]grant{}, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	mux.HandleFunc("GET /jwks", is.jwks)
	mux.HandleFunc("GET /userinfo", is.userinfo)
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = is.srv.Serve(ln) }()
	return is, nil
}

// URL is the issuer URL.
func (is *Issuer) URL() string { return is.url }

// Close stops it.
func (is *Issuer) Close() error { return is.srv.Close() }

// Issued counts the token responses given.
func (is *Issuer) Issued() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.issued
}

// AccessToken mints an access token for aud (tests: the codec's positive
// and negative cases).
func (is *Issuer) AccessToken(aud string, ttl time.Duration) (string, error) {
	now := time.Now()
	return is.sign(jwt.MapClaims{"iss": is.url, "sub": is.cfg.Subject, "aud": aud, "iat": now.Unix(), "exp": now.Add(ttl).Unix(), "scope": "openid profile email"})
}

func (is *Issuer) sign(c jwt.MapClaims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	t.Header["kid"] = is.kid
	return t.SignedString(is.key)
}

func (is *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                is.url,
		"authorization_endpoint":                is.url + "/authorize",
		"token_endpoint":                        is.url + "/token",
		"jwks_uri":                              is.url + "/jwks",
		"userinfo_endpoint":                     is.url + "/userinfo",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
	})
}

// authorize signs the configured user in and redirects with a code.
func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != is.cfg.ClientID || q.Get("response_type") != "code" {
		http.Error(w, "unknown client or response_type", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	code := randomString()
	is.mu.Lock()
	is.codes[code] = grant{nonce: q.Get("nonce"), redirect: q.Get("redirect_uri"), at: time.Now()}
	is.mu.Unlock()
	v := redirect.Query()
	v.Set("code", code)
	if s := q.Get("state"); s != "" {
		v.Set("state", s)
	}
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != is.cfg.ClientID || secret != is.cfg.ClientSecret {
		oauthError(w, http.StatusUnauthorized, "invalid_client")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	code := r.PostForm.Get("code")
	is.mu.Lock()
	g, found := is.codes[code]
	delete(is.codes, code) // a code is good once
	is.mu.Unlock()
	if !found || time.Since(g.at) > 5*time.Minute || r.PostForm.Get("redirect_uri") != g.redirect {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	now := time.Now()
	access, err := is.AccessToken(is.cfg.Audience, is.cfg.TTL)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	idc := jwt.MapClaims{"iss": is.url, "sub": is.cfg.Subject, "aud": is.cfg.ClientID, "iat": now.Unix(), "exp": now.Add(is.cfg.TTL).Unix(), "name": is.cfg.Subject}
	if g.nonce != "" {
		idc["nonce"] = g.nonce
	}
	if is.cfg.Email != "" {
		idc["email"], idc["email_verified"] = is.cfg.Email, true
	}
	idt, err := is.sign(idc)
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error")
		return
	}
	is.mu.Lock()
	is.issued++
	is.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(is.cfg.TTL.Seconds()), "id_token": idt, "scope": "openid profile email"})
}

func (is *Issuer) jwks(w http.ResponseWriter, r *http.Request) {
	pub := is.key.PublicKey
	writeJSON(w, http.StatusOK, map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": is.kid,
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
}

func (is *Issuer) userinfo(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"sub": is.cfg.Subject, "name": is.cfg.Subject, "email": is.cfg.Email})
}

func randomString() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, status int, code string) {
	writeJSON(w, status, map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

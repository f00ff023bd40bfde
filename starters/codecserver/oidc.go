package codecserver

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// OIDC verifies the access tokens the Temporal UI forwards from its
// signed-in user (codec.passAccessToken): an RS256 JWT signed by one of
// the issuer's keys (its JWKS, found through the discovery document), from
// that issuer, for the audience when one is configured, and not expired.
// The browser never holds a static secret: whoever may sign in to the UI
// may read what the codec decrypts for them.
type OIDC struct {
	Issuer   string
	Audience string // "" accepts any audience of this issuer
	Client   *http.Client

	mu      sync.Mutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time
}

// NewOIDC makes a verifier; keys are fetched on first use.
func NewOIDC(issuer, audience string) *OIDC {
	return &OIDC{Issuer: strings.TrimSuffix(issuer, "/"), Audience: audience, Client: &http.Client{Timeout: 10 * time.Second}}
}

// refetchEvery bounds how often an unknown key id makes it fetch the JWKS
// again (a rotated key), so forged tokens cannot hammer the issuer.
const refetchEvery = 30 * time.Second

// Verify checks one raw token.
func (o *OIDC) Verify(ctx context.Context, raw string) error {
	opts := []jwt.ParserOption{jwt.WithValidMethods([]string{"RS256", "RS384", "RS512"}), jwt.WithIssuer(o.Issuer),
		jwt.WithExpirationRequired(), jwt.WithLeeway(30 * time.Second)}
	if o.Audience != "" {
		opts = append(opts, jwt.WithAudience(o.Audience))
	}
	_, err := jwt.Parse(raw, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return o.key(ctx, kid)
	}, opts...)
	return err
}

func (o *OIDC) key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if k := o.pick(kid); k != nil {
		return k, nil
	}
	if time.Since(o.fetched) < refetchEvery {
		return nil, errors.New("unknown signing key")
	}
	o.fetched = time.Now()
	keys, err := o.fetch(ctx)
	if err != nil {
		return nil, err
	}
	o.keys = keys
	if k := o.pick(kid); k != nil {
		return k, nil
	}
	return nil, errors.New("unknown signing key")
}

// pick finds kid, or the only key when the token names none.
func (o *OIDC) pick(kid string) *rsa.PublicKey {
	if kid == "" && len(o.keys) == 1 {
		for _, k := range o.keys {
			return k
		}
	}
	return o.keys[kid]
}

func (o *OIDC) fetch(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := o.getJSON(ctx, o.Issuer+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, fmt.Errorf("oidc discovery: %w", err)
	}
	if strings.TrimSuffix(disc.Issuer, "/") != o.Issuer || disc.JWKSURI == "" {
		return nil, errors.New("oidc discovery: issuer mismatch or no jwks_uri")
	}
	var set struct {
		Keys []struct {
			Kty string `json:"kty"`
			Kid string `json:"kid"`
			Use string `json:"use"`
			N   string `json:"n"`
			E   string `json:"e"`
		} `json:"keys"`
	}
	if err := o.getJSON(ctx, disc.JWKSURI, &set); err != nil {
		return nil, fmt.Errorf("oidc jwks: %w", err)
	}
	out := map[string]*rsa.PublicKey{}
	for _, k := range set.Keys {
		if k.Kty != "RSA" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		n, err1 := base64.RawURLEncoding.DecodeString(k.N)
		e, err2 := base64.RawURLEncoding.DecodeString(k.E)
		if err1 != nil || err2 != nil || len(e) == 0 || len(e) > 4 {
			continue
		}
		out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	}
	return out, nil
}

func (o *OIDC) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := o.Client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", url, resp.StatusCode)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(v)
}

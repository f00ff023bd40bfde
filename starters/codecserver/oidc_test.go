package codecserver

import (
	"encoding/base64"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"

	"github.com/jml-dev/jml/devstack/oidcemu"
)

// TestOIDCBearer: the Temporal UI forwards its signed-in user's access
// token (passAccessToken); the codec server accepts a token the configured
// issuer signed for the configured audience, and nothing else.
func TestOIDCBearer(t *testing.T) {
	is, err := oidcemu.Start("127.0.0.1:0", oidcemu.Config{ClientID: "temporal-ui", ClientSecret: "ui-secret-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	defer is.Close()
	other, err := oidcemu.Start("127.0.0.1:0", oidcemu.Config{ClientID: "temporal-ui", ClientSecret: "ui-secret-for-tests"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()

	k := keyring(t, "kid-a", 7)
	srv := httptest.NewServer(Handler(k, Options{AllowedOrigin: uiOrigin, Token: token, OIDC: NewOIDC(is.URL(), "temporal-ui")}))
	defer srv.Close()
	encrypted, err := k.Codec().Encode([]*commonpb.Payload{plainPayload(t)})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(i *oidcemu.Issuer, aud string, ttl time.Duration) string {
		s, err := i.AccessToken(aud, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := mint(is, "temporal-ui", time.Hour)
	parts := strings.Split(good, ".")
	unsigned := parts[0] + "." + parts[1] + "."
	cases := []struct {
		name, auth string
		status     int
	}{
		{"the UI user's access token", "Bearer " + good, 200},
		{"the static token (CLI) still works", "Bearer " + token, 200},
		{"another audience", "Bearer " + mint(is, "someone-else", time.Hour), 401},
		{"expired", "Bearer " + mint(is, "temporal-ui", -time.Hour), 401},
		{"another issuer's key and issuer", "Bearer " + mint(other, "temporal-ui", time.Hour), 401},
		{"signature stripped", "Bearer " + unsigned, 401},
		{"signature of another token", "Bearer " + parts[0] + "." + parts[1] + "." + strings.Split(mint(is, "x", time.Hour), ".")[2], 401},
		{"garbage", "Bearer not-a-jwt", 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(t, srv, call{method: "POST", path: "/decode", origin: uiOrigin, auth: c.auth, body: uiBody(t, encrypted...)})
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			if c.status == 200 && !strings.Contains(body, base64.StdEncoding.EncodeToString(plainPayload(t).Data)) {
				t.Fatalf("not decoded: %s", body)
			}
			if c.status != 200 && strings.Contains(body, email) {
				t.Fatal("refused, yet the body has the plaintext")
			}
		})
	}
}

// TestOIDCOnlyNoStaticToken: with OIDC and no static token, the UI's user
// gets in and an empty bearer does not.
func TestOIDCOnlyNoStaticToken(t *testing.T) {
	is, err := oidcemu.Start("127.0.0.1:0", oidcemu.Config{ClientID: "temporal-ui", ClientSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	defer is.Close()
	k := keyring(t, "kid-a", 7)
	srv := httptest.NewServer(Handler(k, Options{AllowedOrigin: uiOrigin, OIDC: NewOIDC(is.URL(), "")}))
	defer srv.Close()
	tok, _ := is.AccessToken("any-audience", time.Minute)
	if resp, _ := do(t, srv, call{method: "POST", path: "/encode", origin: uiOrigin, auth: "Bearer " + tok, body: uiBody(t, plainPayload(t))}); resp.StatusCode != 200 {
		t.Fatalf("status %d for a valid token, no audience configured", resp.StatusCode)
	}
	if resp, _ := do(t, srv, call{method: "POST", path: "/encode", origin: uiOrigin, auth: "Bearer ", body: uiBody(t, plainPayload(t))}); resp.StatusCode != 401 {
		t.Fatalf("status %d for an empty bearer", resp.StatusCode)
	}
}

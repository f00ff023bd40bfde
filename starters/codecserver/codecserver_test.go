package codecserver

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/jml-dev/jml/workers/codec"
)

const (
	uiOrigin = "http://127.0.0.1:8233"
	token    = "s3cr3t-codec-token-for-tests-0123456789"
	email    = "ada.lovelace1@demo.jml.test"
)

func keyring(t *testing.T, id string, fill byte) *codec.Keyring {
	t.Helper()
	s := make([]byte, codec.KeySize)
	for i := range s {
		s[i] = fill + byte(i)
	}
	k, err := codec.NewKeyring(codec.Key{ID: id, Secret: s})
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// uiBody is the JSON the Temporal UI posts: protojson of Payloads, bytes in base64.
func uiBody(t *testing.T, payloads ...*commonpb.Payload) string {
	t.Helper()
	b, err := protojson.Marshal(&commonpb.Payloads{Payloads: payloads})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func plainPayload(t *testing.T) *commonpb.Payload {
	p, err := converter.GetDefaultDataConverter().ToPayload(map[string]string{"email": email, "manager": "grace.hopper@demo.jml.test"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

type call struct {
	method, path, origin, auth, body string
	chunked                          bool // no Content-Length: the limit must hold while reading
}

func do(t *testing.T, srv *httptest.Server, c call) (*http.Response, string) {
	t.Helper()
	var body io.Reader = strings.NewReader(c.body)
	if c.chunked {
		body = io.MultiReader(strings.NewReader(c.body)) // hides the length from net/http
	}
	req, err := http.NewRequest(c.method, srv.URL+c.path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.origin != "" {
		req.Header.Set("Origin", c.origin)
	}
	if c.auth != "" {
		req.Header.Set("Authorization", c.auth)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Namespace", "default")
	if c.method == http.MethodOptions {
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-namespace")
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHandler(t *testing.T) {
	k := keyring(t, "kid-a", 7)
	srv := httptest.NewServer(Handler(k, Options{AllowedOrigin: uiOrigin, Token: token, MaxBodyBytes: 4096}))
	defer srv.Close()
	bearer := "Bearer " + token
	encrypted, err := k.Codec().Encode([]*commonpb.Payload{plainPayload(t)})
	if err != nil {
		t.Fatal(err)
	}
	tampered := proto.Clone(encrypted[0]).(*commonpb.Payload)
	tampered.Data[20] ^= 1
	foreign, _ := keyring(t, "kid-other", 99).Codec().Encode([]*commonpb.Payload{plainPayload(t)})
	big := uiBody(t, &commonpb.Payload{Data: bytes.Repeat([]byte("x"), 8192)})

	cases := []struct {
		name       string
		call       call
		status     int
		bodyHas    string
		bodyHasnt  []string
		wantHeader map[string]string
	}{
		{name: "preflight from the UI", call: call{method: "OPTIONS", path: "/decode", origin: uiOrigin}, status: 204,
			wantHeader: map[string]string{"Access-Control-Allow-Headers": "Authorization, Authorization-Extras, Content-Type, X-Namespace", "Access-Control-Allow-Methods": "POST, OPTIONS"}},
		{name: "preflight from another origin", call: call{method: "OPTIONS", path: "/decode", origin: "http://evil.test"}, status: 403},
		{name: "preflight origin differing by port", call: call{method: "OPTIONS", path: "/decode", origin: "http://127.0.0.1:8234"}, status: 403},
		{name: "preflight without origin", call: call{method: "OPTIONS", path: "/decode"}, status: 403},
		{name: "wrong origin with a valid token", call: call{method: "POST", path: "/decode", origin: "http://evil.test", auth: bearer, body: uiBody(t, encrypted...)}, status: 403, bodyHasnt: []string{email}},
		{name: "missing token", call: call{method: "POST", path: "/decode", origin: uiOrigin, body: uiBody(t, encrypted...)}, status: 401, bodyHas: "unauthorized", bodyHasnt: []string{email},
			wantHeader: map[string]string{"WWW-Authenticate": "Bearer"}},
		{name: "forged token", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer[:len(bearer)-1] + "X", body: uiBody(t, encrypted...)}, status: 401, bodyHasnt: []string{email}},
		{name: "token prefix", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer[:20], body: uiBody(t, encrypted...)}, status: 401},
		{name: "token with wrong scheme", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: "Basic " + token, body: uiBody(t, encrypted...)}, status: 401},
		{name: "oversized body", call: call{method: "POST", path: "/encode", origin: uiOrigin, auth: bearer, body: big}, status: 413},
		{name: "oversized chunked body", call: call{method: "POST", path: "/encode", origin: uiOrigin, auth: bearer, body: big, chunked: true}, status: 413},
		{name: "malformed JSON", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: `{"payloads":[{"data":"` + email + `"`}, status: 400,
			bodyHas: "malformed payloads JSON", bodyHasnt: []string{email, "proto", "syntax"}},
		{name: "not payloads", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: `{"events":[]}`}, status: 400},
		{name: "tampered payload", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: uiBody(t, tampered)}, status: 400,
			bodyHas: "payload failed authentication", bodyHasnt: []string{"kid-a"}},
		{name: "unknown key id", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: uiBody(t, foreign...)}, status: 400, bodyHas: "unknown key id"},
		{name: "unknown path", call: call{method: "POST", path: "/admin", origin: uiOrigin, auth: bearer, body: "{}"}, status: 404},
		{name: "GET", call: call{method: "GET", path: "/decode", origin: uiOrigin, auth: bearer}, status: 405},
		{name: "decode for the UI", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: uiBody(t, encrypted...)}, status: 200,
			bodyHas: base64.StdEncoding.EncodeToString(plainPayload(t).Data), wantHeader: map[string]string{"Cache-Control": "no-store", "Content-Type": "application/json"}},
		{name: "decode for the CLI (no Origin)", call: call{method: "POST", path: "/decode", auth: bearer, body: uiBody(t, encrypted...)}, status: 200},
		{name: "unencrypted payload passes through", call: call{method: "POST", path: "/decode", origin: uiOrigin, auth: bearer, body: uiBody(t, plainPayload(t))}, status: 200,
			bodyHas: base64.StdEncoding.EncodeToString(plainPayload(t).Data)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := do(t, srv, c.call)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d (body %q)", resp.StatusCode, c.status, body)
			}
			// Only the UI origin is ever echoed; other origins get no CORS grant.
			wantACAO := ""
			if c.call.origin == uiOrigin {
				wantACAO = uiOrigin
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != wantACAO {
				t.Fatalf("Access-Control-Allow-Origin %q, want %q", got, wantACAO)
			}
			if c.bodyHas != "" && !strings.Contains(body, c.bodyHas) {
				t.Fatalf("body %q lacks %q", body, c.bodyHas)
			}
			for _, s := range append(c.bodyHasnt, token) {
				if strings.Contains(body, s) {
					t.Fatalf("body %q contains %q", body, s)
				}
			}
			if c.status >= 400 && len(body) > 64 {
				t.Fatalf("error body too chatty: %q", body)
			}
			for h, v := range c.wantHeader {
				if got := resp.Header.Get(h); got != v {
					t.Fatalf("header %s = %q, want %q", h, got, v)
				}
			}
		})
	}
}

// TestRoundTripOverHTTP: the UI's /encode output is ciphertext, /decode
// restores the exact payload, and the worker's own codec reads /encode output.
func TestRoundTripOverHTTP(t *testing.T) {
	k := keyring(t, "kid-a", 7)
	srv := httptest.NewServer(Handler(k, Options{AllowedOrigin: uiOrigin, Token: token}))
	defer srv.Close()
	orig := plainPayload(t)

	post := func(path, body string) *commonpb.Payloads {
		resp, out := do(t, srv, call{method: "POST", path: path, origin: uiOrigin, auth: "Bearer " + token, body: body})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d %q", path, resp.StatusCode, out)
		}
		var ps commonpb.Payloads
		if err := protojson.Unmarshal([]byte(out), &ps); err != nil {
			t.Fatalf("%s: response is not payloads JSON: %v", path, err)
		}
		// The UI parses it with JSON.parse; plain encoding/json must accept it too.
		var generic map[string]any
		if err := json.Unmarshal([]byte(out), &generic); err != nil || generic["payloads"] == nil {
			t.Fatalf("%s: response lacks a payloads array: %s", path, out)
		}
		return &ps
	}

	enc := post("/encode", uiBody(t, orig))
	if len(enc.Payloads) != 1 || string(enc.Payloads[0].Metadata["encoding"]) != codec.MetadataEncodingEncrypted {
		t.Fatalf("/encode did not encrypt: %v", enc)
	}
	if raw, _ := proto.Marshal(enc); bytes.Contains(raw, []byte(email)) {
		t.Fatal("/encode output contains plaintext")
	}
	var v map[string]string
	if err := k.DataConverter().FromPayload(enc.Payloads[0], &v); err != nil || v["email"] != email {
		t.Fatalf("worker codec cannot read /encode output: %v %v", v, err)
	}
	dec := post("/decode", uiBody(t, enc.Payloads...))
	if len(dec.Payloads) != 1 || !proto.Equal(dec.Payloads[0], orig) {
		t.Fatalf("/decode = %v, want %v", dec, orig)
	}
	// Several payloads at once, as a history event with many arguments.
	many := post("/decode", uiBody(t, enc.Payloads[0], orig, enc.Payloads[0]))
	if len(many.Payloads) != 3 || !proto.Equal(many.Payloads[0], orig) || !proto.Equal(many.Payloads[1], orig) || !proto.Equal(many.Payloads[2], orig) {
		t.Fatalf("multi-payload decode: %v", many)
	}
}

func TestEmptyTokenFailsClosed(t *testing.T) {
	srv := httptest.NewServer(Handler(keyring(t, "a", 1), Options{AllowedOrigin: uiOrigin}))
	defer srv.Close()
	for _, auth := range []string{"", "Bearer ", "Bearer  "} {
		resp, _ := do(t, srv, call{method: "POST", path: "/decode", origin: uiOrigin, auth: auth, body: `{"payloads":[]}`})
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
}

func TestLoopbackWithoutTokenIsForDevOnly(t *testing.T) {
	h := Handler(keyring(t, "a", 1), Options{AllowedOrigin: uiOrigin, LoopbackWithoutToken: true})
	decode := func(remote, auth string) int {
		r := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(`{"payloads":[]}`))
		r.RemoteAddr = remote
		r.Header.Set("Origin", uiOrigin)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if got := decode("127.0.0.1:5000", ""); got != http.StatusOK {
		t.Fatalf("loopback without token: %d, want 200", got)
	}
	if got := decode("[::1]:5000", ""); got != http.StatusOK {
		t.Fatalf("IPv6 loopback without token: %d, want 200", got)
	}
	if got := decode("192.0.2.10:5000", ""); got != http.StatusUnauthorized {
		t.Fatalf("remote without token: %d, want 401", got)
	}
	if got := decode("127.0.0.1:5000", "Bearer forged"); got != http.StatusUnauthorized {
		t.Fatalf("loopback with a wrong token: %d, want 401", got)
	}
}

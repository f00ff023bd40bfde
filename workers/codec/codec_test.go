package codec

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"
)

type employee struct {
	Name    string
	Email   string
	Manager string
	Title   string
}

var ada = employee{Name: "Ada Lovelace", Email: "ada.lovelace1@demo.jml.test", Manager: "charles.babbage@demo.jml.test", Title: "Analyst"}

// fixedKey has a recognisable secret so leak checks can search for it.
func fixedKey(id string, fill byte) Key {
	s := make([]byte, KeySize)
	for i := range s {
		s[i] = fill + byte(i)
	}
	return Key{ID: id, Secret: s}
}

func mustRing(t testing.TB, keys ...Key) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func encodeOne(t testing.TB, k *Keyring, v any) *commonpb.Payload {
	t.Helper()
	p, err := k.DataConverter().ToPayload(v)
	if err != nil {
		t.Fatalf("ToPayload: %v", err)
	}
	return p
}

func TestRoundTrip(t *testing.T) {
	k := mustRing(t, fixedKey("a", 1))
	p := encodeOne(t, k, ada)
	if got := string(p.Metadata[converter.MetadataEncoding]); got != MetadataEncodingEncrypted {
		t.Fatalf("encoding = %q, want %q", got, MetadataEncodingEncrypted)
	}
	if got := string(p.Metadata[MetadataEncryptionKeyID]); got != "a" {
		t.Fatalf("key id = %q, want a", got)
	}
	if len(p.Metadata) != 2 {
		t.Fatalf("metadata has %d entries, want 2 (original metadata must be inside the ciphertext)", len(p.Metadata))
	}
	raw, _ := proto.Marshal(p)
	for _, s := range []string{ada.Email, ada.Name, "json/plain"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Fatalf("encrypted payload contains plaintext %q", s)
		}
	}
	var back employee
	if err := k.DataConverter().FromPayload(p, &back); err != nil {
		t.Fatalf("FromPayload: %v", err)
	}
	if back != ada {
		t.Fatalf("round trip = %+v, want %+v", back, ada)
	}
	// A fresh nonce per payload: equal plaintexts give different ciphertexts.
	if p2 := encodeOne(t, k, ada); bytes.Equal(p.Data, p2.Data) {
		t.Fatal("two encodings of the same value are identical; nonce is reused")
	}

	// The codec restores the whole original payload, metadata included.
	orig := &commonpb.Payload{Metadata: map[string][]byte{"encoding": []byte("json/plain"), "x-extra": []byte("1")}, Data: []byte(`"v"`)}
	enc, err := k.Codec().Encode([]*commonpb.Payload{orig, nil})
	if err != nil {
		t.Fatal(err)
	}
	dec, err := k.Codec().Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(dec[0], orig) || dec[1] != nil {
		t.Fatalf("decoded %v, want %v and nil", dec, orig)
	}
}

func TestTamperedCiphertextRefused(t *testing.T) {
	k := mustRing(t, fixedKey("a", 1), fixedKey("b", 100))
	const want = "decrypt payload with key a: message authentication failed"
	p := encodeOne(t, k, ada)
	cases := map[string]func(*commonpb.Payload){
		"nonce bit":      func(p *commonpb.Payload) { p.Data[0] ^= 1 },
		"ciphertext bit": func(p *commonpb.Payload) { p.Data[nonceSize+3] ^= 0x80 },
		"tag bit":        func(p *commonpb.Payload) { p.Data[len(p.Data)-1] ^= 1 },
		"truncated":      func(p *commonpb.Payload) { p.Data = p.Data[:nonceSize+5] },
		"empty":          func(p *commonpb.Payload) { p.Data = nil },
		"appended":       func(p *commonpb.Payload) { p.Data = append(p.Data, 0) },
	}
	for name, mutate := range cases {
		t.Run(name, func(t *testing.T) {
			q := proto.Clone(p).(*commonpb.Payload)
			mutate(q)
			_, err := k.Codec().Decode([]*commonpb.Payload{q})
			if err == nil || err.Error() != want {
				t.Fatalf("err = %v, want %q", err, want)
			}
			if !errors.Is(err, ErrAuthenticationFailed) {
				t.Fatal("errors.Is(err, ErrAuthenticationFailed) = false")
			}
			var wtf *converter.WorkflowTaskFailureError
			if !errors.As(err, &wtf) {
				t.Fatal("decode error should ask Temporal to fail the workflow task, not the workflow")
			}
			var v employee
			if err := k.DataConverter().FromPayload(q, &v); err == nil {
				t.Fatal("DataConverter accepted a tampered payload")
			}
		})
	}
	// Relabelling a payload to another configured key fails: the key id is
	// authenticated.
	q := proto.Clone(p).(*commonpb.Payload)
	q.Metadata[MetadataEncryptionKeyID] = []byte("b")
	_, err := k.Codec().Decode([]*commonpb.Payload{q})
	if err == nil || err.Error() != "decrypt payload with key b: message authentication failed" {
		t.Fatalf("relabelled payload: err = %v", err)
	}
}

func TestUnknownKeyIDRefused(t *testing.T) {
	a := mustRing(t, fixedKey("key-2025", 1))
	b := mustRing(t, fixedKey("key-2026", 50))
	p := encodeOne(t, a, ada)
	_, err := b.Codec().Decode([]*commonpb.Payload{p})
	const want = "payload encrypted with unknown key id key-2025: configure it in JML_CODEC_KEYS"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if !errors.Is(err, ErrUnknownKeyID) {
		t.Fatal("errors.Is(err, ErrUnknownKeyID) = false")
	}
	// A nil keyring (encryption not configured) gives the same hint.
	var none *Keyring
	if _, err := none.Codec().Decode([]*commonpb.Payload{p}); err == nil || err.Error() != want {
		t.Fatalf("nil keyring: err = %v, want %q", err, want)
	}
	// A hostile key id is quoted and cut, never echoed raw into logs.
	q := proto.Clone(p).(*commonpb.Payload)
	q.Metadata[MetadataEncryptionKeyID] = []byte("x\ninjected" + strings.Repeat("y", 500))
	_, err = b.Codec().Decode([]*commonpb.Payload{q})
	if err == nil || strings.Contains(err.Error(), "\n") || len(err.Error()) > 200 {
		t.Fatalf("hostile key id not sanitised: %q", err)
	}
}

func TestRotationKeepsOldPayloadsReadable(t *testing.T) {
	keyA, keyB := fixedKey("a", 1), fixedKey("b", 100)
	old := encodeOne(t, mustRing(t, keyA), ada)
	rotated := mustRing(t, keyB, keyA)
	var v employee
	if err := rotated.DataConverter().FromPayload(old, &v); err != nil || v != ada {
		t.Fatalf("rotated ring read old payload: %+v, %v", v, err)
	}
	if kid := string(encodeOne(t, rotated, ada).Metadata[MetadataEncryptionKeyID]); kid != "b" {
		t.Fatalf("new payloads use key %q, want the active key b", kid)
	}
	if err := mustRing(t, keyB).DataConverter().FromPayload(old, &v); !errors.Is(err, ErrUnknownKeyID) {
		t.Fatalf("ring without a: err = %v, want unknown key id", err)
	}
}

func TestUnencryptedPayloadsPassThrough(t *testing.T) {
	k := mustRing(t, fixedKey("a", 1))
	plain, err := converter.GetDefaultDataConverter().ToPayload(ada)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := k.Codec().Decode([]*commonpb.Payload{plain, nil})
	if err != nil {
		t.Fatal(err)
	}
	if dec[0] != plain || dec[1] != nil {
		t.Fatal("unencrypted payload was not passed through unchanged")
	}
	var v employee
	if err := k.DataConverter().FromPayload(plain, &v); err != nil || v != ada {
		t.Fatalf("history written before encryption: %+v, %v", v, err)
	}
}

func TestFailureConverterEncryptsMessages(t *testing.T) {
	k := mustRing(t, fixedKey("a", 1))
	msg := "cannot create mailbox for " + ada.Email
	f := k.FailureConverter().ErrorToFailure(temporal.NewApplicationError(msg, "MailboxError"))
	raw, _ := proto.Marshal(f)
	if bytes.Contains(raw, []byte(ada.Email)) {
		t.Fatal("failure proto contains the plaintext message")
	}
	if f.EncodedAttributes == nil || string(f.EncodedAttributes.Metadata[converter.MetadataEncoding]) != MetadataEncodingEncrypted {
		t.Fatal("failure attributes are not encrypted")
	}
	back := k.FailureConverter().FailureToError(f)
	if !strings.Contains(back.Error(), msg) {
		t.Fatalf("decoded failure %q lacks the message", back)
	}
	// Control: the default converter would have stored it in the clear.
	raw, _ = proto.Marshal(temporal.GetDefaultFailureConverter().ErrorToFailure(errors.New(msg)))
	if !bytes.Contains(raw, []byte(ada.Email)) {
		t.Fatal("control: default failure converter should keep the plaintext")
	}
}

func TestNilKeyringIsNoEncryption(t *testing.T) {
	var k *Keyring
	if k.DataConverter() != converter.GetDefaultDataConverter() {
		t.Fatal("nil keyring DataConverter is not the default")
	}
	if k.FailureConverter() != temporal.GetDefaultFailureConverter() {
		t.Fatal("nil keyring FailureConverter is not the default")
	}
	opts := ClientOptions(k, client.Options{HostPort: "h:1"})
	if opts.DataConverter != nil || opts.FailureConverter != nil || opts.HostPort != "h:1" {
		t.Fatal("ClientOptions(nil) changed the options")
	}
	in := []*commonpb.Payload{{Data: []byte("x")}}
	out, err := k.Codec().Encode(in)
	if err != nil || out[0] != in[0] {
		t.Fatal("nil keyring codec should pass payloads through")
	}
	if k.ActiveKeyID() != "" || k.KeyIDs() != nil || k.String() != "codec.Keyring(nil)" {
		t.Fatal("nil keyring accessors")
	}
	set := ClientOptions(mustRing(t, fixedKey("a", 1)), client.Options{HostPort: "h:1"})
	if set.DataConverter == nil || set.FailureConverter == nil || set.HostPort != "h:1" {
		t.Fatal("ClientOptions did not set the converters")
	}
}

func TestNewKeyringValidates(t *testing.T) {
	good := fixedKey("a", 1)
	cases := []struct {
		name string
		keys []Key
		want string
	}{
		{"none", nil, "at least one key"},
		{"short secret", []Key{{ID: "a", Secret: make([]byte, 16)}}, "entry 1 (key id a): secret must be 32 bytes, got 16"},
		{"empty id", []Key{{Secret: good.Secret}}, "entry 1: key id is empty"},
		{"bad id", []Key{{ID: "a:b", Secret: good.Secret}}, "may only contain"},
		{"duplicate", []Key{good, fixedKey("b", 2), good}, "entry 3: duplicate key id a"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewKeyring(c.keys...)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
		})
	}
	k := mustRing(t, fixedKey("new", 1), fixedKey("old", 2))
	if k.ActiveKeyID() != "new" || strings.Join(k.KeyIDs(), ",") != "new,old" {
		t.Fatalf("active %q ids %v", k.ActiveKeyID(), k.KeyIDs())
	}
	// The keyring copies secrets: wiping the caller's slice changes nothing.
	key := fixedKey("w", 9)
	ring := mustRing(t, key)
	p := encodeOne(t, ring, ada)
	clear(key.Secret)
	var v employee
	if err := ring.DataConverter().FromPayload(p, &v); err != nil {
		t.Fatalf("decode after wiping caller's secret: %v", err)
	}
}

// leakForms lists encodings in which a secret could show up in output.
func leakForms(secret []byte) []string {
	return []string{
		base64.StdEncoding.EncodeToString(secret),
		base64.RawURLEncoding.EncodeToString(secret[:12]),
		hex.EncodeToString(secret[:8]),
		strings.Trim(fmt.Sprint(secret[:6]), "[]"),
		fmt.Sprintf("%#v", secret[:4])[len("[]byte{"):],
		string(secret[:8]),
	}
}

func assertNoLeak(t *testing.T, what, out string, secret []byte) {
	t.Helper()
	for _, form := range leakForms(secret) {
		if strings.Contains(out, form) {
			t.Fatalf("%s leaks key material (%q found) in %q", what, form, out)
		}
	}
}

func TestKeyAndKeyringRedactSecrets(t *testing.T) {
	key := fixedKey("kid-1", 'A') // printable bytes, so a raw dump would show
	ring := mustRing(t, key)
	holder := struct {
		K    Key
		P    *Key
		R    *Keyring
		Keys []Key
	}{key, &key, ring, []Key{key}}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
		for name, v := range map[string]any{"Key": key, "*Key": &key, "Keyring": ring, "holder": holder} {
			out := fmt.Sprintf(verb, v)
			assertNoLeak(t, verb+" of "+name, out, key.Secret)
		}
	}
	for name, v := range map[string]any{"Key": key, "Keyring": ring, "holder": holder} {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		assertNoLeak(t, "json of "+name, string(b), key.Secret)
		if !strings.Contains(string(b), "kid-1") {
			t.Fatalf("json of %s should still name the key id: %s", name, b)
		}
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("keys", "key", key, "ring", ring)
	assertNoLeak(t, "slog", buf.String(), key.Secret)
	if !strings.Contains(key.String(), "kid-1") || !strings.Contains(ring.String(), "kid-1") {
		t.Fatal("String should name the key id")
	}
	// ConfigEntry is the one deliberate way out, used to write config.
	if key.ConfigEntry() != "kid-1:"+base64.StdEncoding.EncodeToString(key.Secret) {
		t.Fatal("ConfigEntry")
	}
}

func TestGenerateKey(t *testing.T) {
	k1, err := GenerateKey("gen-1")
	if err != nil {
		t.Fatal(err)
	}
	k2, _ := GenerateKey("gen-2")
	if len(k1.Secret) != KeySize || bytes.Equal(k1.Secret, k2.Secret) || bytes.Equal(k1.Secret, make([]byte, KeySize)) {
		t.Fatal("GenerateKey did not return distinct random 32-byte secrets")
	}
	ring, err := LoadKeys(env(map[string]string{EnvKeys: k1.ConfigEntry() + "," + k2.ConfigEntry()}))
	if err != nil || ring.ActiveKeyID() != "gen-1" {
		t.Fatalf("generated keys do not load back: %v", err)
	}
	if _, err := GenerateKey("bad id"); err == nil {
		t.Fatal("GenerateKey accepted an invalid id")
	}
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestLoadKeys(t *testing.T) {
	a, b := fixedKey("a", 1), fixedKey("b-2", 100)
	b64 := func(k Key) string { return base64.StdEncoding.EncodeToString(k.Secret) }
	dir := t.TempDir()
	file := filepath.Join(dir, "keys")
	if err := os.WriteFile(file, []byte("# rotated 2026-11\n  b-2:"+b64(b)+"  \n\n a:"+base64.RawURLEncoding.EncodeToString(a.Secret)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte("\n# nothing\n"), 0o600)

	ok := []struct {
		name string
		env  map[string]string
		ids  string
	}{
		{"inline", map[string]string{EnvKeys: "a:" + b64(a) + ", b-2:" + b64(b)}, "a,b-2"},
		{"file", map[string]string{EnvKeysFile: file}, "b-2,a"},
		{"file path with spaces trimmed", map[string]string{EnvKeysFile: " " + file + "\n"}, "b-2,a"},
	}
	for _, c := range ok {
		t.Run(c.name, func(t *testing.T) {
			k, err := LoadKeys(env(c.env))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(k.KeyIDs(), ","); got != c.ids {
				t.Fatalf("ids %s, want %s", got, c.ids)
			}
		})
	}
	t.Run("unset", func(t *testing.T) {
		k, err := LoadKeys(env(nil))
		if k != nil || err != nil {
			t.Fatalf("got %v, %v; want nil, nil", k, err)
		}
	})

	short := base64.StdEncoding.EncodeToString(a.Secret[:16])
	bad := []struct {
		name, want string
		env        map[string]string
	}{
		{"both", "both JML_CODEC_KEYS and JML_CODEC_KEYS_FILE", map[string]string{EnvKeys: "a:" + b64(a), EnvKeysFile: file}},
		{"bad base64", "JML_CODEC_KEYS entry 2 (key id b-2): secret is not valid base64", map[string]string{EnvKeys: "a:" + b64(a) + ",b-2:" + b64(b)[:20] + "!!" + b64(b)[22:]}},
		{"short key", "JML_CODEC_KEYS entry 1 (key id a): secret must decode to 32 bytes, got 16", map[string]string{EnvKeys: "a:" + short}},
		{"no colon", "JML_CODEC_KEYS entry 2: want <key id>:<base64", map[string]string{EnvKeys: "a:" + b64(a) + "," + b64(b)}},
		{"bad id", "JML_CODEC_KEYS entry 1: key id \"a b\"", map[string]string{EnvKeys: "a b:" + b64(a)}},
		{"duplicate", "JML_CODEC_KEYS: entry 2: duplicate key id a", map[string]string{EnvKeys: "a:" + b64(a) + ",a:" + b64(b)}},
		{"blank", "JML_CODEC_KEYS is set but contains no keys", map[string]string{EnvKeys: " , "}},
		{"empty file", "JML_CODEC_KEYS_FILE is set but contains no keys", map[string]string{EnvKeysFile: empty}},
		{"missing file", "JML_CODEC_KEYS_FILE: open", map[string]string{EnvKeysFile: filepath.Join(dir, "nope")}},
	}
	for _, c := range bad {
		t.Run(c.name, func(t *testing.T) {
			k, err := LoadKeys(env(c.env))
			if err == nil || k != nil {
				t.Fatalf("got %v, %v; want an error", k, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %q, want it to contain %q", err, c.want)
			}
			for _, s := range [][]byte{a.Secret, b.Secret} {
				assertNoLeak(t, "LoadKeys error", err.Error(), s)
			}
			for _, v := range c.env {
				if _, secret, ok := strings.Cut(v, ":"); ok && len(secret) > 8 && strings.Contains(err.Error(), secret[:8]) {
					t.Fatalf("error quotes the configured secret: %q", err)
				}
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	k := mustRing(f, fixedKey("a", 1))
	valid := encodeOne(f, k, ada)
	f.Add(valid.Data[:len(valid.Data)-1], "a")
	f.Add([]byte{}, "a")
	f.Add(make([]byte, 64), "a")
	f.Add(valid.Data, "zz")
	f.Fuzz(func(t *testing.T, data []byte, kid string) {
		p := &commonpb.Payload{
			Metadata: map[string][]byte{converter.MetadataEncoding: []byte(MetadataEncodingEncrypted), MetadataEncryptionKeyID: []byte(kid)},
			Data:     data,
		}
		if kid == "a" && bytes.Equal(data, valid.Data) {
			return // the one genuine ciphertext
		}
		out, err := k.Codec().Decode([]*commonpb.Payload{p})
		if err == nil {
			t.Fatalf("random ciphertext decoded to %v", out)
		}
		if !errors.Is(err, ErrAuthenticationFailed) && !errors.Is(err, ErrUnknownKeyID) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func benchPayload(b *testing.B) *commonpb.Payload {
	data := make([]byte, 2048)
	_, _ = rand.Read(data)
	return &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte("json/plain")}, Data: data}
}

func BenchmarkEncode2KB(b *testing.B) {
	c := mustRing(b, fixedKey("a", 1)).Codec()
	in := []*commonpb.Payload{benchPayload(b)}
	b.SetBytes(2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(in); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecode2KB(b *testing.B) {
	c := mustRing(b, fixedKey("a", 1)).Codec()
	enc, err := c.Encode([]*commonpb.Payload{benchPayload(b)})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(2048)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Decode(enc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRequiredRefusesPlaintext(t *testing.T) {
	k := mustRing(t, fixedKey("a", 1))
	req := k.Required()
	plain, err := converter.GetDefaultDataConverter().ToPayload(ada)
	if err != nil {
		t.Fatal(err)
	}
	var v employee
	err = req.DataConverter().FromPayload(plain, &v)
	if !errors.Is(err, ErrPlaintext) {
		t.Fatalf("required keyring decoded plaintext: %+v, err %v", v, err)
	}
	var wtf *converter.WorkflowTaskFailureError
	if !errors.As(err, &wtf) {
		t.Fatal("the refusal should fail the workflow task, not the workflow")
	}
	// Encrypted payloads still decode; the original keyring stays lenient;
	// the codec endpoint passes plaintext through for the UI.
	if err := req.DataConverter().FromPayload(encodeOne(t, req, ada), &v); err != nil || v != ada {
		t.Fatalf("required keyring, encrypted payload: %+v, %v", v, err)
	}
	if err := k.DataConverter().FromPayload(plain, &v); err != nil {
		t.Fatalf("lenient keyring: %v", err)
	}
	if out, err := req.Codec().Decode([]*commonpb.Payload{plain}); err != nil || out[0] != plain {
		t.Fatalf("codec endpoint refused plaintext: %v", err)
	}
	if !req.IsRequired() || k.IsRequired() {
		t.Fatal("IsRequired")
	}
	var none *Keyring
	if none.Required() != nil || none.IsRequired() {
		t.Fatal("nil keyring Required")
	}
}

// Package codec encrypts Temporal payloads with AES-256-GCM so workflow
// histories (employee names, emails, managers, titles) are stored as
// ciphertext by the Temporal service.
//
// Rotation: prepend the new key (JML_CODEC_KEYS="new:...,old:...") on every
// worker, client and codec server; keep the old key until no open or
// retained history references it. Workflow IDs, search attributes and type
// names are never encrypted: keep personal data out of them.
package codec

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
)

// Environment variables read by LoadKeys.
const (
	EnvKeys     = "JML_CODEC_KEYS"
	EnvKeysFile = "JML_CODEC_KEYS_FILE"
)

// KeySize is the AES-256 key length in bytes.
const KeySize = 32

const maxKeyIDLen = 64

const redacted = "[REDACTED]"

// Key is one named AES-256 key. Its formatting methods never print Secret.
type Key struct {
	ID     string
	Secret []byte
}

// GenerateKey returns a new random key with the given id.
func GenerateKey(id string) (Key, error) {
	if err := validateKeyID(id); err != nil {
		return Key{}, err
	}
	secret := make([]byte, KeySize)
	if _, err := rand.Read(secret); err != nil {
		return Key{}, fmt.Errorf("generate key %s: %w", id, err)
	}
	return Key{ID: id, Secret: secret}, nil
}

// ConfigEntry returns "id:<base64 secret>", the form JML_CODEC_KEYS expects.
// It deliberately reveals the secret: use it only to write configuration.
func (k Key) ConfigEntry() string {
	return k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret)
}

func (k Key) String() string {
	return "codec.Key{ID:" + strconv.Quote(k.ID) + ", Secret:" + redacted + "}"
}

// GoString keeps %#v from dumping the secret bytes.
func (k Key) GoString() string { return k.String() }

// Format covers every verb (%d, %x, %+v...), not only the Stringer ones.
func (k Key) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON keeps structured loggers (zerolog Interface, json.Marshal) from
// emitting the secret.
func (k Key) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID     string `json:"id"`
		Secret string `json:"secret"`
	}{k.ID, redacted})
}

// LogValue redacts the key for log/slog.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("secret", redacted))
}

func validateKeyID(id string) error {
	if id == "" {
		return errors.New("key id is empty")
	}
	if len(id) > maxKeyIDLen {
		return fmt.Errorf("key id longer than %d characters", maxKeyIDLen)
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return fmt.Errorf("key id %q may only contain letters, digits, '-', '_' and '.'", id)
		}
	}
	return nil
}

// LoadKeys reads the keyring from JML_CODEC_KEYS ("kid1:<base64>,kid2:<base64>")
// or JML_CODEC_KEYS_FILE (a file with the same entries, comma or newline
// separated; lines starting with # are ignored). The first key is the active
// one. It returns (nil, nil) when neither variable is set, which means
// payloads are not encrypted. Errors name the variable and the 1-based entry
// index, never the key material.
func LoadKeys(getenv func(string) string) (*Keyring, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	inline, file := getenv(EnvKeys), getenv(EnvKeysFile)
	switch {
	case inline == "" && file == "":
		return nil, nil
	case inline != "" && file != "":
		return nil, fmt.Errorf("both %s and %s are set; set only one", EnvKeys, EnvKeysFile)
	case inline != "":
		return parseKeys(EnvKeys, inline)
	default:
		b, err := os.ReadFile(strings.TrimSpace(file))
		if err != nil {
			// The os error names the path and the reason, never the content.
			return nil, fmt.Errorf("%s: %w", EnvKeysFile, err)
		}
		return parseKeys(EnvKeysFile, string(b))
	}
}

func parseKeys(source, text string) (*Keyring, error) {
	var entries []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, e := range strings.Split(line, ",") {
			if e = strings.TrimSpace(e); e != "" {
				entries = append(entries, e)
			}
		}
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s is set but contains no keys", source)
	}
	keys := make([]Key, 0, len(entries))
	for i, e := range entries {
		id, b64, ok := strings.Cut(e, ":")
		id, b64 = strings.TrimSpace(id), strings.TrimSpace(b64)
		if !ok || b64 == "" {
			return nil, fmt.Errorf("%s entry %d: want <key id>:<base64 of %d bytes>", source, i+1, KeySize)
		}
		if err := validateKeyID(id); err != nil {
			return nil, fmt.Errorf("%s entry %d: %w", source, i+1, err)
		}
		secret, err := decodeBase64(b64)
		if err != nil {
			// The base64 error is dropped: it could quote part of the secret.
			return nil, fmt.Errorf("%s entry %d (key id %s): secret is not valid base64", source, i+1, id)
		}
		if len(secret) != KeySize {
			return nil, fmt.Errorf("%s entry %d (key id %s): secret must decode to %d bytes, got %d", source, i+1, id, KeySize, len(secret))
		}
		keys = append(keys, Key{ID: id, Secret: secret})
	}
	k, err := NewKeyring(keys...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	return k, nil
}

func decodeBase64(s string) ([]byte, error) {
	var lastErr error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(s)
		if err == nil {
			return b, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

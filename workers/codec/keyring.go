package codec

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
)

// Keyring holds the AES-256-GCM keys. The first key encrypts; every key
// decrypts payloads marked with its id, so histories written before a
// rotation stay readable. A nil *Keyring means "no encryption": its methods
// return the SDK defaults. A Keyring is immutable and safe for concurrent use.
type Keyring struct {
	ids   []string
	aeads map[string]cipher.AEAD
	// required: the DataConverter refuses payloads that are not encrypted.
	required bool
}

// NewKeyring builds a keyring; keys[0] is the active key. Secrets are copied,
// so the caller may wipe its slices afterwards.
func NewKeyring(keys ...Key) (*Keyring, error) {
	if len(keys) == 0 {
		return nil, errors.New("codec keyring needs at least one key")
	}
	k := &Keyring{aeads: make(map[string]cipher.AEAD, len(keys))}
	for i, key := range keys {
		if err := validateKeyID(key.ID); err != nil {
			return nil, fmt.Errorf("entry %d: %w", i+1, err)
		}
		if len(key.Secret) != KeySize {
			return nil, fmt.Errorf("entry %d (key id %s): secret must be %d bytes, got %d", i+1, key.ID, KeySize, len(key.Secret))
		}
		if _, dup := k.aeads[key.ID]; dup {
			return nil, fmt.Errorf("entry %d: duplicate key id %s", i+1, key.ID)
		}
		block, err := aes.NewCipher(append([]byte(nil), key.Secret...))
		if err != nil {
			return nil, fmt.Errorf("entry %d (key id %s): %w", i+1, key.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("entry %d (key id %s): %w", i+1, key.ID, err)
		}
		k.ids = append(k.ids, key.ID)
		k.aeads[key.ID] = aead
	}
	return k, nil
}

// ActiveKeyID is the id of the key that encrypts new payloads ("" for nil).
func (k *Keyring) ActiveKeyID() string {
	if k == nil {
		return ""
	}
	return k.ids[0]
}

// KeyIDs lists the configured key ids, active first.
func (k *Keyring) KeyIDs() []string {
	if k == nil {
		return nil
	}
	return append([]string(nil), k.ids...)
}

// Required returns a copy of the keyring whose DataConverter refuses every
// payload that is not encrypted (codec.required): a worker using it fails a
// task started or signalled in plaintext instead of processing it. The
// codec endpoint (Codec) still passes plaintext through, so the UI can show
// what was written before. A nil keyring stays nil.
func (k *Keyring) Required() *Keyring {
	if k == nil {
		return nil
	}
	c := *k
	c.required = true
	return &c
}

// IsRequired reports whether Required made this keyring.
func (k *Keyring) IsRequired() bool { return k != nil && k.required }

// Codec returns the AES-256-GCM PayloadCodec of the codec endpoint. For a
// nil keyring it passes payloads through and refuses to decode encrypted
// ones (unknown key id). It passes plaintext through even when required.
func (k *Keyring) Codec() converter.PayloadCodec { return &payloadCodec{keys: k} }

// DataConverter is the default data converter with the codec applied (strict
// when required), or the plain default for a nil keyring.
func (k *Keyring) DataConverter() converter.DataConverter {
	if k == nil {
		return converter.GetDefaultDataConverter()
	}
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), &payloadCodec{keys: k, required: k.required})
}

// FailureConverter encodes failure messages and stack traces through the
// codec too; without it an activity error such as "cannot create
// ada@example.com" would be stored in plaintext.
func (k *Keyring) FailureConverter() converter.FailureConverter {
	if k == nil {
		return temporal.GetDefaultFailureConverter()
	}
	return temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
		DataConverter:          k.DataConverter(),
		EncodeCommonAttributes: true,
	})
}

// ClientOptions sets the keyring's DataConverter and FailureConverter on opts
// when k is not nil; otherwise it returns opts unchanged.
func ClientOptions(k *Keyring, opts client.Options) client.Options {
	if k == nil {
		return opts
	}
	opts.DataConverter = k.DataConverter()
	opts.FailureConverter = k.FailureConverter()
	return opts
}

// ReplayerOptions does the same for worker.WorkflowReplayerOptions so replay
// tests decode encrypted histories.
func ReplayerOptions(k *Keyring, opts worker.WorkflowReplayerOptions) worker.WorkflowReplayerOptions {
	if k == nil {
		return opts
	}
	opts.DataConverter = k.DataConverter()
	opts.FailureConverter = k.FailureConverter()
	return opts
}

func (k *Keyring) String() string {
	if k == nil {
		return "codec.Keyring(nil)"
	}
	return "codec.Keyring{KeyIDs:[" + strings.Join(k.ids, " ") + "], Active:" + strconv.Quote(k.ids[0]) + ", Required:" + strconv.FormatBool(k.required) + ", Secrets:" + redacted + "}"
}

// GoString and Format stop fmt from walking the unexported fields (the AES
// key schedule) with any verb.
func (k *Keyring) GoString() string           { return k.String() }
func (k *Keyring) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(k.String())) }

// MarshalJSON lists key ids only.
func (k *Keyring) MarshalJSON() ([]byte, error) {
	if k == nil {
		return []byte("null"), nil
	}
	return json.Marshal(struct {
		Active string   `json:"active"`
		KeyIDs []string `json:"key_ids"`
	}{k.ids[0], k.ids})
}

// LogValue redacts the keyring for log/slog.
func (k *Keyring) LogValue() slog.Value {
	if k == nil {
		return slog.StringValue("none")
	}
	return slog.GroupValue(slog.String("active", k.ids[0]), slog.Any("key_ids", k.ids))
}

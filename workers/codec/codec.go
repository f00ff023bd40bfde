package codec

import (
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Payload metadata written by the codec.
const (
	MetadataEncodingEncrypted = "binary/encrypted"
	MetadataEncryptionKeyID   = "encryption-key-id"
)

const nonceSize = 12

var (
	// ErrAuthenticationFailed: the ciphertext, nonce or key id was altered, or
	// the key with that id is not the one that encrypted it.
	ErrAuthenticationFailed = errors.New("message authentication failed")
	// ErrUnknownKeyID: the payload names a key id that is not configured.
	ErrUnknownKeyID = errors.New("unknown key id")
	// ErrPlaintext: codec.required is set and a payload is not encrypted
	// (sent by a client without keys). The message names no payload content.
	ErrPlaintext = errors.New("payload is not encrypted and codec.required is set: the sender (a jml command, the temporal CLI, an SDK client) must use the payload keys (JML_CODEC_KEYS or JML_CODEC_KEYS_FILE; the temporal CLI: --codec-endpoint)")
)

// UnknownKeyError reports a payload encrypted with a key that is not in the
// keyring. errors.Is(err, ErrUnknownKeyID) holds.
type UnknownKeyError struct{ KeyID string }

func (e *UnknownKeyError) Error() string {
	return "payload encrypted with unknown key id " + printableKeyID(e.KeyID) + ": configure it in " + EnvKeys
}

func (e *UnknownKeyError) Is(target error) bool { return target == ErrUnknownKeyID }

// printableKeyID keeps a hostile key id (from a payload sent to the codec
// server) from injecting newlines or megabytes into logs.
func printableKeyID(id string) string {
	if validateKeyID(id) == nil {
		return id
	}
	if len(id) > maxKeyIDLen {
		id = id[:maxKeyIDLen]
	}
	return strconv.QuoteToASCII(id)
}

type payloadCodec struct {
	keys     *Keyring
	required bool // refuse plaintext on decode
}

// Encode encrypts each whole payload (metadata and data) with the active key.
func (c *payloadCodec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	if c.keys == nil {
		return payloads, nil
	}
	kid := c.keys.ids[0]
	aead := c.keys.aeads[kid]
	aad := []byte(kid)
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil {
			continue
		}
		plain, err := proto.Marshal(p)
		if err != nil {
			return payloads, fmt.Errorf("encrypt payload with key %s: marshal: %w", kid, err)
		}
		buf := make([]byte, nonceSize, nonceSize+len(plain)+aead.Overhead())
		if _, err := rand.Read(buf); err != nil {
			return payloads, fmt.Errorf("encrypt payload with key %s: nonce: %w", kid, err)
		}
		// The key id is authenticated data, so relabelling a payload fails.
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(MetadataEncodingEncrypted),
				MetadataEncryptionKeyID:    []byte(kid),
			},
			Data: aead.Seal(buf, buf[:nonceSize], plain, aad),
		}
	}
	return out, nil
}

// Decode decrypts payloads marked binary/encrypted and passes the others
// through, so histories written before encryption was enabled stay readable,
// unless required, when a plaintext payload is an error. Errors are wrapped
// in converter.WorkflowTaskFailureError: a worker missing a key, or handed
// plaintext, fails (and retries) the workflow task instead of failing the
// workflow or running it on data that should never have been sent.
func (c *payloadCodec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if p == nil {
			continue
		}
		if string(p.GetMetadata()[converter.MetadataEncoding]) != MetadataEncodingEncrypted {
			if c.required {
				return payloads, converter.NewWorkflowTaskFailureError(ErrPlaintext)
			}
			out[i] = p
			continue
		}
		dec, err := c.decrypt(p)
		if err != nil {
			return payloads, converter.NewWorkflowTaskFailureError(err)
		}
		out[i] = dec
	}
	return out, nil
}

func (c *payloadCodec) decrypt(p *commonpb.Payload) (*commonpb.Payload, error) {
	kid := string(p.GetMetadata()[MetadataEncryptionKeyID])
	var aead interface {
		Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
		Overhead() int
	}
	if c.keys != nil {
		if a, ok := c.keys.aeads[kid]; ok {
			aead = a
		}
	}
	if aead == nil {
		return nil, &UnknownKeyError{KeyID: kid}
	}
	data := p.GetData()
	if len(data) < nonceSize+aead.Overhead() {
		return nil, fmt.Errorf("decrypt payload with key %s: %w", kid, ErrAuthenticationFailed)
	}
	plain, err := aead.Open(nil, data[:nonceSize], data[nonceSize:], []byte(kid))
	if err != nil {
		return nil, fmt.Errorf("decrypt payload with key %s: %w", kid, ErrAuthenticationFailed)
	}
	out := &commonpb.Payload{}
	if err := proto.Unmarshal(plain, out); err != nil {
		return nil, fmt.Errorf("decrypt payload with key %s: decrypted bytes are not a payload", kid)
	}
	return out, nil
}

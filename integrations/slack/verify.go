package slack

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	sl "github.com/slack-go/slack"
)

// Why a request failed verification. Match with errors.Is.
var (
	ErrNoSecret         = errors.New("slack request: no signing secret configured")
	ErrMissingHeaders   = errors.New("slack request: missing X-Slack-Signature or X-Slack-Request-Timestamp")
	ErrStaleTimestamp   = errors.New("slack request: timestamp outside the 5-minute window")
	ErrBadSignature     = errors.New("slack request: bad signature")
	ErrMalformedPayload = errors.New("slack request: malformed payload")
)

// MaxSkew is how far a request's timestamp may be from now, either way.
const MaxSkew = 5 * time.Minute

// MaxBody is the largest callback body jml accepts.
const MaxBody = 1 << 20

// VerifyRequest checks Slack's v0 signature of a callback:
// X-Slack-Signature = "v0=" + hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body)),
// with X-Slack-Request-Timestamp within MaxSkew of now in both directions
// (a replay of an old request fails even with a valid signature). It does
// the same as slack.NewSecretsVerifier + Ensure (constant-time compare) but
// takes now, so callers and tests control the clock.
func VerifyRequest(h http.Header, body []byte, signingSecret string, now time.Time) error {
	if signingSecret == "" {
		return ErrNoSecret
	}
	sig, sts := h.Get("X-Slack-Signature"), h.Get("X-Slack-Request-Timestamp")
	if sig == "" || sts == "" {
		return ErrMissingHeaders
	}
	ts, err := strconv.ParseInt(sts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp is not a number", ErrStaleTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("%w (off by %s)", ErrStaleTimestamp, d.Round(time.Second))
	}
	hexSig, found := strings.CutPrefix(sig, "v0=")
	if !found {
		return fmt.Errorf("%w: unknown version", ErrBadSignature)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil || len(got) != sha256.Size {
		return fmt.Errorf("%w: not a v0 HMAC-SHA256", ErrBadSignature)
	}
	mac := hmac.New(sha256.New, []byte(signingSecret))
	mac.Write([]byte("v0:" + sts + ":"))
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), got) {
		return ErrBadSignature
	}
	return nil
}

// DeliveryID names one signed delivery, for de-duplication that outlives
// one process: the same callback sent twice (a replay, to any replica) has
// the same id; a different one, or the same body at another time, has
// another, since the signature covers both. Call it after VerifyRequest.
// It reveals nothing of the signature or the body.
func DeliveryID(h http.Header) string {
	sum := sha256.Sum256([]byte("jml-slack-delivery:" + h.Get("X-Slack-Signature")))
	return "slack-" + hex.EncodeToString(sum[:16])
}

// ParseInteraction decodes an interactivity callback body
// (application/x-www-form-urlencoded, one field payload=<json>).
func ParseInteraction(body []byte) (sl.InteractionCallback, error) {
	var cb sl.InteractionCallback
	form, err := parseForm(body)
	if err != nil {
		return cb, err
	}
	payload := form.Get("payload")
	if payload == "" {
		return cb, fmt.Errorf("%w: no payload field", ErrMalformedPayload)
	}
	if err := json.Unmarshal([]byte(payload), &cb); err != nil {
		return sl.InteractionCallback{}, fmt.Errorf("%w: payload is not valid JSON: %v", ErrMalformedPayload, err)
	}
	if cb.Type == "" {
		return sl.InteractionCallback{}, fmt.Errorf("%w: payload has no type", ErrMalformedPayload)
	}
	return cb, nil
}

// ParseSlashCommand decodes a slash-command body (form-encoded fields).
func ParseSlashCommand(body []byte) (sl.SlashCommand, error) {
	form, err := parseForm(body)
	if err != nil {
		return sl.SlashCommand{}, err
	}
	sc := sl.SlashCommand{
		Token: form.Get("token"), TeamID: form.Get("team_id"), TeamDomain: form.Get("team_domain"),
		EnterpriseID: form.Get("enterprise_id"), EnterpriseName: form.Get("enterprise_name"),
		ChannelID: form.Get("channel_id"), ChannelName: form.Get("channel_name"),
		UserID: form.Get("user_id"), UserName: form.Get("user_name"),
		Command: form.Get("command"), Text: form.Get("text"),
		ResponseURL: form.Get("response_url"), TriggerID: form.Get("trigger_id"), APIAppID: form.Get("api_app_id"),
	}
	if sc.Command == "" || sc.UserID == "" {
		return sl.SlashCommand{}, fmt.Errorf("%w: command and user_id are required", ErrMalformedPayload)
	}
	return sc, nil
}

// parseForm decodes a form-encoded callback body of at most MaxBody bytes.
func parseForm(body []byte) (url.Values, error) {
	if len(body) > MaxBody {
		return nil, fmt.Errorf("%w: body larger than %d bytes", ErrMalformedPayload, MaxBody)
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("%w: not form-encoded", ErrMalformedPayload)
	}
	return form, nil
}

package slack

import (
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/slackemu"
)

func urlEscape(s string) string { return url.QueryEscape(s) }

func signed(secret string, ts int64, body []byte) http.Header {
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", slackemu.Sign(secret, ts, body))
	return h
}

func TestVerifyRequest(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	body := []byte("payload=" + urlEscape(`{"type":"block_actions","actions":[{"value":"act_1"}]}`))
	ts := now.Unix()
	cases := []struct {
		name   string
		header http.Header
		body   []byte
		secret string
		want   error
	}{
		{"valid", signed(signingSecret, ts, body), body, signingSecret, nil},
		{"valid, 4m59s old", signed(signingSecret, ts-299, body), body, signingSecret, nil},
		{"valid, 4m59s ahead", signed(signingSecret, ts+299, body), body, signingSecret, nil},
		{"forged with another secret", signed("attacker", ts, body), body, signingSecret, ErrBadSignature},
		{"stale (replayed after 6 minutes)", signed(signingSecret, ts-360, body), body, signingSecret, ErrStaleTimestamp},
		{"future (6 minutes ahead)", signed(signingSecret, ts+360, body), body, signingSecret, ErrStaleTimestamp},
		{"missing both headers", http.Header{}, body, signingSecret, ErrMissingHeaders},
		{"missing signature", func() http.Header { h := signed(signingSecret, ts, body); h.Del("X-Slack-Signature"); return h }(), body, signingSecret, ErrMissingHeaders},
		{"missing timestamp", func() http.Header { h := signed(signingSecret, ts, body); h.Del("X-Slack-Request-Timestamp"); return h }(), body, signingSecret, ErrMissingHeaders},
		{"replayed with body modified", signed(signingSecret, ts, body), append(append([]byte(nil), body[:len(body)-3]...), 'X', 'X', 'X'), signingSecret, ErrBadSignature},
		{"timestamp swapped, signature kept", func() http.Header {
			h := signed(signingSecret, ts-10, body)
			h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
			return h
		}(), body, signingSecret, ErrBadSignature},
		{"timestamp not a number", func() http.Header {
			h := signed(signingSecret, ts, body)
			h.Set("X-Slack-Request-Timestamp", "soon")
			return h
		}(), body, signingSecret, ErrStaleTimestamp},
		{"unknown version", func() http.Header {
			h := signed(signingSecret, ts, body)
			h.Set("X-Slack-Signature", "v1=abcd")
			return h
		}(), body, signingSecret, ErrBadSignature},
		{"not hex", func() http.Header {
			h := signed(signingSecret, ts, body)
			h.Set("X-Slack-Signature", "v0=zz")
			return h
		}(), body, signingSecret, ErrBadSignature},
		{"truncated signature", func() http.Header {
			h := signed(signingSecret, ts, body)
			h.Set("X-Slack-Signature", h.Get("X-Slack-Signature")[:20])
			return h
		}(), body, signingSecret, ErrBadSignature},
		{"no secret configured", signed(signingSecret, ts, body), body, "", ErrNoSecret},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyRequest(tc.header, tc.body, tc.secret, now)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			assert.NotContains(t, err.Error(), signingSecret)
		})
	}
}

// TestVerifyAgreesWithSlackGo: on the real clock, VerifyRequest and
// slack-go's own verifier accept and refuse the same requests.
func TestVerifyAgreesWithSlackGo(t *testing.T) {
	body := []byte("payload=%7B%22type%22%3A%22block_actions%22%7D")
	now := time.Now()
	for _, tc := range []struct {
		h    http.Header
		body []byte
	}{
		{signed(signingSecret, now.Unix(), body), body},
		{signed("other", now.Unix(), body), body},
		{signed(signingSecret, now.Unix(), body), []byte("payload=x")},
		{signed(signingSecret, now.Add(-10*time.Minute).Unix(), body), body},
	} {
		ours := VerifyRequest(tc.h, tc.body, signingSecret, now)
		sv, theirs := sl.NewSecretsVerifier(tc.h, signingSecret)
		if theirs == nil {
			_, _ = sv.Write(tc.body)
			theirs = sv.Ensure()
		}
		assert.Equal(t, theirs == nil, ours == nil, "ours=%v slack-go=%v", ours, theirs)
	}
}

func FuzzVerifyRequest(f *testing.F) {
	now := time.Unix(1_760_000_000, 0)
	f.Add([]byte("payload=%7B%7D"), now.Unix(), "v0=00")
	f.Fuzz(func(t *testing.T, body []byte, ts int64, sig string) {
		h := http.Header{}
		h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
		h.Set("X-Slack-Signature", sig)
		if VerifyRequest(h, body, signingSecret, now) == nil && sig != slackemu.Sign(signingSecret, ts, body) {
			t.Fatal("accepted a signature that is not the HMAC of the body")
		}
	})
}

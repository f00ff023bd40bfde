package slackemu_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
)

// postHook posts body to a response_url and returns the status and Slack's
// error word ("" on success).
func postHook(t *testing.T, hookURL, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(hookURL, "application/json", strings.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out.Error
}

// TestResponseURLLimits: like Slack, a response_url takes five posts within
// 30 minutes and then answers 404 used_url, or expired_url once the 30
// minutes are over; a refused post does not use it up. An ephemeral answer
// in a channel is visible to the presser only.
func TestResponseURLLimits(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	in := &intake{secret: secret}
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	org := demoorg.New(20, 2)
	e := emutest.Seeded(t, slackemu.New(slackemu.Config{BotToken: token, SigningSecret: secret,
		RequestURL: srv.URL + "/slack/interactivity", Now: clock}), org)
	api := client(e, token)
	_, ts, err := api.PostMessage(slackemu.ITOps, slack.MsgOptionText("held", false), approvalBlocks("h1"))
	require.NoError(t, err)
	presser := org.Employees[3]
	ctx := context.Background()
	press := func() string {
		status, _, err := e.Press(ctx, ts, "approve", presser.Email)
		require.NoError(t, err)
		require.Equal(t, 200, status)
		cbs := in.callbacks()
		return cbs[len(cbs)-1].ResponseURL
	}

	hook := press()
	status, word := postHook(t, hook, `{"text":`)
	assert.Equal(t, http.StatusBadRequest, status, "a malformed post is refused")
	assert.Equal(t, "invalid_payload", word)
	for i := range 5 {
		require.NoError(t, slack.PostWebhook(hook, &slack.WebhookMessage{Text: "answer", ResponseType: slack.ResponseTypeEphemeral}), "post %d", i+1)
	}
	status, word = postHook(t, hook, `{"text":"sixth","response_type":"ephemeral"}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "used_url", word, "the sixth post is refused")
	var answers []slackemu.Message
	for _, m := range e.Messages(slackemu.ITOps) {
		if m.Ephemeral {
			answers = append(answers, m)
		}
	}
	require.Len(t, answers, 5, "the refused posts left nothing")
	assert.Equal(t, presser.Email, answers[0].VisibleTo, "an ephemeral answer is the presser's alone")

	hook = press()
	mu.Lock()
	now = now.Add(30 * time.Minute)
	mu.Unlock()
	status, word = postHook(t, hook, `{"text":"late","response_type":"ephemeral"}`)
	assert.Equal(t, http.StatusNotFound, status)
	assert.Equal(t, "expired_url", word, "30 minutes on, the URL has expired")
}

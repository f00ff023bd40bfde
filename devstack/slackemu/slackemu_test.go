package slackemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
)

const (
	token  = "xoxb-test-0000-emulated"
	secret = "8f742231b10e8888abcd99yyyzzz85a5"
)

// intake plays jml's Slack interactivity endpoint: it verifies the
// signature with slack-go and records what it accepted.
type intake struct {
	secret string
	mu     sync.Mutex
	calls  []slack.InteractionCallback
	slash  []slack.SlashCommand
	reply  func(w http.ResponseWriter, cb slack.InteractionCallback)
}

func (in *intake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read", http.StatusBadRequest)
		return
	}
	sv, err := slack.NewSecretsVerifier(r.Header, in.secret)
	if err != nil {
		http.Error(w, "verify: "+err.Error(), http.StatusUnauthorized)
		return
	}
	_, _ = sv.Write(body)
	if err := sv.Ensure(); err != nil {
		http.Error(w, "verify: "+err.Error(), http.StatusUnauthorized)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if r.URL.Path == "/slack/commands" {
		sc, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		in.mu.Lock()
		in.slash = append(in.slash, sc)
		in.mu.Unlock()
		emulator.WriteJSON(w, http.StatusOK, map[string]string{"text": "got " + sc.Command + " " + sc.Text})
		return
	}
	cb, err := slack.InteractionCallbackParse(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	in.calls = append(in.calls, cb)
	in.mu.Unlock()
	if in.reply != nil {
		in.reply(w, cb)
		return
	}
	w.WriteHeader(http.StatusOK)
}

func (in *intake) callbacks() []slack.InteractionCallback {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]slack.InteractionCallback(nil), in.calls...)
}

func start(t testing.TB, in *intake, signWith string) (*slackemu.Emulator, *slack.Client) {
	t.Helper()
	cfg := slackemu.Config{BotToken: token, SigningSecret: signWith}
	if in != nil {
		srv := httptest.NewServer(in)
		t.Cleanup(srv.Close)
		cfg.RequestURL = srv.URL + "/slack/interactivity"
		cfg.SlashCommandURL = srv.URL + "/slack/commands"
	}
	e := emutest.Seeded(t, slackemu.New(cfg), demoorg.New(20, 2))
	return e, client(e, token)
}

func client(e *slackemu.Emulator, tok string, opts ...slack.Option) *slack.Client {
	all := append([]slack.Option{slack.OptionAPIURL(e.URL() + "/api/"), slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second})}, opts...)
	return slack.New(tok, all...)
}

func approvalBlocks(value string) slack.MsgOption {
	return slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*Elevation request*\nUser Administrator for 1h", false, false), nil, nil),
		slack.NewContextBlock("ctx", slack.NewTextBlockObject(slack.MarkdownType, "requested by ada", false, false)),
		slack.NewActionBlock("decide",
			slack.NewButtonBlockElement("approve", value+":approve", slack.NewTextBlockObject(slack.PlainTextType, "Approve", false, false)).WithStyle(slack.StylePrimary),
			slack.NewButtonBlockElement("deny", value+":deny", slack.NewTextBlockObject(slack.PlainTextType, "Deny", false, false)).WithStyle(slack.StyleDanger),
		),
	)
}

func TestAuth(t *testing.T) {
	e, api := start(t, nil, secret)
	ctx := context.Background()
	res, err := api.AuthTestContext(ctx)
	require.NoError(t, err)
	assert.Equal(t, slackemu.TeamID, res.TeamID)
	assert.Equal(t, slackemu.BotUserID, res.UserID)
	assert.Equal(t, slackemu.BotID, res.BotID)

	_, err = client(e, "xoxb-wrong").AuthTestContext(ctx)
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "invalid_auth", se.Err)

	_, err = client(e, "").AuthTestContext(ctx)
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "not_authed", se.Err)

	// Bearer header works too (slack-go uses it for GET methods).
	req, _ := http.NewRequest(http.MethodGet, e.URL()+"/api/auth.test", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	assert.Equal(t, true, out["ok"])
	assert.Equal(t, 4, e.Counts()["auth.test"], "every call counted under its method family")
}

func TestUsers(t *testing.T) {
	_, api := start(t, nil, secret)
	ctx := context.Background()
	org := demoorg.New(20, 2)
	emp := org.Employees[3]
	u, err := api.GetUserByEmailContext(ctx, emp.Email)
	require.NoError(t, err)
	assert.Equal(t, emp.Email, u.Profile.Email)
	assert.Equal(t, emp.GivenName+" "+emp.FamilyName, u.RealName)
	assert.Equal(t, slackemu.TeamID, u.TeamID)

	again, err := api.GetUserInfoContext(ctx, u.ID)
	require.NoError(t, err)
	assert.Equal(t, emp.Email, again.Profile.Email)

	_, err = api.GetUserByEmailContext(ctx, org.Joiners[0].Email)
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se, "joiners have no Slack account yet")
	assert.Equal(t, "users_not_found", se.Err)

	_, err = api.GetUserInfoContext(ctx, "UNOSUCH")
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "user_not_found", se.Err)
}

func TestPostUpdateAndAccessors(t *testing.T) {
	e, api := start(t, nil, secret)
	ctx := context.Background()
	emp := demoorg.New(20, 2).Employees[5]
	u, err := api.GetUserByEmailContext(ctx, emp.Email)
	require.NoError(t, err)
	ch, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u.ID}})
	require.NoError(t, err)
	assert.False(t, already)
	assert.True(t, strings.HasPrefix(ch.ID, "D"))
	ch2, _, already, err := api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{u.ID}})
	require.NoError(t, err)
	assert.True(t, already)
	assert.Equal(t, ch.ID, ch2.ID)

	gotCh, ts, err := api.PostMessageContext(ctx, ch.ID, slack.MsgOptionText("Approve?", false), approvalBlocks("req-1"))
	require.NoError(t, err)
	assert.Equal(t, ch.ID, gotCh)

	msgs := e.MessagesTo(emp.Email)
	require.Len(t, msgs, 1)
	assert.Equal(t, ts, msgs[0].TS)
	assert.Equal(t, emp.Email, msgs[0].Recipient)
	assert.Equal(t, []slackemu.Button{
		{BlockID: "decide", ActionID: "approve", Value: "req-1:approve", Text: "Approve", Style: "primary"},
		{BlockID: "decide", ActionID: "deny", Value: "req-1:deny", Text: "Deny", Style: "danger"},
	}, e.Buttons(ts))
	assert.Len(t, e.Messages(u.ID), 1, "a user id names the same DM")

	_, _, _, err = api.UpdateMessageContext(ctx, ch.ID, ts, slack.MsgOptionText("Approved by ada", false), slack.MsgOptionBlocks(
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Approved", false, false), nil, nil)))
	require.NoError(t, err)
	m, found := e.Message(ts)
	require.True(t, found)
	assert.Equal(t, "Approved by ada", m.Text)
	assert.True(t, m.Edited)
	assert.Empty(t, m.Buttons, "update replaced the buttons")

	_, _, _, err = api.UpdateMessageContext(ctx, ch.ID, "1.000001", slack.MsgOptionText("x", false))
	var se slack.SlackErrorResponse
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "message_not_found", se.Err)

	_, _, err = api.PostMessageContext(ctx, "C0NOSUCH", slack.MsgOptionText("x", false))
	require.ErrorAs(t, err, &se)
	assert.Equal(t, "channel_not_found", se.Err)

	_, _, err = api.PostMessageContext(ctx, "#"+slackemu.SecurityAlerts, slack.MsgOptionText("standing admin found", false))
	require.NoError(t, err)
	require.Len(t, e.Messages(slackemu.SecurityAlerts), 1)
	assert.Equal(t, "standing admin found", e.Messages("#security-alerts")[0].Text)
	assert.Len(t, e.Messages(slackemu.ITOps), 0)
}

func TestThrottled(t *testing.T) {
	e, api := start(t, nil, secret)
	e.AddFault(emulator.Fault{Family: "chat.postMessage", Status: 429, RetryAfter: 7 * time.Second, Times: 1})
	_, _, err := api.PostMessageContext(context.Background(), "#it-ops", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	require.ErrorAs(t, err, &rl)
	assert.Equal(t, 7*time.Second, rl.RetryAfter)
	assert.Equal(t, 1, e.Throttled())

	e.SetLimit("auth.test", emulator.Limit{Requests: 1, Window: time.Hour})
	_, err = api.AuthTestContext(context.Background())
	require.NoError(t, err)
	_, err = api.AuthTestContext(context.Background())
	require.ErrorAs(t, err, &rl)
	assert.Greater(t, rl.RetryAfter, time.Duration(0))

	e.AddFault(emulator.Fault{Family: "users.info", Status: 503, Times: 1})
	_, err = api.GetUserInfoContext(context.Background(), "UE0001")
	var sc slack.StatusCodeError
	require.ErrorAs(t, err, &sc)
	assert.Equal(t, 503, sc.Code)
}

func TestPressRoundTrip(t *testing.T) {
	in := &intake{secret: secret}
	var replyErr error
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		w.WriteHeader(http.StatusOK)
		// what jml does next: replace the buttons through response_url
		_, _, replyErr = slack.New("").PostMessage("", slack.MsgOptionReplaceOriginal(cb.ResponseURL),
			slack.MsgOptionText("Approved", false),
			slack.MsgOptionBlocks(slack.NewContextBlock("", slack.NewTextBlockObject(slack.MarkdownType, "Approved by <@"+cb.User.ID+">", false, false))))
	}
	e, api := start(t, in, secret)
	ctx := context.Background()
	emp := demoorg.New(20, 2).Employees[2]
	_, ts, err := api.PostMessageContext(ctx, mustDM(t, api, emp.Email), slack.MsgOptionText("Approve?", false), approvalBlocks("opaque-123"))
	require.NoError(t, err)

	status, _, err := e.Press(ctx, ts, "approve", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, status)
	require.NoError(t, replyErr)

	cbs := in.callbacks()
	require.Len(t, cbs, 1)
	cb := cbs[0]
	assert.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
	assert.Equal(t, "U"+emp.EmployeeID, cb.User.ID, "default presser is the DM's recipient")
	assert.Equal(t, slackemu.TeamID, cb.Team.ID)
	assert.Equal(t, slackemu.AppID, cb.APIAppID)
	assert.Equal(t, ts, cb.Container.MessageTs)
	assert.Equal(t, "message", cb.Container.Type)
	assert.NotEmpty(t, cb.TriggerID)
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	act := cb.ActionCallback.BlockActions[0]
	assert.Equal(t, "approve", act.ActionID)
	assert.Equal(t, "opaque-123:approve", act.Value)
	assert.Equal(t, "decide", act.BlockID)
	assert.Equal(t, slack.ActionType("button"), act.Type)
	assert.Len(t, cb.Message.Blocks.BlockSet, 3)

	m, _ := e.Message(ts)
	assert.Equal(t, "Approved", m.Text, "replace_original rewrote the message")
	assert.Empty(t, m.Buttons)

	// someone else can press it too (the test names them)
	other := demoorg.New(20, 2).Employees[0].Email
	_, _, err = e.Press(ctx, ts, "approve", other)
	require.Error(t, err, "the buttons are gone after replace_original")

	_, _, err = e.Press(ctx, "1.1", "approve", "")
	require.Error(t, err)
}

func TestPressForgedSecretRejected(t *testing.T) {
	in := &intake{secret: secret}
	e, api := start(t, in, "some-other-secret")
	emp := demoorg.New(20, 2).Employees[1]
	_, ts, err := api.PostMessageContext(context.Background(), mustDM(t, api, emp.Email), approvalBlocks("v"))
	require.NoError(t, err)
	status, body, err := e.Press(context.Background(), ts, "deny", "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, body, "invalid signature")
	assert.Empty(t, in.callbacks())
}

func TestAdminPressAndSlash(t *testing.T) {
	in := &intake{secret: secret}
	e, api := start(t, in, secret)
	emp := demoorg.New(20, 2).Employees[4]
	_, ts, err := api.PostMessageContext(context.Background(), mustDM(t, api, emp.Email), approvalBlocks("x"))
	require.NoError(t, err)

	body, _ := json.Marshal(map[string]string{"message_ts": ts, "action_id": "deny"})
	resp, err := http.Post(e.URL()+"/__admin/press", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var out struct {
		Status int    `json:"status"`
		Error  string `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, 200, out.Status, out.Error)
	require.Len(t, in.callbacks(), 1)
	assert.Equal(t, "x:deny", in.callbacks()[0].ActionCallback.BlockActions[0].Value)

	body, _ = json.Marshal(map[string]string{"user_email": emp.Email, "command": "/elevate", "text": "User Administrator 1h"})
	resp, err = http.Post(e.URL()+"/__admin/slash", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	resp.Body.Close()
	assert.Equal(t, 200, out.Status, out.Error)
	in.mu.Lock()
	require.Len(t, in.slash, 1)
	sc := in.slash[0]
	in.mu.Unlock()
	assert.Equal(t, "/elevate", sc.Command)
	assert.Equal(t, "User Administrator 1h", sc.Text)
	assert.Equal(t, "U"+emp.EmployeeID, sc.UserID)
	assert.True(t, strings.HasPrefix(sc.ResponseURL, e.URL()+"/actions/"))
	msgs := e.MessagesTo(emp.Email)
	require.Len(t, msgs, 2)
	assert.True(t, msgs[1].Ephemeral)
	assert.Equal(t, "got /elevate User Administrator 1h", msgs[1].Text)

	// the slash command's response_url posts a reply; a made-up hook is refused
	_, _, err = slack.New("").PostMessage("", slack.MsgOptionResponseURL(sc.ResponseURL, slack.ResponseTypeEphemeral), slack.MsgOptionText("working on it", false))
	require.NoError(t, err)
	assert.Len(t, e.MessagesTo(emp.Email), 3)
	resp, err = http.Post(e.URL()+"/actions/"+slackemu.TeamID+"/x/forged", "application/json", strings.NewReader(`{"text":"x"}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	_, _, err = slackemu.New(slackemu.Config{}).Press(context.Background(), ts, "deny", "")
	assert.True(t, errors.Is(err, slackemu.ErrNoRequestURL))
}

func TestSignMatchesSlackGo(t *testing.T) {
	body := []byte("payload=%7B%7D")
	ts := time.Now().Unix()
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	h.Set("X-Slack-Signature", slackemu.Sign(secret, ts, body))
	sv, err := slack.NewSecretsVerifier(h, secret)
	require.NoError(t, err)
	_, _ = sv.Write(body)
	require.NoError(t, sv.Ensure())
	sv, err = slack.NewSecretsVerifier(h, secret)
	require.NoError(t, err)
	_, _ = sv.Write(append(body, 'x'))
	require.Error(t, sv.Ensure())
}

func mustDM(t testing.TB, api *slack.Client, email string) string {
	t.Helper()
	u, err := api.GetUserByEmail(email)
	require.NoError(t, err)
	ch, _, _, err := api.OpenConversation(&slack.OpenConversationParameters{Users: []string{u.ID}})
	require.NoError(t, err)
	return ch.ID
}

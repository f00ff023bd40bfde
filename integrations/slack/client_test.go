package slack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/integrations/directory"
)

const (
	botToken      = "xoxb-1111-2222-emulatedtokenvalue"
	signingSecret = "e3b0c44298fc1c149afbf4c8996fb924"
)

var org = demoorg.New(30, 2)

func newEmu(t *testing.T, cfg slackemu.Config) *slackemu.Emulator {
	t.Helper()
	if cfg.BotToken == "" {
		cfg.BotToken = botToken
	}
	if cfg.SigningSecret == "" {
		cfg.SigningSecret = signingSecret
	}
	return emutest.Seeded(t, slackemu.New(cfg), org)
}

func newClient(t *testing.T, e *slackemu.Emulator, mod func(*Options)) *Client {
	t.Helper()
	o := Options{BotToken: botToken, APIURL: e.URL() + "/api/", HTTPClient: &http.Client{Timeout: 10 * time.Second}, SecurityChannel: "#security-alerts"}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	require.NoError(t, err)
	return c
}

func requireKind(t *testing.T, err error, kind directory.Kind, code string) *directory.Error {
	t.Helper()
	var de *directory.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, kind, de.Kind, de.Error())
	assert.Equal(t, code, de.Code)
	assert.NotContains(t, err.Error(), botToken)
	return de
}

func TestNewNeedsToken(t *testing.T) {
	_, err := New(Options{})
	requireKind(t, err, directory.KindPermanent, "")
}

func TestLookupByEmail(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	emp := org.Employees[4]
	u, err := c.LookupByEmail(ctx, emp.Email)
	require.NoError(t, err)
	assert.Equal(t, "U"+emp.EmployeeID, u.ID)
	assert.Equal(t, emp.Email, u.Email)

	_, err = c.LookupByEmail(ctx, org.Joiners[0].Email)
	requireKind(t, err, directory.KindNotFound, "users_not_found")
	assert.True(t, directory.IsNotFound(err))

	require.True(t, e.Deactivate(org.Employees[5].Email))
	_, err = c.LookupByEmail(ctx, org.Employees[5].Email)
	requireKind(t, err, directory.KindNotFound, "users_not_found")
}

func TestDMAndPost(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	emp := org.Employees[7]
	blocks := []sl.Block{sl.NewSectionBlock(sl.NewTextBlockObject(sl.MarkdownType, "Welcome aboard", false, false), nil, nil)}
	ch, ts, err := c.DM(ctx, emp.Email, "Welcome", blocks)
	require.NoError(t, err)
	msgs := e.MessagesTo(emp.Email)
	require.Len(t, msgs, 1)
	assert.Equal(t, ch, msgs[0].Channel)
	assert.Equal(t, ts, msgs[0].TS)
	assert.Equal(t, "Welcome", msgs[0].Text)
	assert.Contains(t, string(msgs[0].Blocks), "Welcome aboard")

	_, _, err = c.Post(ctx, "", "standing admin found: E0007", nil)
	require.NoError(t, err)
	require.Len(t, e.Messages("security-alerts"), 1, "empty channel means the security channel")
	_, _, err = c.Post(ctx, "#it-ops", "laptop shipped", nil)
	require.NoError(t, err)
	require.Len(t, e.Messages("it-ops"), 1)

	_, _, err = c.Post(ctx, "#no-such-channel", "x", nil)
	requireKind(t, err, directory.KindNotFound, "channel_not_found")

	_, _, err = c.DM(ctx, "nobody@"+demoorg.Domain, "x", nil)
	requireKind(t, err, directory.KindNotFound, "users_not_found")

	noSec := newClient(t, e, func(o *Options) { o.SecurityChannel = "" })
	_, _, err = noSec.Post(ctx, "", "x", nil)
	requireKind(t, err, directory.KindPermanent, "")
}

func TestApprovalMessageAndUpdate(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	approver := org.Employees[1]
	fields := []Field{{"Requester", "Ada <script>"}, {"Role", "User Administrator"}, {"Duration", "1h"}}
	ch, ts, err := c.ApprovalMessage(ctx, approver.Email, "Elevation request", fields, "act_9f2c", "act_77aa")
	require.NoError(t, err)
	assert.Equal(t, []slackemu.Button{
		{BlockID: ApprovalBlockID, ActionID: ActionApprove, Value: "act_9f2c", Text: "Approve", Style: "primary"},
		{BlockID: ApprovalBlockID, ActionID: ActionDeny, Value: "act_77aa", Text: "Deny", Style: "danger"},
	}, e.Buttons(ts))
	m, _ := e.Message(ts)
	assert.Equal(t, approver.Email, m.Recipient)
	assert.Contains(t, string(m.Blocks), "*Elevation request*")
	assert.Contains(t, string(m.Blocks), `*Requester*\nAda \u0026lt;script\u0026gt;`, "user data is escaped for mrkdwn")

	for _, bad := range []string{"", "ada@demo.jml.test", "two words", strings.Repeat("x", 2001)} {
		_, _, err = c.ApprovalMessage(ctx, approver.Email, "t", nil, bad, "ok")
		requireKind(t, err, directory.KindPermanent, "")
	}

	require.NoError(t, c.Update(ctx, ch, ts, "Approved", DecisionBlocks("Elevation request", fields, "Approved by Grace")))
	m, _ = e.Message(ts)
	assert.Equal(t, "Approved", m.Text)
	assert.Empty(t, m.Buttons, "the decision removed the buttons")
	assert.Contains(t, string(m.Blocks), "Approved by Grace")

	err = c.Update(ctx, ch, "1700000000.000001", "x", nil)
	requireKind(t, err, directory.KindNotFound, "message_not_found")
}

func TestRetryAfterWaitedOut(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil) // default: the SDK retries 429s after Retry-After
	e.AddFault(emulator.Fault{Family: "chat.postMessage", Status: http.StatusTooManyRequests, RetryAfter: time.Second, Times: 1})
	_, _, err := c.Post(context.Background(), "#it-ops", "after the wait", nil)
	require.NoError(t, err)
	assert.Equal(t, 1, e.Throttled())
	assert.Equal(t, 2, e.Counts()["chat.postMessage"], "one 429, one success")
	var posts []emulator.Request
	for _, r := range e.Requests() {
		if r.Family == "chat.postMessage" {
			posts = append(posts, r)
		}
	}
	require.Len(t, posts, 2)
	assert.Equal(t, http.StatusTooManyRequests, posts[0].Status)
	assert.Equal(t, http.StatusOK, posts[1].Status)
	// the SDK slept Retry-After (1s, plus jitter) before the second attempt
	assert.GreaterOrEqual(t, posts[1].Time.Sub(posts[0].Time), 900*time.Millisecond)
	require.Len(t, e.Messages("it-ops"), 1)
}

func TestThrottledSurfacesWithoutRetries(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, func(o *Options) { o.Retries = -1 })
	e.AddFault(emulator.Fault{Family: "users.lookupByEmail", Status: http.StatusTooManyRequests, RetryAfter: 30 * time.Second, Times: 1})
	_, err := c.LookupByEmail(context.Background(), org.Employees[0].Email)
	de := requireKind(t, err, directory.KindThrottled, "ratelimited")
	assert.Equal(t, 30*time.Second, de.RetryAfter)
}

func TestServerErrorIsTransient(t *testing.T) {
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil)
	e.AddFault(emulator.Fault{Family: "conversations.open", Status: http.StatusServiceUnavailable, Times: 1})
	_, _, err := c.DM(context.Background(), org.Employees[0].Email, "x", nil)
	de := requireKind(t, err, directory.KindTransient, "")
	assert.Equal(t, http.StatusServiceUnavailable, de.Status)
}

func TestBadTokenIsPermanentAndNotLeaked(t *testing.T) {
	e := newEmu(t, slackemu.Config{BotToken: "xoxb-the-right-one"})
	c := newClient(t, e, nil) // presents botToken, which the emulator refuses
	_, _, err := c.DM(context.Background(), org.Employees[0].Email, "x", nil)
	requireKind(t, err, directory.KindPermanent, "invalid_auth")
	_, _, err = c.Post(context.Background(), "", "x", nil)
	requireKind(t, err, directory.KindPermanent, "invalid_auth")
	assert.NotContains(t, err.Error(), "xoxb")
}

// TestPressRoundTrip: the emulator posts a signed block_actions callback,
// the handler (as jml's intake would) verifies it with VerifyRequest,
// parses it, and resolves the message with Update.
func TestPressRoundTrip(t *testing.T) {
	type got struct {
		value, user, channel, ts string
		verr                     error
	}
	var (
		mu   sync.Mutex
		seen []got
		c    *Client
	)
	intake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, MaxBody+1))
		if err := VerifyRequest(r.Header, body, signingSecret, time.Now()); err != nil {
			mu.Lock()
			seen = append(seen, got{verr: err})
			mu.Unlock()
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		cb, err := ParseInteraction(body)
		if err != nil || len(cb.ActionCallback.BlockActions) != 1 {
			http.Error(w, "bad payload", http.StatusBadRequest)
			return
		}
		a := cb.ActionCallback.BlockActions[0]
		mu.Lock()
		seen = append(seen, got{value: a.Value, user: cb.User.ID, channel: cb.Container.ChannelID, ts: cb.Container.MessageTs})
		mu.Unlock()
		if err := c.Update(r.Context(), cb.Container.ChannelID, cb.Container.MessageTs, "Decided: "+a.ActionID, nil); err != nil {
			http.Error(w, "update failed", http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer intake.Close()
	e := newEmu(t, slackemu.Config{RequestURL: intake.URL + "/slack/interactivity"})
	c = newClient(t, e, nil)
	ctx := context.Background()
	approver := org.Employees[2]
	ch, ts, err := c.ApprovalMessage(ctx, approver.Email, "Elevation request", nil, "act_1", "act_2")
	require.NoError(t, err)

	status, body, err := e.Press(ctx, ts, ActionDeny, "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	mu.Lock()
	require.Len(t, seen, 1)
	assert.NoError(t, seen[0].verr)
	assert.Equal(t, got{value: "act_2", user: "U" + approver.EmployeeID, channel: ch, ts: ts}, seen[0])
	mu.Unlock()
	m, _ := e.Message(ts)
	assert.Equal(t, "Decided: deny", m.Text)

	// An emulator that signs with another secret is refused.
	forger := newEmu(t, slackemu.Config{SigningSecret: "not-the-secret", RequestURL: intake.URL})
	fc := newClient(t, forger, nil)
	_, ts2, err := fc.ApprovalMessage(ctx, approver.Email, "x", nil, "a", "b")
	require.NoError(t, err)
	status, _, err = forger.Press(ctx, ts2, ActionApprove, "")
	require.NoError(t, err)
	assert.Equal(t, http.StatusUnauthorized, status)
	mu.Lock()
	require.Len(t, seen, 2)
	assert.ErrorIs(t, seen[1].verr, ErrBadSignature)
	mu.Unlock()
}

func TestClassify(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		kind   directory.Kind
		status int
		code   string
		retry  time.Duration
	}{
		{"rate limited", &sl.RateLimitedError{RetryAfter: 12 * time.Second}, directory.KindThrottled, 429, "ratelimited", 12 * time.Second},
		{"invalid_auth", sl.SlackErrorResponse{Err: "invalid_auth"}, directory.KindPermanent, 200, "invalid_auth", 0},
		{"not_authed", sl.SlackErrorResponse{Err: "not_authed"}, directory.KindPermanent, 200, "not_authed", 0},
		{"missing_scope", sl.SlackErrorResponse{Err: "missing_scope"}, directory.KindPermanent, 200, "missing_scope", 0},
		{"channel_not_found", sl.SlackErrorResponse{Err: "channel_not_found"}, directory.KindNotFound, 200, "channel_not_found", 0},
		{"users_not_found", sl.SlackErrorResponse{Err: "users_not_found"}, directory.KindNotFound, 200, "users_not_found", 0},
		{"message_not_found", sl.SlackErrorResponse{Err: "message_not_found"}, directory.KindNotFound, 200, "message_not_found", 0},
		{"ok:false ratelimited", sl.SlackErrorResponse{Err: "ratelimited"}, directory.KindThrottled, 200, "ratelimited", 0},
		{"internal_error", sl.SlackErrorResponse{Err: "internal_error"}, directory.KindTransient, 200, "internal_error", 0},
		{"500", sl.StatusCodeError{Code: 500, Status: "500 Internal Server Error"}, directory.KindTransient, 500, "", 0},
		{"503", sl.StatusCodeError{Code: 503, Status: "503 Service Unavailable"}, directory.KindTransient, 503, "", 0},
		{"429 without Retry-After", sl.StatusCodeError{Code: 429, Status: "429 Too Many Requests"}, directory.KindThrottled, 429, "", 0},
		{"404", sl.StatusCodeError{Code: 404, Status: "404 Not Found"}, directory.KindPermanent, 404, "", 0},
		{"deadline", context.DeadlineExceeded, directory.KindTransient, 0, "", 0},
		{"network", io.ErrUnexpectedEOF, directory.KindTransient, 0, "", 0},
		{"already classified", &directory.Error{System: System, Kind: directory.KindUnsupported}, directory.KindUnsupported, 0, "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Classify("op", tc.err)
			var de *directory.Error
			require.ErrorAs(t, err, &de)
			assert.Equal(t, tc.kind, de.Kind)
			assert.Equal(t, tc.status, de.Status)
			assert.Equal(t, tc.code, de.Code)
			assert.Equal(t, tc.retry, de.RetryAfter)
		})
	}
	assert.NoError(t, Classify("op", nil))
}

func TestRedactsTokenFromErrors(t *testing.T) {
	c := &Client{token: botToken}
	err := c.classify("op", io.ErrClosedPipe)
	assert.NotContains(t, err.Error(), botToken)
	err = c.classify("op", &wrapped{msg: "dial failed for " + botToken})
	assert.NotContains(t, err.Error(), botToken)
	assert.Contains(t, err.Error(), "[redacted]")
}

type wrapped struct{ msg string }

func (w *wrapped) Error() string { return w.msg }

func TestParseInteraction(t *testing.T) {
	good, _ := json.Marshal(map[string]any{"type": "block_actions", "user": map[string]any{"id": "U1"},
		"actions": []map[string]any{{"type": "button", "action_id": "approve", "block_id": "b", "value": "act_1"}}})
	cb, err := ParseInteraction([]byte("payload=" + urlEscape(string(good))))
	require.NoError(t, err)
	require.Len(t, cb.ActionCallback.BlockActions, 1)
	assert.Equal(t, "act_1", cb.ActionCallback.BlockActions[0].Value)

	for name, body := range map[string]string{
		"empty":        "",
		"no payload":   "foo=bar",
		"bad escaping": "payload=%zz",
		"not json":     "payload=%7Bnope",
		"no type":      "payload=%7B%7D",
		"oversized":    "payload=" + strings.Repeat("a", MaxBody),
	} {
		_, err := ParseInteraction([]byte(body))
		assert.ErrorIs(t, err, ErrMalformedPayload, name)
	}
}

func TestParseSlashCommand(t *testing.T) {
	sc, err := ParseSlashCommand([]byte("command=%2Felevate&text=User+Administrator+1h&user_id=U1&team_id=T1"))
	require.NoError(t, err)
	assert.Equal(t, "/elevate", sc.Command)
	assert.Equal(t, "User Administrator 1h", sc.Text)
	for _, body := range []string{"", "text=x", "command=%2Fx", "command=%zz"} {
		_, err := ParseSlashCommand([]byte(body))
		assert.ErrorIs(t, err, ErrMalformedPayload, body)
	}
}

func FuzzParseInteraction(f *testing.F) {
	f.Add([]byte("payload=%7B%22type%22%3A%22block_actions%22%7D"))
	f.Add([]byte("payload=%7B"))
	f.Add([]byte(""))
	f.Fuzz(func(t *testing.T, body []byte) {
		cb, err := ParseInteraction(body)
		if err == nil && cb.Type == "" {
			t.Fatal("accepted a payload without a type")
		}
	})
}

// An HR name like this reached a manager's DM as a live link and an @here.
// Every text the client sends (DM, post, update, approval and decision
// blocks) shows it as typed.
func TestEveryTextIsEscaped(t *testing.T) {
	const evil = "<http://evil.example|Click to approve> <!here> & co"
	const shown = "&lt;http://evil.example|Click to approve&gt; &lt;!here&gt; &amp; co"
	e := newEmu(t, slackemu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	mgr := org.Employees[3]
	raw := func(m slackemu.Message) string { return m.Text + string(m.Blocks) }
	noLive := func(what, s string) {
		t.Helper()
		for _, live := range []string{"<http", "<!here>", "\\u003chttp", "\\u003c!here"} {
			assert.NotContains(t, s, live, "%s carries live markup", what)
		}
	}

	_, ts, err := c.DM(ctx, mgr.Email, evil+" starts today", nil)
	require.NoError(t, err)
	m, _ := e.Message(ts)
	assert.Equal(t, shown+" starts today", m.Text)
	noLive("DM", raw(m))

	_, ts, err = c.Post(ctx, "", "alert: "+evil, nil)
	require.NoError(t, err)
	m, _ = e.Message(ts)
	assert.Equal(t, "alert: "+shown, m.Text)

	fields := []Field{{"Requester", evil}}
	ch, ts, err := c.ApprovalMessage(ctx, mgr.Email, "Request by "+evil, fields, "r1:approve", "r1:deny")
	require.NoError(t, err)
	m, _ = e.Message(ts)
	noLive("approval", raw(m))
	assert.Contains(t, m.Text, shown)

	require.NoError(t, c.Update(ctx, ch, ts, "Decided: "+evil, DecisionBlocks("Request by "+evil, fields, "Approved by "+evil)))
	m, _ = e.Message(ts)
	noLive("update", raw(m))
	assert.Equal(t, "Decided: "+shown, m.Text)

	assert.Equal(t, shown, Escape(evil))
	assert.Equal(t, "plain text stays", Escape("plain text stays"))
}

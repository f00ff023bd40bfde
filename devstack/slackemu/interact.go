package slackemu

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Sign returns Slack's v0 signature of body sent at ts:
// "v0=" + hex(HMAC-SHA256(secret, "v0:<ts>:<body>")).
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:", ts)
	mac.Write(body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

// hook is what one response_url may act on.
type hook struct {
	channel string
	ts      string // the message a button sat on; empty for slash commands
	user    string
	expires time.Time
	uses    int // accepted posts so far
}

// Slack's response_urls accept up to five uses within 30 minutes; beyond,
// Slack answers 404 with "used_url" or "expired_url".
const (
	hookTTL  = 30 * time.Minute
	hookUses = 5
)

func (s *state) baseURL() string {
	if u := s.srv.URL(); u != "" {
		return u
	}
	if b, _ := s.base.Load().(string); b != "" {
		return b
	}
	return "http://127.0.0.1"
}

func (s *state) newHookLocked(base string, h hook) string {
	tok := randomID(12)
	h.expires = s.cfg.Now().Add(hookTTL)
	s.hooks[tok] = &h
	return base + "/actions/" + TeamID + "/" + randomID(4) + "/" + tok
}

// SetCallbackURLs points button presses and slash commands at the app
// (the intake, once it listens); an empty value leaves that URL as it is.
func (e *Emulator) SetCallbackURLs(requestURL, slashCommandURL string) {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	if requestURL != "" {
		e.st.cfg.RequestURL = requestURL
	}
	if slashCommandURL != "" {
		e.st.cfg.SlashCommandURL = slashCommandURL
	}
}

func (s *state) urls() (requestURL, slashCommandURL string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg.RequestURL, s.cfg.SlashCommandURL
}

// ErrNoRequestURL is returned when a callback has nowhere to go.
var ErrNoRequestURL = errors.New("slackemu: no Request URL configured")

// Press presses the button actionID on the message messageTS as the member
// asUserEmail (empty: the DM's recipient) and posts the signed block_actions
// callback to RequestURL, returning the app's answer.
func (e *Emulator) Press(ctx context.Context, messageTS, actionID, asUserEmail string) (int, string, error) {
	return e.st.press(ctx, messageTS, actionID, asUserEmail)
}

func (s *state) press(ctx context.Context, messageTS, actionID, asUserEmail string) (int, string, error) {
	requestURL, _ := s.urls()
	if requestURL == "" {
		return 0, "", ErrNoRequestURL
	}
	base := s.baseURL()
	s.mu.Lock()
	m := s.byTS[messageTS]
	if m == nil {
		s.mu.Unlock()
		return 0, "", fmt.Errorf("slackemu: no message %q", messageTS)
	}
	var btn *Button
	for i := range m.Buttons {
		if m.Buttons[i].ActionID == actionID {
			btn = &m.Buttons[i]
			break
		}
	}
	if btn == nil {
		s.mu.Unlock()
		return 0, "", fmt.Errorf("slackemu: message %s has no button %q", messageTS, actionID)
	}
	if asUserEmail == "" {
		asUserEmail = m.Recipient
	}
	u := s.byEmail[strings.ToLower(asUserEmail)]
	if u == nil {
		s.mu.Unlock()
		return 0, "", fmt.Errorf("slackemu: no member %q to press as", asUserEmail)
	}
	c := s.channels[m.Channel]
	chName := c.Name
	if c.IsIM {
		chName = "directmessage"
	}
	now := time.Now()
	actionTS := fmt.Sprintf("%d.%06d", now.Unix(), now.Nanosecond()/1000)
	payload := map[string]any{
		"type":                  "block_actions",
		"user":                  map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": TeamID},
		"api_app_id":            AppID,
		"token":                 "emulated-verification-token",
		"container":             map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false},
		"trigger_id":            s.newTriggerLocked(u.ID),
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"enterprise":            nil,
		"is_enterprise_install": false,
		"channel":               map[string]any{"id": m.Channel, "name": chName},
		"message":               s.messageJSON(m),
		"state":                 map[string]any{"values": map[string]any{}},
		"response_url":          s.newHookLocked(base, hook{channel: m.Channel, ts: m.TS, user: u.ID}),
		"actions": []map[string]any{{
			"type": "button", "action_id": btn.ActionID, "block_id": btn.BlockID, "value": btn.Value,
			"text":      map[string]any{"type": "plain_text", "text": btn.Text, "emoji": true},
			"style":     btn.Style,
			"action_ts": actionTS,
		}},
	}
	s.mu.Unlock()
	raw, err := json.Marshal(payload)
	if err != nil {
		return 0, "", err
	}
	form := url.Values{"payload": {string(raw)}}
	return s.postSigned(ctx, requestURL, form)
}

// SlashCommand sends `command text` as the member asUserEmail to
// SlashCommandURL, signed, and returns the app's answer. A JSON or text
// answer is also stored as an ephemeral reply in the member's DM.
func (e *Emulator) SlashCommand(ctx context.Context, asUserEmail, command, text string) (int, string, error) {
	return e.st.slash(ctx, asUserEmail, command, text)
}

func (s *state) slash(ctx context.Context, asUserEmail, command, text string) (int, string, error) {
	_, slashURL := s.urls()
	if slashURL == "" {
		return 0, "", ErrNoRequestURL
	}
	if !strings.HasPrefix(command, "/") {
		command = "/" + command
	}
	base := s.baseURL()
	s.mu.Lock()
	u := s.byEmail[strings.ToLower(asUserEmail)]
	if u == nil {
		s.mu.Unlock()
		return 0, "", fmt.Errorf("slackemu: no member %q", asUserEmail)
	}
	c := s.resolveLocked(u.ID, true)
	now := time.Now()
	form := url.Values{
		"token":                 {"emulated-verification-token"},
		"team_id":               {TeamID},
		"team_domain":           {TeamDomain},
		"channel_id":            {c.ID},
		"channel_name":          {"directmessage"},
		"user_id":               {u.ID},
		"user_name":             {u.Name},
		"command":               {command},
		"text":                  {text},
		"api_app_id":            {AppID},
		"is_enterprise_install": {"false"},
		"response_url":          {s.newHookLocked(base, hook{channel: c.ID, user: u.ID})},
		"trigger_id":            {fmt.Sprintf("%d.%s", now.UnixNano(), randomID(8))},
	}
	s.mu.Unlock()
	status, body, err := s.postSigned(ctx, slashURL, form)
	if err == nil && status == http.StatusOK && strings.TrimSpace(body) != "" {
		reply := struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}{}
		if json.Unmarshal([]byte(body), &reply) != nil {
			reply.Text = body
		}
		s.addReply(c.ID, reply.Text, string(reply.Blocks), u.ID, true)
	}
	return status, body, err
}

// addReply stores a reply in channel; an ephemeral one is visible to the
// member user only.
func (s *state) addReply(channel, text, blocks, user string, ephemeral bool) {
	bl, buttons, _ := prepareBlocks(blocks)
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.channels[channel]
	m := &Message{Channel: channel, TS: s.nextTSLocked(), User: BotUserID, Text: text, Blocks: bl, Buttons: buttons, Ephemeral: ephemeral, Recipient: s.recipientLocked(c)}
	if u := s.users[user]; ephemeral && u != nil {
		m.VisibleTo = u.Email
	}
	s.msgs = append(s.msgs, m)
	s.byTS[m.TS] = m
}

// postSigned posts form to target with Slack's signature headers.
func (s *state) postSigned(ctx context.Context, target string, form url.Values) (int, string, error) {
	body := []byte(form.Encode())
	ts := time.Now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", Sign(s.cfg.SigningSecret, ts, body))
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	return resp.StatusCode, string(out), err
}

// serveResponseURL handles POSTs to a response_url: replace_original
// rewrites the message the button sat on, delete_original removes it,
// anything else adds a reply in the conversation. Like Slack, a URL takes
// five accepted posts within 30 minutes, then answers 404 used_url or
// expired_url; a refused post (400) does not count.
func (s *state) serveResponseURL(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		emulator.WriteJSON(w, http.StatusMethodNotAllowed, map[string]any{"ok": false, "error": "method_not_allowed"})
		return
	}
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/actions/"), "/")
	tok := parts[len(parts)-1]
	s.mu.Lock()
	hp, found := s.hooks[tok]
	var h hook
	refusal := ""
	switch {
	case !found || !s.cfg.Now().Before(hp.expires):
		refusal = "expired_url"
	case hp.uses >= hookUses:
		refusal = "used_url"
	default:
		hp.uses++ // reserved now, so concurrent posts cannot pass the limit
		h = *hp
	}
	s.mu.Unlock()
	if refusal != "" {
		emulator.WriteJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": refusal})
		return
	}
	ok := false
	defer func() {
		if !ok { // refused: give the use back
			s.mu.Lock()
			hp.uses--
			s.mu.Unlock()
		}
	}()
	var msg struct {
		Text            string          `json:"text"`
		Blocks          json.RawMessage `json:"blocks"`
		ReplaceOriginal bool            `json:"replace_original"`
		DeleteOriginal  bool            `json:"delete_original"`
		ResponseType    string          `json:"response_type"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody)).Decode(&msg); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_payload"})
		return
	}
	blocks := string(msg.Blocks)
	if blocks == "null" {
		blocks = ""
	}
	switch {
	case (msg.ReplaceOriginal || msg.DeleteOriginal) && h.ts == "":
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "no_original_message"})
		return
	case msg.DeleteOriginal:
		s.mu.Lock()
		for i, m := range s.msgs {
			if m.TS == h.ts {
				s.msgs = append(s.msgs[:i], s.msgs[i+1:]...)
				break
			}
		}
		delete(s.byTS, h.ts)
		s.mu.Unlock()
	case msg.ReplaceOriginal:
		bl, buttons, valid := prepareBlocks(blocks)
		if !valid {
			emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_blocks"})
			return
		}
		s.mu.Lock()
		m := s.byTS[h.ts]
		if m != nil {
			m.Text, m.Blocks, m.Buttons, m.Edited = msg.Text, bl, buttons, true
		}
		s.mu.Unlock()
		if m == nil {
			emulator.WriteJSON(w, http.StatusNotFound, map[string]any{"ok": false, "error": "message_not_found"})
			return
		}
	default:
		if _, _, valid := prepareBlocks(blocks); !valid {
			emulator.WriteJSON(w, http.StatusBadRequest, map[string]any{"ok": false, "error": "invalid_blocks"})
			return
		}
		s.addReply(h.channel, msg.Text, blocks, h.user, msg.ResponseType != "in_channel")
	}
	ok = true
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// pressRequest and slashRequest are the bodies of the admin routes.
type pressRequest struct {
	MessageTS string `json:"message_ts"`
	ActionID  string `json:"action_id"`
	UserEmail string `json:"user_email"`
}

type slashRequest struct {
	UserEmail string `json:"user_email"`
	Command   string `json:"command"`
	Text      string `json:"text"`
}

type callbackResult struct {
	Status int    `json:"status"`
	Body   string `json:"body"`
	Error  string `json:"error,omitempty"`
}

// ServeHTTP makes state an http.Handler so the frame hands it the admin
// routes it does not know.
func (s *state) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.base.Store(emulator.BaseURL(r))
	p := strings.TrimPrefix(r.URL.Path, emulator.AdminPrefix)
	if r.Method == http.MethodPost && (p == "submit" || p == "close") {
		s.serveSubmit(w, r, p == "close") // views.go
		return
	}
	if r.Method != http.MethodPost || (p != "press" && p != "slash") {
		emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin route " + r.URL.Path})
		return
	}
	var (
		status int
		body   string
		err    error
	)
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
	if p == "press" {
		var in pressRequest
		if err := dec.Decode(&in); err != nil {
			emulator.WriteJSON(w, http.StatusBadRequest, callbackResult{Error: "press: " + err.Error()})
			return
		}
		status, body, err = s.press(r.Context(), in.MessageTS, in.ActionID, in.UserEmail)
	} else {
		var in slashRequest
		if err := dec.Decode(&in); err != nil {
			emulator.WriteJSON(w, http.StatusBadRequest, callbackResult{Error: "slash: " + err.Error()})
			return
		}
		status, body, err = s.slash(r.Context(), in.UserEmail, in.Command, in.Text)
	}
	if err != nil {
		emulator.WriteJSON(w, http.StatusBadGateway, callbackResult{Error: err.Error()})
		return
	}
	emulator.WriteJSON(w, http.StatusOK, callbackResult{Status: status, Body: body})
}

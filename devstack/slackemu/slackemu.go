// Package slackemu emulates the slice of the Slack Web API that jml uses
// (auth.test, chat.postMessage, chat.update, conversations.open,
// users.lookupByEmail, users.info) closely enough that github.com/slack-go/slack
// talks to it unchanged, and plays Slack's side of interactivity: it posts
// signed block_actions and slash-command callbacks to the app's Request URL
// and serves the response_url those callbacks carry. A small web page (GET /)
// shows every conversation with working buttons for `jml dev`.
package slackemu

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// Fixed identities of the emulated workspace and app.
const (
	TeamID     = "TJMLDEMO1"
	TeamDomain = "demo-jml"
	TeamName   = "jml demo"
	AppID      = "AJML00001"
	BotUserID  = "UJMLBOT01"
	BotID      = "BJMLBOT01"
	BotName    = "jml"

	// Channels every seeded workspace has.
	SecurityAlerts = "security-alerts"
	ITOps          = "it-ops"
)

// maxBody bounds every request body the emulator reads.
const maxBody = 1 << 20

// Config configures the emulator.
type Config struct {
	BotToken      string // the xoxb- token the app must present
	SigningSecret string // signs outbound callbacks
	// RequestURL is where button presses are posted: the jml intake's Slack
	// interactivity endpoint.
	RequestURL      string
	SlashCommandURL string
}

// User is one workspace member.
type User struct {
	ID       string `json:"id"`
	Name     string `json:"name"` // username
	RealName string `json:"real_name"`
	Email    string `json:"email"`
	Title    string `json:"title,omitempty"`
	Deleted  bool   `json:"deleted"`
}

// Channel is a public channel or a direct-message conversation.
type Channel struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"` // empty for DMs
	User string `json:"user,omitempty"` // the other member of a DM
	IsIM bool   `json:"is_im"`
}

// Button is one button of a message's blocks.
type Button struct {
	BlockID  string `json:"block_id"`
	ActionID string `json:"action_id"`
	Value    string `json:"value,omitempty"`
	Text     string `json:"text"`
	Style    string `json:"style,omitempty"`
}

// Message is one posted message as the emulator stores it.
type Message struct {
	Channel   string          `json:"channel"`
	TS        string          `json:"ts"`
	User      string          `json:"user"` // sender (the bot for API posts)
	Text      string          `json:"text"`
	Blocks    json.RawMessage `json:"blocks,omitempty"`
	Buttons   []Button        `json:"buttons,omitempty"`
	Edited    bool            `json:"edited,omitempty"`
	Ephemeral bool            `json:"ephemeral,omitempty"` // a response_url / slash-command reply
	// Recipient is the email of the DM's other member (empty in channels).
	Recipient string `json:"recipient,omitempty"`
}

// Emulator is the Slack emulator: the common frame plus Slack's state.
type Emulator struct {
	*emulator.Server
	st *state
}

type state struct {
	cfg    Config
	client *http.Client
	base   atomic.Value // string: last base URL a request reached us on

	mu       sync.Mutex
	users    map[string]*User // by id
	byEmail  map[string]*User // lower-cased email
	order    []string         // user ids in seed order
	channels map[string]*Channel
	byName   map[string]*Channel
	dms      map[string]*Channel // user id -> DM
	msgs     []*Message          // in post order
	byTS     map[string]*Message
	lastSec  int64
	seq      int
	hooks    map[string]hook // response_url token -> what it may act on
	srv      *emulator.Server
	nextUser int
}

// New builds an emulator; call Start("127.0.0.1:0") to serve it.
func New(cfg Config) *Emulator {
	st := &state{
		cfg:      cfg,
		client:   &http.Client{Timeout: 15 * time.Second},
		users:    map[string]*User{},
		byEmail:  map[string]*User{},
		channels: map[string]*Channel{},
		byName:   map[string]*Channel{},
		dms:      map[string]*Channel{},
		byTS:     map[string]*Message{},
		hooks:    map[string]hook{},
	}
	st.addChannel("C0SECALRT", SecurityAlerts)
	st.addChannel("C0ITOPS01", ITOps)
	st.users[BotUserID] = &User{ID: BotUserID, Name: BotName, RealName: "jml"}
	st.srv = emulator.New(st)
	return &Emulator{Server: st.srv, st: st}
}

func (s *state) addChannel(id, name string) {
	c := &Channel{ID: id, Name: name}
	s.channels[id] = c
	s.byName[name] = c
}

// Seed adds one Slack user per employee (not for joiners: they have no
// account yet).
func (e *Emulator) Seed(org demoorg.Org) {
	for _, emp := range org.Employees {
		id := "U" + strings.ToUpper(emp.EmployeeID)
		e.st.addUser(&User{ID: id, Name: strings.SplitN(emp.Email, "@", 2)[0], RealName: emp.GivenName + " " + emp.FamilyName, Email: emp.Email, Title: emp.Title})
	}
}

// AddUser adds a member and returns their user id.
func (e *Emulator) AddUser(email, realName string) string {
	e.st.mu.Lock()
	e.st.nextUser++
	id := fmt.Sprintf("UX%07d", e.st.nextUser)
	e.st.mu.Unlock()
	e.st.addUser(&User{ID: id, Name: strings.SplitN(email, "@", 2)[0], RealName: realName, Email: email})
	return id
}

// Deactivate marks a member deleted (lookups then fail as Slack does).
func (e *Emulator) Deactivate(email string) bool {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	u := e.st.byEmail[strings.ToLower(email)]
	if u == nil {
		return false
	}
	u.Deleted = true
	return true
}

func (s *state) addUser(u *User) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.users[u.ID]; !ok {
		s.order = append(s.order, u.ID)
	}
	s.users[u.ID] = u
	s.byEmail[strings.ToLower(u.Email)] = u
}

// UserByEmail returns a copy of the member with that email.
func (e *Emulator) UserByEmail(email string) (User, bool) {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	u := e.st.byEmail[strings.ToLower(email)]
	if u == nil {
		return User{}, false
	}
	return *u, true
}

// Users returns every member in seed order.
func (e *Emulator) Users() []User {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	out := make([]User, 0, len(e.st.order))
	for _, id := range e.st.order {
		out = append(out, *e.st.users[id])
	}
	return out
}

// Messages returns copies of the messages in a conversation, oldest first.
// channelOrUser is a channel id, a channel name (with or without '#'), a
// user id or a user email (both meaning the bot's DM with that user).
func (e *Emulator) Messages(channelOrUser string) []Message {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	return e.st.messagesLocked(channelOrUser)
}

// messagesLocked copies the messages of the conversation ref names (see
// Messages), oldest first; nil when there are none.
func (s *state) messagesLocked(ref string) []Message {
	c := s.resolveLocked(ref, false)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range s.msgs {
		if m.Channel == c.ID {
			out = append(out, copyMsg(m))
		}
	}
	return out
}

// MessagesTo returns the DMs the bot sent to the member with that email.
func (e *Emulator) MessagesTo(email string) []Message {
	if _, ok := e.UserByEmail(email); !ok {
		return nil
	}
	return e.Messages(email)
}

// Message returns the message with that ts.
func (e *Emulator) Message(ts string) (Message, bool) {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	m := e.st.byTS[ts]
	if m == nil {
		return Message{}, false
	}
	return copyMsg(m), true
}

// Buttons returns the buttons of the message with that ts.
func (e *Emulator) Buttons(messageTS string) []Button {
	m, _ := e.Message(messageTS)
	return m.Buttons
}

// AllMessages returns every message, oldest first.
func (e *Emulator) AllMessages() []Message {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	out := make([]Message, 0, len(e.st.msgs))
	for _, m := range e.st.msgs {
		out = append(out, copyMsg(m))
	}
	return out
}

func copyMsg(m *Message) Message {
	c := *m
	c.Blocks = append(json.RawMessage(nil), m.Blocks...)
	c.Buttons = append([]Button(nil), m.Buttons...)
	return c
}

// resolveLocked finds a conversation; open creates a missing DM.
func (s *state) resolveLocked(ref string, open bool) *Channel {
	if c := s.channels[ref]; c != nil {
		return c
	}
	if c := s.byName[strings.TrimPrefix(ref, "#")]; c != nil {
		return c
	}
	u := s.users[ref]
	if u == nil {
		u = s.byEmail[strings.ToLower(ref)]
	}
	if u == nil || u.ID == BotUserID {
		return nil
	}
	if c := s.dms[u.ID]; c != nil {
		return c
	}
	if !open {
		return nil
	}
	c := &Channel{ID: "D" + u.ID[1:], User: u.ID, IsIM: true}
	s.dms[u.ID] = c
	s.channels[c.ID] = c
	return c
}

// nextTSLocked returns a unique, increasing Slack timestamp.
func (s *state) nextTSLocked() string {
	now := time.Now().Unix()
	if now > s.lastSec {
		s.lastSec, s.seq = now, 0
	}
	s.seq++
	if s.seq > 999999 {
		s.lastSec++
		s.seq = 1
	}
	return fmt.Sprintf("%d.%06d", s.lastSec, s.seq)
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ---- emulator.API ----

// Family is the Web API method name ("chat.postMessage"), or "ui" /
// "response_url" for the page and the interactivity hooks.
func (s *state) Family(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		return strings.TrimPrefix(p, "/api/")
	case strings.HasPrefix(p, "/actions/"):
		return "response_url"
	default:
		return "ui"
	}
}

// Throttled answers like Slack: 429 with Retry-After in seconds.
func (s *state) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, _ time.Time) {
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter))
	emulator.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
}

// Failed answers an injected failure; Slack sends HTML with 5xx.
func (s *state) Failed(w http.ResponseWriter, r *http.Request, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
}

// Authorized checks the bot token (form field token or Authorization:
// Bearer) on Web API methods. The page and response_url hooks carry no
// token: the hook's secret is its path.
func (s *state) Authorized(w http.ResponseWriter, r *http.Request) bool {
	s.base.Store(emulator.BaseURL(r))
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		fail(w, "invalid_form_data")
		return false
	}
	tok := r.Form.Get("token")
	if h := r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	switch {
	case tok == "":
		fail(w, "not_authed")
		return false
	case tok != s.cfg.BotToken:
		fail(w, "invalid_auth")
		return false
	}
	return true
}

// ServeAPI dispatches Web API methods, hooks and the page.
func (s *state) ServeAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		s.serveMethod(w, r, strings.TrimPrefix(p, "/api/"))
	case strings.HasPrefix(p, "/actions/"):
		s.serveResponseURL(w, r)
	default:
		s.serveUI(w, r)
	}
}

func fail(w http.ResponseWriter, code string) {
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

func ok(w http.ResponseWriter, fields map[string]any) {
	fields["ok"] = true
	emulator.WriteJSON(w, http.StatusOK, fields)
}

func (s *state) serveMethod(w http.ResponseWriter, r *http.Request, method string) {
	f := r.Form
	switch method {
	case "auth.test":
		ok(w, map[string]any{"url": "https://" + TeamDomain + ".slack.com/", "team": TeamName, "user": BotName, "team_id": TeamID, "user_id": BotUserID, "bot_id": BotID, "is_enterprise_install": false})
	case "users.lookupByEmail":
		s.mu.Lock()
		u := s.byEmail[strings.ToLower(f.Get("email"))]
		var out map[string]any
		if u != nil && !u.Deleted {
			out = userJSON(u)
		}
		s.mu.Unlock()
		if f.Get("email") == "" {
			fail(w, "invalid_arguments")
			return
		}
		if out == nil {
			fail(w, "users_not_found")
			return
		}
		ok(w, map[string]any{"user": out})
	case "users.info":
		s.mu.Lock()
		u := s.users[f.Get("user")]
		var out map[string]any
		if u != nil {
			out = userJSON(u)
		}
		s.mu.Unlock()
		if out == nil {
			fail(w, "user_not_found")
			return
		}
		ok(w, map[string]any{"user": out})
	case "conversations.open":
		s.conversationsOpen(w, f.Get("users"), f.Get("channel"))
	case "chat.postMessage":
		s.postMessage(w, f.Get("channel"), f.Get("text"), f.Get("blocks"))
	case "chat.update":
		s.update(w, f.Get("channel"), f.Get("ts"), f.Get("text"), f.Get("blocks"), f.Has("blocks"))
	default:
		fail(w, "unknown_method")
	}
}

func userJSON(u *User) map[string]any {
	first, last, _ := strings.Cut(u.RealName, " ")
	return map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName, "deleted": u.Deleted,
		"is_bot": u.ID == BotUserID, "tz": "Europe/London",
		"profile": map[string]any{"email": u.Email, "real_name": u.RealName, "display_name": u.Name, "first_name": first, "last_name": last, "title": u.Title, "team": TeamID},
	}
}

func (s *state) conversationsOpen(w http.ResponseWriter, users, channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if users == "" && channel == "" {
		fail(w, "users_list_not_supplied")
		return
	}
	if channel != "" {
		c := s.channels[channel]
		if c == nil || !c.IsIM {
			fail(w, "channel_not_found")
			return
		}
		ok(w, map[string]any{"channel": map[string]any{"id": c.ID}, "already_open": true, "no_op": true})
		return
	}
	ids := strings.Split(users, ",")
	if len(ids) > 1 {
		fail(w, "not_supported") // multi-person DMs are outside jml's needs
		return
	}
	u := s.users[strings.TrimSpace(ids[0])]
	if u == nil || u.ID == BotUserID {
		fail(w, "user_not_found")
		return
	}
	if u.Deleted {
		fail(w, "user_disabled")
		return
	}
	_, had := s.dms[u.ID]
	c := s.resolveLocked(u.ID, true)
	ok(w, map[string]any{"channel": map[string]any{"id": c.ID}, "already_open": had, "no_op": had})
}

// prepareBlocks validates blocks JSON, fills in the block_id and action_id
// Slack generates when missing, and extracts the buttons.
func prepareBlocks(raw string) (json.RawMessage, []Button, bool) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil, true
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, nil, false
	}
	var buttons []Button
	for i, b := range blocks {
		if _, ok := b["type"].(string); !ok {
			return nil, nil, false
		}
		bid, _ := b["block_id"].(string)
		if bid == "" {
			bid = fmt.Sprintf("b%d%s", i, randomID(2))
			b["block_id"] = bid
		}
		var elems []any
		if es, ok := b["elements"].([]any); ok && b["type"] == "actions" {
			elems = es
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			elems = append(elems, acc)
		}
		for j, e := range elems {
			el, ok := e.(map[string]any)
			if !ok || el["type"] != "button" {
				continue
			}
			aid, _ := el["action_id"].(string)
			if aid == "" {
				aid = fmt.Sprintf("a%d%s", j, randomID(2))
				el["action_id"] = aid
			}
			btn := Button{BlockID: bid, ActionID: aid}
			btn.Value, _ = el["value"].(string)
			btn.Style, _ = el["style"].(string)
			if t, ok := el["text"].(map[string]any); ok {
				btn.Text, _ = t["text"].(string)
			}
			buttons = append(buttons, btn)
		}
	}
	out, err := json.Marshal(blocks)
	if err != nil {
		return nil, nil, false
	}
	return out, buttons, true
}

func (s *state) recipientLocked(c *Channel) string {
	if c.IsIM {
		if u := s.users[c.User]; u != nil {
			return u.Email
		}
	}
	return ""
}

func (s *state) messageJSON(m *Message) map[string]any {
	out := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": TeamID}
	if m.User == BotUserID {
		out["bot_id"] = BotID
		out["app_id"] = AppID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.Edited {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return out
}

func (s *state) postMessage(w http.ResponseWriter, channel, text, blocks string) {
	if channel == "" {
		fail(w, "channel_not_found")
		return
	}
	bl, buttons, valid := prepareBlocks(blocks)
	if !valid {
		fail(w, "invalid_blocks")
		return
	}
	if text == "" && len(bl) == 0 {
		fail(w, "no_text")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveLocked(channel, true)
	if c == nil {
		fail(w, "channel_not_found")
		return
	}
	m := &Message{Channel: c.ID, TS: s.nextTSLocked(), User: BotUserID, Text: text, Blocks: bl, Buttons: buttons, Recipient: s.recipientLocked(c)}
	s.msgs = append(s.msgs, m)
	s.byTS[m.TS] = m
	ok(w, map[string]any{"channel": c.ID, "ts": m.TS, "message": s.messageJSON(m)})
}

func (s *state) update(w http.ResponseWriter, channel, ts, text, blocks string, hasBlocks bool) {
	bl, buttons, valid := prepareBlocks(blocks)
	if !valid {
		fail(w, "invalid_blocks")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveLocked(channel, false)
	if c == nil {
		fail(w, "channel_not_found")
		return
	}
	m := s.byTS[ts]
	if m == nil || m.Channel != c.ID {
		fail(w, "message_not_found")
		return
	}
	if m.User != BotUserID {
		fail(w, "cant_update_message")
		return
	}
	if text == "" && !hasBlocks {
		fail(w, "no_text")
		return
	}
	m.Text = text
	if hasBlocks {
		m.Blocks, m.Buttons = bl, buttons
	}
	m.Edited = true
	ok(w, map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": s.messageJSON(m)})
}

// Snapshot is GET /__admin/state.
func (s *state) Snapshot() any {
	s.mu.Lock()
	defer s.mu.Unlock()
	var chans []Channel
	for _, c := range s.channels {
		chans = append(chans, *c)
	}
	sort.Slice(chans, func(i, j int) bool { return chans[i].ID < chans[j].ID })
	msgs := make([]Message, 0, len(s.msgs))
	for _, m := range s.msgs {
		msgs = append(msgs, copyMsg(m))
	}
	return map[string]any{"team_id": TeamID, "users": len(s.order), "channels": chans, "messages": msgs}
}

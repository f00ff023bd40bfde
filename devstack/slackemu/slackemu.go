// Package slackemu emulates the slice of the Slack Web API that jml uses
// (auth.test, chat.postMessage, chat.update, conversations.open,
// users.lookupByEmail, users.info, views.open) closely enough that
// github.com/slack-go/slack talks to it unchanged, and plays Slack's side of
// interactivity: it posts signed block_actions, view_submission and
// slash-command callbacks to the app's Request URL and serves the
// response_url those callbacks carry. A small web page (GET /)
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
	// Now is the emulator's clock (default time.Now): a test moves it to
	// expire response_urls.
	Now func() time.Time
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
	// VisibleTo is the email of the only member who sees an ephemeral
	// reply: the one who pressed or typed (Slack shows it to nobody else).
	VisibleTo string `json:"visible_to,omitempty"`
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
	hooks    map[string]*hook   // response_url token -> what it may act on
	triggers map[string]trigger // trigger_id -> who may open a view with it (views.go)
	views    map[string]*View   // view id -> modal (views.go)
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
		hooks:    map[string]*hook{},
		triggers: map[string]trigger{},
		views:    map[string]*View{},
	}
	if st.cfg.Now == nil {
		st.cfg.Now = time.Now
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
	views := []View{}
	for _, v := range s.views {
		c := *v
		c.raw = nil
		views = append(views, c)
	}
	sortViews(views)
	return map[string]any{"team_id": TeamID, "users": len(s.order), "channels": chans, "messages": msgs, "views": views}
}

// Package slack is jml's Slack client: direct messages and channel posts
// through github.com/slack-go/slack, approval messages with Approve/Deny
// buttons, and the verification and parsing of Slack's signed
// interactivity callbacks. Every failure is one *directory.Error.
package slack

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/integrations/directory"
)

// System names Slack in errors.
const System = "slack"

// DefaultAPIURL is Slack's Web API base (the SDK's default).
const DefaultAPIURL = "https://slack.com/api/"

// Action ids of the approval buttons.
const (
	ActionApprove = "approve"
	ActionDeny    = "deny"
	// ApprovalBlockID is the block id of the approval buttons.
	ApprovalBlockID = "jml_approval"
)

// maxValueLen is Slack's limit on a button value.
const maxValueLen = 2000

// Options configures a Client.
type Options struct {
	BotToken   string
	APIURL     string // empty = real Slack; must end in "/" (the SDK appends method names)
	HTTPClient *http.Client
	// SecurityChannel is where Post goes when no channel is given (e.g. "#security-alerts").
	SecurityChannel string
	// Retries is how many times the SDK retries a 429 after waiting its
	// Retry-After: 0 means 2, negative means none (the caller sees Throttled).
	Retries int
	// Limiter, when set, paces every call client-side.
	Limiter *directory.Limiter
}

// Client talks to one Slack workspace as the jml bot.
type Client struct {
	api      *sl.Client
	token    string
	security string
}

// Field is one labelled line of an approval message.
type Field struct {
	Label string
	Value string
}

// User is the part of a Slack member jml needs.
type User struct {
	ID       string
	Name     string
	RealName string
	Email    string
	Deleted  bool
}

// New builds a client. It makes no call.
func New(opts Options) (*Client, error) {
	if opts.BotToken == "" {
		return nil, &directory.Error{System: System, Op: "New", Kind: directory.KindPermanent, Message: "bot token is required"}
	}
	base := opts.APIURL
	if base == "" {
		base = DefaultAPIURL
	}
	if !strings.HasSuffix(base, "/") {
		base += "/" // the SDK builds URLs as base + method name
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Limiter != nil {
		c := *hc
		c.Transport = opts.Limiter.Transport(c.Transport)
		hc = &c
	}
	retries := opts.Retries
	if retries == 0 {
		retries = 2
	}
	sdkOpts := []sl.Option{sl.OptionAPIURL(base), sl.OptionHTTPClient(hc)}
	if retries > 0 {
		sdkOpts = append(sdkOpts, sl.OptionRetry(retries)) // after OptionHTTPClient: it wraps that client
	}
	return &Client{api: sl.New(opts.BotToken, sdkOpts...), token: opts.BotToken, security: opts.SecurityChannel}, nil
}

// LookupByEmail finds the member with that email (users.lookupByEmail).
// A missing or deactivated member is a NotFound error.
func (c *Client) LookupByEmail(ctx context.Context, email string) (User, error) {
	const op = "users.lookupByEmail"
	if strings.TrimSpace(email) == "" {
		return User{}, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "email is required"}
	}
	u, err := c.api.GetUserByEmailContext(ctx, email)
	if err != nil {
		return User{}, c.classify(op, err)
	}
	if u.Deleted {
		return User{}, &directory.Error{System: System, Op: op, Kind: directory.KindNotFound, Code: "user_deleted", Message: "member is deactivated"}
	}
	return User{ID: u.ID, Name: u.Name, RealName: u.RealName, Email: u.Profile.Email, Deleted: u.Deleted}, nil
}

// UserInfo returns the member with that user id (users.info), so a signed
// callback's user id can be tied to an email. A deactivated member is a
// NotFound error.
func (c *Client) UserInfo(ctx context.Context, userID string) (User, error) {
	const op = "users.info"
	if strings.TrimSpace(userID) == "" {
		return User{}, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "user id is required"}
	}
	u, err := c.api.GetUserInfoContext(ctx, userID)
	if err != nil {
		return User{}, c.classify(op, err)
	}
	if u.Deleted {
		return User{}, &directory.Error{System: System, Op: op, Kind: directory.KindNotFound, Code: "user_deleted", Message: "member is deactivated"}
	}
	return User{ID: u.ID, Name: u.Name, RealName: u.RealName, Email: u.Profile.Email, Deleted: u.Deleted}, nil
}

// DM sends a direct message from the bot to the member with that email
// (users.lookupByEmail → conversations.open → chat.postMessage) and
// returns the DM channel id and the message ts.
func (c *Client) DM(ctx context.Context, email, text string, blocks []sl.Block) (channel, ts string, err error) {
	u, err := c.LookupByEmail(ctx, email)
	if err != nil {
		return "", "", err
	}
	ch, _, _, err := c.api.OpenConversationContext(ctx, &sl.OpenConversationParameters{Users: []string{u.ID}})
	if err != nil {
		return "", "", c.classify("conversations.open", err)
	}
	if ch == nil || ch.ID == "" {
		return "", "", &directory.Error{System: System, Op: "conversations.open", Kind: directory.KindTransient, Message: "no channel in the answer"}
	}
	return c.post(ctx, ch.ID, text, blocks)
}

// Post posts to a channel (id or "#name"); an empty channel means the
// SecurityChannel.
func (c *Client) Post(ctx context.Context, channel, text string, blocks []sl.Block) (string, string, error) {
	if channel == "" {
		channel = c.security
	}
	if channel == "" {
		return "", "", &directory.Error{System: System, Op: "chat.postMessage", Kind: directory.KindPermanent, Message: "no channel given and no security channel configured"}
	}
	return c.post(ctx, channel, text, blocks)
}

// post sends text escaped (Escape): every jml text carries HR or directory
// data (names, titles) and none means Slack markup.
func (c *Client) post(ctx context.Context, channel, text string, blocks []sl.Block) (string, string, error) {
	opts := []sl.MsgOption{sl.MsgOptionText(Escape(text), false)}
	if len(blocks) > 0 {
		opts = append(opts, sl.MsgOptionBlocks(blocks...))
	}
	ch, ts, err := c.api.PostMessageContext(ctx, channel, opts...)
	if err != nil {
		return "", "", c.classify("chat.postMessage", err)
	}
	return ch, ts, nil
}

// Update replaces a message's text and blocks (chat.update); nil blocks
// removes them, so the buttons of a decided approval disappear. The text is
// escaped like post's.
func (c *Client) Update(ctx context.Context, channel, ts, text string, blocks []sl.Block) error {
	opts := []sl.MsgOption{sl.MsgOptionText(Escape(text), false), sl.MsgOptionBlocks(blocks...)}
	if _, _, _, err := c.api.UpdateMessageContext(ctx, channel, ts, opts...); err != nil {
		return c.classify("chat.update", err)
	}
	return nil
}

// ApprovalMessage DMs the approver a request with Approve and Deny buttons
// and returns where it landed. The values travel back in the signed
// callback; they must be opaque ids (never an email or a name), because
// Slack stores and echoes them.
func (c *Client) ApprovalMessage(ctx context.Context, approverEmail, title string, fields []Field, approveValue, denyValue string) (channel, ts string, err error) {
	for _, v := range []string{approveValue, denyValue} {
		if err := checkValue(v); err != nil {
			return "", "", err
		}
	}
	return c.DM(ctx, approverEmail, title, ApprovalBlocks(title, fields, approveValue, denyValue))
}

func checkValue(v string) error {
	switch {
	case v == "":
		return &directory.Error{System: System, Op: "ApprovalMessage", Kind: directory.KindPermanent, Message: "button value is empty"}
	case len(v) > maxValueLen:
		return &directory.Error{System: System, Op: "ApprovalMessage", Kind: directory.KindPermanent, Message: "button value is longer than 2000 bytes"}
	case strings.ContainsAny(v, "@ \t\n"):
		// an email or free text would put PII into Slack's copy of the payload
		return &directory.Error{System: System, Op: "ApprovalMessage", Kind: directory.KindPermanent, Message: "button value must be an opaque id (no '@' or spaces)"}
	}
	return nil
}

// ApprovalBlocks is the Block Kit body of an approval request: the title,
// the fields, and an actions block with Approve and Deny.
func ApprovalBlocks(title string, fields []Field, approveValue, denyValue string) []sl.Block {
	blocks := infoBlocks(title, fields)
	approve := sl.NewButtonBlockElement(ActionApprove, approveValue, sl.NewTextBlockObject(sl.PlainTextType, "Approve", false, false)).WithStyle(sl.StylePrimary)
	deny := sl.NewButtonBlockElement(ActionDeny, denyValue, sl.NewTextBlockObject(sl.PlainTextType, "Deny", false, false)).WithStyle(sl.StyleDanger)
	return append(blocks, sl.NewActionBlock(ApprovalBlockID, approve, deny))
}

// DecisionBlocks is what an approval message becomes once decided: the
// same title and fields and a context line with the outcome, no buttons.
func DecisionBlocks(title string, fields []Field, outcome string) []sl.Block {
	return append(infoBlocks(title, fields), sl.NewContextBlock("", sl.NewTextBlockObject(sl.MarkdownType, Escape(outcome), false, false)))
}

func infoBlocks(title string, fields []Field) []sl.Block {
	blocks := []sl.Block{sl.NewSectionBlock(sl.NewTextBlockObject(sl.MarkdownType, "*"+Escape(title)+"*", false, false), nil, nil)}
	// Slack allows at most 10 fields per section.
	for i := 0; i < len(fields); i += 10 {
		var objs []*sl.TextBlockObject
		for _, f := range fields[i:min(i+10, len(fields))] {
			objs = append(objs, sl.NewTextBlockObject(sl.MarkdownType, "*"+Escape(f.Label)+"*\n"+Escape(f.Value), false, false))
		}
		blocks = append(blocks, sl.NewSectionBlock(nil, objs, nil))
	}
	return blocks
}

// mrkdwn escapes Slack's mrkdwn control characters.
var mrkdwn = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape neutralises Slack's control characters (&, <, >) in text built
// from HR, directory or user data, so `<http://evil|Approve>` or `<!here>`
// in a name shows as typed instead of a live link or a mention. It is the
// one escaping of jml's Slack texts: the client applies it to every text
// and block it sends; the intake to its replies.
func Escape(s string) string { return mrkdwn.Replace(s) }

// redact replaces the token if an error text ever carried it.
func (c *Client) redact(s string) string {
	if c.token != "" {
		s = strings.ReplaceAll(s, c.token, "[redacted]")
	}
	return s
}

func (c *Client) classify(op string, err error) error {
	if err == nil {
		return nil
	}
	e := Classify(op, err)
	var de *directory.Error
	if errors.As(e, &de) {
		de.Message = c.redact(de.Message)
	}
	return e
}

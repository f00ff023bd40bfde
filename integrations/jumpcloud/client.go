// Package jumpcloud is a small net/http client of JumpCloud's console API
// (no official Go SDK is served): the v1 system users and systems, and the
// v2 graph for user groups and device bindings, behind directory.Directory
// and the capabilities JumpCloud really has: ManagerSetter, GroupManager,
// MFAReader, AdminRoleManager (user-level sudo), DeviceManager (bound
// systems, lock on leave), SessionChecker (a suspended user's logins are
// refused) and SignInLogReader (Directory Insights). JumpCloud has no
// licenses and no session revocation endpoint.
package jumpcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jml-dev/jml/integrations/directory"
)

// System is the directory name.
const System = "jumpcloud"

// DefaultBaseURL is JumpCloud's US console (EU: https://console.eu.jumpcloud.com).
const DefaultBaseURL = "https://console.jumpcloud.com"

const maxResponse = 4 << 20

// Options configures the client.
type Options struct {
	BaseURL string // default DefaultBaseURL; paths /api/... are appended
	APIKey  string // x-api-key: an administrator's key (JML_JUMPCLOUD_API_KEY)
	OrgID   string // x-org-id: required for multi-tenant (MSP) keys
	// InsightsURL is the Directory Insights host; default DefaultInsightsURL.
	InsightsURL string
	// HTTPClient is the base client; Limiter (or RequestsPerMinute) wraps it.
	HTTPClient        *http.Client
	Limiter           *directory.Limiter
	RequestsPerMinute int
	PageSize          int // skip/limit page, at most 100 (default)

	MaxAttempts int           // per call, for Throttled/Transient answers; default 4
	MaxWait     time.Duration // longest single wait; default 60s
}

// Client is one JumpCloud organisation.
type Client struct {
	base, key, org string
	insightsBase   string
	hc             *http.Client
	pageSize       int
	attempts       int
	maxWait        time.Duration
	now            func() time.Time
	sleep          func(ctx context.Context, d time.Duration) error

	mu         sync.Mutex
	groupIDs   map[string]string // name → id
	groupNames map[string]string // id → name
	sudo       map[string]string // sudo-enabled groups, id → name, read at sudoAt
	sudoAt     time.Time
}

var (
	_ directory.Directory        = (*Client)(nil)
	_ directory.ManagerSetter    = (*Client)(nil)
	_ directory.GroupManager     = (*Client)(nil)
	_ directory.MFAReader        = (*Client)(nil)
	_ directory.AdminRoleManager = (*Client)(nil)
	_ directory.DeviceManager    = (*Client)(nil)
	_ directory.SessionChecker   = (*Client)(nil)
)

// New builds a client; it does no I/O.
func New(opts Options) (*Client, error) {
	if opts.BaseURL == "" {
		opts.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("jumpcloud: base URL %q is not an http(s) URL", opts.BaseURL)
	}
	if opts.APIKey == "" {
		return nil, errors.New("jumpcloud: API key is required")
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	lim := opts.Limiter
	if lim == nil && opts.RequestsPerMinute > 0 {
		lim = directory.NewLimiter(opts.RequestsPerMinute, max(1, opts.RequestsPerMinute/60)).Named(System)
	}
	if lim != nil {
		cp := *hc
		cp.Transport, cp.Timeout = lim.TimedTransport(hc.Transport, hc.Timeout), 0
		hc = &cp
	}
	if opts.InsightsURL == "" {
		opts.InsightsURL = DefaultInsightsURL
	}
	if iu, err := url.Parse(opts.InsightsURL); err != nil || (iu.Scheme != "https" && iu.Scheme != "http") || iu.Host == "" {
		return nil, fmt.Errorf("jumpcloud: insights URL %q is not an http(s) URL", opts.InsightsURL)
	}
	c := &Client{base: strings.TrimRight(opts.BaseURL, "/"), insightsBase: strings.TrimRight(opts.InsightsURL, "/"), key: opts.APIKey, org: opts.OrgID, hc: hc,
		pageSize: opts.PageSize, attempts: opts.MaxAttempts, maxWait: opts.MaxWait, now: time.Now, sleep: directory.Sleep,
		groupIDs: map[string]string{}, groupNames: map[string]string{}}
	if c.pageSize <= 0 || c.pageSize > 100 {
		c.pageSize = 100
	}
	if c.attempts <= 0 {
		c.attempts = 4
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	return c, nil
}

// Name is "jumpcloud".
func (c *Client) Name() string { return System }

// apiError is JumpCloud's Error schema {code, message, status}; some
// endpoints answer {"error": "..."} or {"message": "..."} alone.
type apiError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Error   string `json:"error"`
}

// defaultThrottleWait is the delay assumed for a 429 without Retry-After.
const defaultThrottleWait = time.Second

// classify turns a non-2xx answer into the one *directory.Error, or nil.
// The key is stripped from the message in case a server echoes it.
func classify(op string, status int, h http.Header, body []byte, now time.Time, key string) *directory.Error {
	if status >= 200 && status < 300 {
		return nil
	}
	var ae apiError
	_ = json.Unmarshal(body, &ae) // a gateway's HTML still classifies by status
	msg := ae.Message
	if msg == "" {
		msg = ae.Error
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[redacted]")
	}
	if len(msg) > 300 {
		n := 300
		for !utf8.RuneStart(msg[n]) {
			n--
		}
		msg = msg[:n] + "…"
	}
	e := &directory.Error{System: System, Op: op, Status: status, Code: ae.Status, Message: msg}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = directory.KindThrottled
		e.RetryAfter = directory.RetryAfter(h, now)
		if e.RetryAfter <= 0 {
			e.RetryAfter = defaultThrottleWait
		}
	case status >= 500, status == http.StatusRequestTimeout:
		e.Kind = directory.KindTransient
		e.RetryAfter = directory.RetryAfter(h, now)
	case status == http.StatusNotFound:
		e.Kind = directory.KindNotFound
	default: // 400 validation and duplicates, 401 bad key, 402 plan, 403, 409
		e.Kind = directory.KindPermanent
	}
	return e
}

// send does one request and never retries; see call.
func (c *Client) send(ctx context.Context, op, method, path string, in, out any) (http.Header, error) {
	return c.sendTo(ctx, c.base, op, method, path, in, out)
}

// sendTo is send to another JumpCloud host (Directory Insights).
func (c *Client) sendTo(ctx context.Context, base, op, method, path string, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "encode request: " + err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, body)
	if err != nil {
		return nil, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "build request: " + err.Error()}
	}
	req.Header.Set("x-api-key", c.key)
	if c.org != "" {
		req.Header.Set("x-org-id", c.org)
	}
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// url.Error names the URL, never the header; strip the key anyway
		return nil, &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Message: strings.ReplaceAll(err.Error(), c.key, "[redacted]")}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Status: resp.StatusCode, Message: "read response: " + err.Error()}
	}
	if e := classify(op, resp.StatusCode, resp.Header, b, c.now(), c.key); e != nil {
		return resp.Header, e
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.Header, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Status: resp.StatusCode, Message: "response is not the expected JSON: " + err.Error()}
		}
	}
	return resp.Header, nil
}

// call sends a request, retrying Throttled and Transient answers with
// bounded backoff that honours Retry-After. Every write jml sends is
// idempotent (PUT of fields, graph add/remove judged by 409/404), so a
// lost answer is safe to resend.
func (c *Client) call(ctx context.Context, op, method, path string, in, out any) error {
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return werr
			}
		}
		_, err = c.send(ctx, op, method, path, in, out)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func retryable(err error) bool {
	var de *directory.Error
	return err != nil && errors.As(err, &de) && (de.Kind == directory.KindThrottled || de.Kind == directory.KindTransient)
}

func (c *Client) wait(err error, attempt int) time.Duration {
	d := 250 * time.Millisecond << (attempt - 1)
	var de *directory.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		d = de.RetryAfter
	}
	return min(d, c.maxWait)
}

// pages walks a v2 list with skip/limit: fetch decodes one page and says
// how many items it held; a short page is the last.
func (c *Client) pages(ctx context.Context, op, path string, fetch func(raw json.RawMessage) (int, error)) error {
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	for skip := 0; ; {
		var raw json.RawMessage
		if err := c.call(ctx, op, http.MethodGet, fmt.Sprintf("%s%slimit=%d&skip=%d", path, sep, c.pageSize, skip), nil, &raw); err != nil {
			return err
		}
		n, err := fetch(raw)
		if err != nil {
			return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "response is not the expected JSON: " + err.Error()}
		}
		if n < c.pageSize {
			return nil
		}
		skip += n
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// graphObject is one item of a v2 GraphObjectWithPaths list.
type graphObject struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// graphList collects the ids of one type from a v2 graph list.
func (c *Client) graphList(ctx context.Context, op, path, typ string) ([]string, error) {
	var ids []string
	err := c.pages(ctx, op, path, func(raw json.RawMessage) (int, error) {
		var items []graphObject
		if err := json.Unmarshal(raw, &items); err != nil {
			return 0, err
		}
		for _, it := range items {
			if it.Type == typ {
				ids = append(ids, it.ID)
			}
		}
		return len(items), nil
	})
	return ids, err
}

// Package scim is a thin net/http SCIM 2.0 (RFC 7643/7644) client, one per
// SaaS app, behind directory.Directory and directory.GroupManager. SCIM apps
// can create, update, deactivate and re-activate accounts and manage group
// membership; the client implements none of the other capabilities
// (sessions, licenses, roles, devices, MFA, sign-in logs, manager). No
// mainstream Go SCIM client exists.
package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/integrations/directory"
)

// Schema URNs the client sends.
const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	contentType      = "application/scim+json"
	maxResponse      = 4 << 20
)

// AppOptions configures one SCIM app.
type AppOptions struct {
	Name              string // the app's name in the role catalog (github, zoom, ...)
	BaseURL           string // SCIM base, e.g. https://api.example.com/scim/v2
	Token             string // bearer token
	HTTPClient        *http.Client
	Limiter           *directory.Limiter // shared client-side limiter; built from RequestsPerMinute when nil
	RequestsPerMinute int
	DeactivateBy      string // "patch" (default: active=false) or "delete"

	MaxAttempts int           // per call, for Throttled/Transient answers; default 4
	MaxWait     time.Duration // longest single wait (Retry-After is capped to it); default 60s
}

// Client is one SCIM app.
type Client struct {
	name, base, token string
	hc                *http.Client
	deleteMode        bool
	attempts          int
	maxWait           time.Duration
	now               func() time.Time
	sleep             func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	groupIDs map[string]string // displayName → id
}

// A SCIM app has accounts and groups and nothing else jml uses; an app
// whose provider has no /Groups collection answers Unsupported there.
var (
	_ directory.Directory    = (*Client)(nil)
	_ directory.GroupManager = (*Client)(nil)
)

// New builds a client; it does no I/O.
func New(opts AppOptions) (*Client, error) {
	if opts.Name == "" {
		return nil, errors.New("scim: app name is required")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("scim %s: base URL %q is not an http(s) URL", opts.Name, opts.BaseURL)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("scim %s: token is required", opts.Name)
	}
	switch opts.DeactivateBy {
	case "", "patch", "delete":
	default:
		return nil, fmt.Errorf("scim %s: deactivate_by %q is not patch or delete", opts.Name, opts.DeactivateBy)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	lim := opts.Limiter
	if lim == nil && opts.RequestsPerMinute > 0 {
		lim = directory.NewLimiter(opts.RequestsPerMinute, max(1, opts.RequestsPerMinute/60)).Named("scim:" + opts.Name)
	}
	if lim != nil {
		directory.Track("scim:"+opts.Name, lim)
		cp := *hc
		cp.Transport, cp.Timeout = lim.TimedTransport(hc.Transport, hc.Timeout), 0
		hc = &cp
	}
	c := &Client{
		name: opts.Name, base: strings.TrimRight(opts.BaseURL, "/"), token: opts.Token, hc: hc,
		deleteMode: opts.DeactivateBy == "delete",
		attempts:   opts.MaxAttempts, maxWait: opts.MaxWait, now: time.Now, sleep: directory.Sleep,
		groupIDs: map[string]string{},
	}
	if c.attempts <= 0 {
		c.attempts = 4
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	return c, nil
}

// Name is "scim:<app>".
func (c *Client) Name() string { return "scim:" + c.name }

// Package scim is a thin net/http SCIM 2.0 (RFC 7643/7644) client, one per
// SaaS app, behind directory.Directory. SCIM apps can create, update,
// deactivate and re-activate accounts and manage group membership; the
// rest of the lifecycle (sessions, licenses, roles, devices, MFA, sign-in
// logs, manager) is Unsupported. No mainstream Go SCIM client exists.
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

	"github.com/jml-dev/jml/domain"
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
	NoGroups          bool   // the app has no /Groups endpoint

	MaxAttempts int           // per call, for Throttled/Transient answers; default 4
	MaxWait     time.Duration // longest single wait (Retry-After is capped to it); default 60s
}

// Client is one SCIM app.
type Client struct {
	name, base, token string
	hc                *http.Client
	deleteMode        bool
	groups            bool
	attempts          int
	maxWait           time.Duration
	now               func() time.Time
	sleep             func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	groupIDs map[string]string // displayName → id
}

var _ directory.Directory = (*Client)(nil)

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
		lim = directory.NewLimiter(opts.RequestsPerMinute, max(1, opts.RequestsPerMinute/60))
	}
	if lim != nil {
		cp := *hc
		cp.Transport = lim.Transport(hc.Transport)
		hc = &cp
	}
	c := &Client{
		name: opts.Name, base: strings.TrimRight(opts.BaseURL, "/"), token: opts.Token, hc: hc,
		deleteMode: opts.DeactivateBy == "delete", groups: !opts.NoGroups,
		attempts: opts.MaxAttempts, maxWait: opts.MaxWait, now: time.Now, sleep: directory.Sleep,
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

// Supports reports what a SCIM app can do.
func (c *Client) Supports(cp directory.Capability) bool {
	switch cp {
	case directory.CapCreateUser, directory.CapUpdateProfile, directory.CapDisable, directory.CapEnable:
		return true
	case directory.CapGroups:
		return c.groups
	}
	return false
}

// ---- unsupported ----

func (c *Client) unsupported(cp directory.Capability) error {
	return directory.Unsupported(c.Name(), cp)
}

// SetManager is Unsupported: SCIM apps do not hold the reporting line here.
func (c *Client) SetManager(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapSetManager)
}

// RevokeSessions is Unsupported by SCIM.
func (c *Client) RevokeSessions(context.Context, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapRevokeSessions)
}

// ListLicenses is Unsupported by SCIM.
func (c *Client) ListLicenses(context.Context, string) ([]string, error) {
	return nil, c.unsupported(directory.CapLicenses)
}

// AssignLicense is Unsupported by SCIM.
func (c *Client) AssignLicense(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapLicenses)
}

// RemoveLicense is Unsupported by SCIM.
func (c *Client) RemoveLicense(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapLicenses)
}

// ListAdminRoles is Unsupported by SCIM.
func (c *Client) ListAdminRoles(context.Context, string) ([]domain.RoleAssignment, error) {
	return nil, c.unsupported(directory.CapAdminRoles)
}

// GrantAdminRole is Unsupported by SCIM.
func (c *Client) GrantAdminRole(context.Context, string, string, time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	return domain.RoleAssignment{}, "", c.unsupported(directory.CapAdminRoles)
}

// RevokeAdminRole is Unsupported by SCIM.
func (c *Client) RevokeAdminRole(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapAdminRoles)
}

// ListDevices is Unsupported by SCIM.
func (c *Client) ListDevices(context.Context, string) ([]domain.Device, error) {
	return nil, c.unsupported(directory.CapDevices)
}

// RetireDevice is Unsupported by SCIM.
func (c *Client) RetireDevice(context.Context, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapDevices)
}

// MFAStatus is Unsupported by SCIM.
func (c *Client) MFAStatus(context.Context, string) (domain.MFA, error) {
	return domain.MFA{}, c.unsupported(directory.CapMFA)
}

// SignInEvents is Unsupported by SCIM.
func (c *Client) SignInEvents(context.Context, time.Time, time.Time, func(domain.AuditEvent) error) error {
	return c.unsupported(directory.CapSignInLog)
}

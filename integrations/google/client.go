// Package google implements directory.Directory for Google Workspace with the
// official Admin SDK clients (google.golang.org/api admin/directory/v1 and
// admin/reports/v1). The SDK does not retry, so this client retries throttled
// and transient answers itself, with bounded backoff.
package google

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	googleoauth "golang.org/x/oauth2/google"
	admin "google.golang.org/api/admin/directory/v1"
	reports "google.golang.org/api/admin/reports/v1"
	"google.golang.org/api/option"

	"github.com/jml-dev/jml/integrations/directory"
)

// Scopes the service account needs, granted to it by domain-wide delegation.
var Scopes = []string{
	admin.AdminDirectoryUserScope,
	"https://www.googleapis.com/auth/admin.directory.user.security", // signOut, tokens
	admin.AdminDirectoryGroupMemberScope,
	admin.AdminDirectoryGroupReadonlyScope,
	admin.AdminDirectoryRolemanagementScope,
	admin.AdminDirectoryDeviceMobileActionScope,
	admin.AdminDirectoryDeviceMobileReadonlyScope,
	reports.AdminReportsAuditReadonlyScope,
}

// Options configures the client.
type Options struct {
	// BaseURL is the API root; default https://admin.googleapis.com/.
	BaseURL string
	// Customer is the customer id; default "my_customer".
	Customer string
	// Domain is the primary domain; bare group names resolve to name@Domain.
	Domain string
	// CredentialsFile is a service account key (JSON) with domain-wide
	// delegation (production).
	CredentialsFile string
	// AdminSubject is the admin user the service account acts as.
	AdminSubject string
	// Token is a static bearer token (tests, emulator).
	Token string
	// HTTPClient supplies the base transport and timeout.
	HTTPClient *http.Client
	// Limiter is a shared client-side limiter; else one is built from
	// RequestsPerMinute (0: Google's default quota of 2,400/min; <0: none).
	Limiter           *directory.Limiter
	RequestsPerMinute int
	// MaxRetries bounds retries of throttled/transient calls (default 3; <0: none).
	MaxRetries int
	// RetryBaseDelay is the first backoff when the answer has no Retry-After
	// (default 500ms), doubled on each retry.
	RetryBaseDelay time.Duration
}

// Client is a Google Workspace directory.
type Client struct {
	dir        *admin.Service
	rep        *reports.Service
	customer   string
	domain     string
	maxRetries int
	baseDelay  time.Duration
	secrets    []string

	mu    sync.Mutex
	roles map[string]int64 // role name → id (roleName and description, lower-cased)
	names map[int64]string // role id → roleName
	byID  map[int64]*admin.Role
}

// Licensing is out of scope for Google, and its role assignments do not
// expire: no LicenseManager, no RoleGrantExpirer.
var (
	_ directory.Directory        = (*Client)(nil)
	_ directory.SessionRevoker   = (*Client)(nil)
	_ directory.SessionChecker   = (*Client)(nil)
	_ directory.ManagerSetter    = (*Client)(nil)
	_ directory.GroupManager     = (*Client)(nil)
	_ directory.AdminRoleManager = (*Client)(nil)
	_ directory.DeviceManager    = (*Client)(nil)
	_ directory.MFAReader        = (*Client)(nil)
	_ directory.SignInLogReader  = (*Client)(nil)
)

// New builds the client. It needs either Token or CredentialsFile.
func New(ctx context.Context, opts Options) (*Client, error) {
	base := http.DefaultTransport
	var timeout time.Duration
	if opts.HTTPClient != nil {
		if opts.HTTPClient.Transport != nil {
			base = opts.HTTPClient.Transport
		}
		timeout = opts.HTTPClient.Timeout
	}
	lim := opts.Limiter
	if lim == nil && opts.RequestsPerMinute >= 0 {
		rpm := opts.RequestsPerMinute
		if rpm == 0 {
			rpm = 2400
		}
		lim = directory.NewLimiter(rpm, max(1, rpm/60)).Named(system)
	}
	directory.Track("google", lim)
	limited := lim.TimedTransport(base, timeout)

	var src oauth2.TokenSource
	var secrets []string
	switch {
	case opts.Token != "":
		src = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: opts.Token, TokenType: "Bearer"})
		secrets = append(secrets, opts.Token)
	case opts.CredentialsFile != "":
		key, err := os.ReadFile(opts.CredentialsFile)
		if err != nil {
			return nil, fmt.Errorf("google: read credentials file: %w", err)
		}
		cfg, err := googleoauth.JWTConfigFromJSON(key, Scopes...)
		if err != nil {
			// the parse error never quotes the key itself
			return nil, fmt.Errorf("google: credentials file is not a service account key: %w", err)
		}
		if opts.AdminSubject == "" {
			return nil, errors.New("google: AdminSubject is required with a service account (domain-wide delegation)")
		}
		cfg.Subject = opts.AdminSubject
		tokCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: base, Timeout: timeout})
		src = cfg.TokenSource(tokCtx)
	default:
		return nil, errors.New("google: Token or CredentialsFile is required")
	}
	hc := &http.Client{Transport: &oauth2.Transport{Source: src, Base: limited}}

	endpoint := opts.BaseURL
	if endpoint == "" {
		endpoint = "https://admin.googleapis.com/"
	}
	if !strings.HasSuffix(endpoint, "/") {
		endpoint += "/" // the SDK resolves paths relative to it
	}
	dir, err := admin.NewService(ctx, option.WithEndpoint(endpoint), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("google: directory service: %w", err)
	}
	rep, err := reports.NewService(ctx, option.WithEndpoint(endpoint), option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("google: reports service: %w", err)
	}
	c := &Client{dir: dir, rep: rep, customer: opts.Customer, domain: opts.Domain, maxRetries: opts.MaxRetries, baseDelay: opts.RetryBaseDelay, secrets: secrets}
	if c.customer == "" {
		c.customer = "my_customer"
	}
	if c.maxRetries == 0 {
		c.maxRetries = 3
	}
	if c.baseDelay <= 0 {
		c.baseDelay = 500 * time.Millisecond
	}
	return c, nil
}

// Name is "google".
func (c *Client) Name() string { return system }

// backoff is the wait before retry n (0-based): the server's Retry-After
// when given, else exponential from the base delay with a little jitter.
func (c *Client) backoff(err error, n int) time.Duration {
	var de *directory.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		return de.RetryAfter
	}
	d := min(c.baseDelay<<n, 30*time.Second)
	return d + time.Duration(mrand.Int64N(int64(d)/4+1))
}

// call runs an idempotent SDK call, retrying throttled and transient
// failures up to maxRetries times. Errors come back classified.
func call[T any](ctx context.Context, c *Client, op string, fn func() (T, error)) (T, error) {
	for n := 0; ; n++ {
		v, err := fn()
		if err == nil {
			return v, nil
		}
		de := classify(op, err, c.secrets...)
		if !c.retry(ctx, de, n) {
			return v, de
		}
	}
}

// retry waits out the backoff before retry n (0-based) of a failed call.
// False means the failure is final: not throttled or transient, retries
// spent (maxRetries < 0 allows none), or the context ended while waiting.
func (c *Client) retry(ctx context.Context, de *directory.Error, n int) bool {
	if !isRetryable(de) || n >= c.maxRetries {
		return false
	}
	return directory.Sleep(ctx, c.backoff(de, n)) == nil
}

// do is call for SDK calls that return only an error.
func (c *Client) do(ctx context.Context, op string, fn func() error) error {
	_, err := call(ctx, c, op, func() (struct{}, error) { return struct{}{}, fn() })
	return err
}

func randomPassword() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // never logged or returned; users sign in via SSO
	return base64.RawURLEncoding.EncodeToString(b) + "!aA1"
}

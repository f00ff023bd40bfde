// Package okta is jml's Okta integration: directory.Directory over the
// official okta-sdk-golang/v2 Management API client.
//
// Choices an identity engineer should know about:
//   - Disable is DEACTIVATE (status DEPROVISIONED, sendEmail=false), Okta's
//     standard leaver action: it ends sessions and, through SCIM
//     provisioning, deprovisions the user's app assignments. Suspend would
//     keep app accounts alive and is not a leaver control.
//   - Enable unsuspends a SUSPENDED user and activates a STAGED or
//     DEPROVISIONED one (Okta mails the activation link); other statuses are
//     already enabled.
//   - This package never calls DELETE /api/v1/users/{id}: on a DEPROVISIONED
//     user that DELETE deletes the account permanently, so a blindly retried
//     "deactivate via DELETE" destroys the audit trail. Deletion, if ever
//     wanted, belongs to a separate, explicit retention process.
//   - The SDK cache is off: after a deactivate a cached GET would show the
//     old status and break idempotency checks.
//   - Okta has no licenses, no devices and no self-expiring admin roles
//     here: the client does not implement LicenseManager, DeviceManager or
//     RoleGrantExpirer.
package okta

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"

	"github.com/jml-dev/jml/integrations/directory"
)

// System is the directory name in errors and Name().
const System = "okta"

// Options configures the client.
type Options struct {
	OrgURL string // https://example.okta.com; plain http only on loopback (emulator)
	Token  string // API token, sent as "SSWS <token>"
	// HTTPClient supplies the base transport and timeout; the limiter is
	// layered on its transport. Nil uses http.DefaultTransport, 60 s.
	HTTPClient *http.Client
	// Limiter is shared by every client of the same org; nil builds one
	// from RequestsPerMinute (<= 0: no fixed rate, but it still pauses when
	// Okta's X-Rate-Limit-Remaining runs out). Set RequestsPerMinute a little
	// below the org's per-endpoint limit (we use 90%).
	Limiter           *directory.Limiter
	RequestsPerMinute int
	// MaxRetries is how many 429s the SDK waits out itself (using Date and
	// X-Rate-Limit-Reset); 0 means 2, negative means none.
	MaxRetries int
	// TransitionWait bounds how long Disable and Enable wait for Okta's
	// asynchronous lifecycle change (transitioningToStatus) to complete
	// before answering Transient; 0 means 30 s.
	TransitionWait time.Duration
}

// Client is the Okta directory.
type Client struct {
	sdk   *okta.Client
	token string

	mu     sync.Mutex
	groups map[string]string // lower(group name) -> id

	transitionWait time.Duration
}

var (
	_ directory.Directory        = (*Client)(nil)
	_ directory.SessionRevoker   = (*Client)(nil)
	_ directory.SessionChecker   = (*Client)(nil)
	_ directory.ManagerSetter    = (*Client)(nil)
	_ directory.GroupManager     = (*Client)(nil)
	_ directory.AdminRoleManager = (*Client)(nil)
	_ directory.MFAReader        = (*Client)(nil)
	_ directory.SignInLogReader  = (*Client)(nil)
)

// New builds the client. It makes no network call.
func New(ctx context.Context, opts Options) (*Client, error) {
	if opts.OrgURL == "" {
		return nil, &directory.Error{System: System, Op: "new", Kind: directory.KindPermanent, Message: "OrgURL is required"}
	}
	if opts.Token == "" {
		return nil, &directory.Error{System: System, Op: "new", Kind: directory.KindPermanent, Message: "API token is required"}
	}
	u, err := url.Parse(opts.OrgURL)
	if err != nil || u.Host == "" {
		return nil, &directory.Error{System: System, Op: "new", Kind: directory.KindPermanent, Message: "OrgURL is not a URL"}
	}
	loop := isLoopback(u.Hostname())
	if u.Scheme != "https" && !(loop && u.Scheme == "http") {
		return nil, &directory.Error{System: System, Op: "new", Kind: directory.KindPermanent, Message: "OrgURL must use https (plain http is allowed only on loopback)"}
	}

	lim := opts.Limiter
	if lim == nil {
		burst := 1
		if opts.RequestsPerMinute >= 600 {
			burst = opts.RequestsPerMinute / 600 // a tenth of a second's worth
		}
		// Okta's limits are per endpoint bucket, org-wide.
		lim = directory.NewLimiter(opts.RequestsPerMinute, burst).WithBuckets(Bucket).Named(System)
	}
	directory.Track(System, lim)
	var base http.RoundTripper = http.DefaultTransport
	timeout := 60 * time.Second
	if opts.HTTPClient != nil {
		if opts.HTTPClient.Transport != nil {
			base = opts.HTTPClient.Transport
		}
		if opts.HTTPClient.Timeout > 0 {
			timeout = opts.HTTPClient.Timeout
		}
	}
	hc := &http.Client{Transport: lim.TimedTransport(recorder{base: base}, timeout)}
	if opts.HTTPClient != nil {
		hc.CheckRedirect, hc.Jar = opts.HTTPClient.CheckRedirect, opts.HTTPClient.Jar
	}

	retries := int32(2)
	switch {
	case opts.MaxRetries > 0:
		retries = int32(opts.MaxRetries)
	case opts.MaxRetries < 0:
		retries = 0
	}
	setters := []okta.ConfigSetter{
		okta.WithOrgUrl(strings.TrimRight(opts.OrgURL, "/")),
		okta.WithToken(opts.Token),
		okta.WithAuthorizationMode("SSWS"),
		okta.WithCache(false),
		okta.WithHttpClientPtr(hc),
		okta.WithRateLimitMaxRetries(retries),
		okta.WithRateLimitMaxBackOff(60),
		// Our own https check above is the gate; the SDK's must also pass
		// for the emulator on loopback, and only there.
		okta.WithTestingDisableHttpsCheck(loop),
	}
	_, c, err := okta.NewClient(ctx, setters...)
	if err != nil {
		return nil, &directory.Error{System: System, Op: "new", Kind: directory.KindPermanent, Message: redact(err.Error(), opts.Token)}
	}
	wait := opts.TransitionWait
	if wait <= 0 {
		wait = 30 * time.Second
	}
	return &Client{sdk: c, token: opts.Token, groups: map[string]string{}, transitionWait: wait}, nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Name is "okta".
func (c *Client) Name() string { return System }

// call carries one operation's last HTTP response (status and headers) from
// the transport back to the classifier: once the SDK's own 429 retries run
// out it returns a bare "too many requests" and drops the response.
type call struct {
	mu     sync.Mutex
	status int
	header http.Header
	drops  int
}

type callKey struct{}

func withCall(ctx context.Context) (context.Context, *call) {
	ci := &call{}
	return context.WithValue(ctx, callKey{}, ci), ci
}

type recorder struct{ base http.RoundTripper }

// maxDrops bounds the SDK's retry of dropped connections: it retries io.EOF
// with no delay and no count, so a server that keeps dropping would be
// hammered until the context ends.
const maxDrops = 3

func (r recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.base.RoundTrip(req)
	ci, ok := req.Context().Value(callKey{}).(*call)
	if !ok {
		return resp, err
	}
	ci.mu.Lock()
	defer ci.mu.Unlock()
	if resp != nil {
		ci.status, ci.header = resp.StatusCode, resp.Header.Clone()
	}
	if err != nil && (errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)) {
		ci.drops++
		if ci.drops >= maxDrops {
			return nil, droppedError{n: ci.drops}
		}
	}
	return resp, err
}

// droppedError ends the SDK's EOF retries: it does not unwrap to io.EOF.
type droppedError struct{ n int }

func (e droppedError) Error() string {
	return "connection closed without a response " + strconv.Itoa(e.n) + " times"
}
func (e droppedError) Temporary() bool { return true }
func (e droppedError) Timeout() bool   { return false }

// fail classifies err from one SDK call.
func (c *Client) fail(op string, resp *okta.Response, ci *call, err error) error {
	status, h := 0, http.Header(nil)
	if resp != nil && resp.Response != nil {
		status, h = resp.StatusCode, resp.Header
	} else if ci != nil {
		ci.mu.Lock()
		status, h = ci.status, ci.header
		ci.mu.Unlock()
	}
	return classify(op, status, h, err, time.Now(), c.token)
}

func isStatus(err error, status int) bool {
	var de *directory.Error
	return errors.As(err, &de) && de.Status == status
}

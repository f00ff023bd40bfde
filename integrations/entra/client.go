// Package entra is jml's Microsoft Entra ID integration: the
// directory.Directory contract over msgraph-sdk-go (users, groups, licenses,
// PIM time-bound admin roles, Intune devices, MFA methods, sign-in and audit
// logs). It never imports Temporal.
package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	absauth "github.com/microsoft/kiota-abstractions-go/authentication"
	azauth "github.com/microsoft/kiota-authentication-azure-go"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphsdk "github.com/microsoftgraph/msgraph-sdk-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"

	"github.com/jml-dev/jml/integrations/directory"
)

// System is the name the integration reports in errors and Name().
const System = "entra"

// DefaultBaseURL is Microsoft Graph v1.0.
const DefaultBaseURL = "https://graph.microsoft.com/v1.0"

// Options configures the client. Exactly one credential is used: the
// client-secret app registration (TenantID, ClientID, ClientSecret) in
// production, or a static bearer Token (the emulator).
type Options struct {
	BaseURL      string // default DefaultBaseURL; the emulator's URL()+"/v1.0" in tests
	TenantID     string
	ClientID     string
	ClientSecret string
	Token        string
	// HTTPClient supplies the bottom transport and timeout; the SDK's
	// middleware (retry, compression, telemetry) always sits above it.
	HTTPClient *http.Client
	// Limiter is shared by every client of one tenant; when nil one is made
	// from RequestsPerMinute (0 means unlimited).
	Limiter           *directory.Limiter
	RequestsPerMinute int
}

// Client is the Entra ID directory.
type Client struct {
	graph   *msgraphsdk.GraphServiceClient
	baseURL string
	secrets []string // redacted from every error string

	mu     sync.Mutex
	groups map[string]string // lower(displayName) -> id
	skus   *catalog          // skuPartNumber <-> lower(skuId)
	roles  *catalog          // role displayName <-> roleDefinitionId

	now func() time.Time
}

// Entra does every capability jml knows, and its PIM schedules end a role
// grant themselves.
var (
	_ directory.Directory        = (*Client)(nil)
	_ directory.SessionRevoker   = (*Client)(nil)
	_ directory.SessionChecker   = (*Client)(nil)
	_ directory.ManagerSetter    = (*Client)(nil)
	_ directory.GroupManager     = (*Client)(nil)
	_ directory.LicenseManager   = (*Client)(nil)
	_ directory.AdminRoleManager = (*Client)(nil)
	_ directory.RoleGrantExpirer = (*Client)(nil)
	_ directory.DeviceManager    = (*Client)(nil)
	_ directory.MFAReader        = (*Client)(nil)
	_ directory.SignInLogReader  = (*Client)(nil)
)

// New builds the client. It makes no network call.
func New(opts Options) (*Client, error) {
	var cred azcore.TokenCredential
	if opts.Token == "" && opts.ClientSecret != "" {
		if opts.TenantID == "" || opts.ClientID == "" {
			return nil, configErr("ClientSecret needs TenantID and ClientID")
		}
		c, err := azidentity.NewClientSecretCredential(opts.TenantID, opts.ClientID, opts.ClientSecret, nil)
		if err != nil {
			return nil, configErr("client secret credential: " + redact(err.Error(), opts.ClientSecret))
		}
		cred = c
	}
	return newClient(opts, cred)
}

// newClient takes the credential separately so tests can drive the Azure
// identity provider path with a fake credential.
func newClient(opts Options, cred azcore.TokenCredential) (*Client, error) {
	base := strings.TrimRight(opts.BaseURL, "/")
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, configErr("BaseURL must be an absolute http(s) URL")
	}
	// the validator compares host names without the port
	hosts := []string{u.Hostname()}

	var auth absauth.AuthenticationProvider
	switch {
	case opts.Token != "":
		v, err := absauth.NewAllowedHostsValidatorErrorCheck(hosts)
		if err != nil {
			return nil, configErr("allowed hosts: " + err.Error())
		}
		auth = absauth.NewBaseBearerTokenAuthenticationProvider(&staticToken{token: opts.Token, hosts: v})
	case cred != nil:
		p, err := azauth.NewAzureIdentityAuthenticationProviderWithScopesAndValidHosts(cred, []string{u.Scheme + "://" + u.Host + "/.default"}, hosts)
		if err != nil {
			return nil, configErr("azure identity provider: " + err.Error())
		}
		auth = p
	default:
		return nil, configErr("a credential is required: ClientSecret (with TenantID and ClientID) or Token")
	}

	lim := opts.Limiter
	if lim == nil {
		lim = directory.NewLimiter(opts.RequestsPerMinute, max(1, opts.RequestsPerMinute/60)).WithBuckets(Bucket).Named(System)
	}
	directory.Track("entra", lim)
	var bottom http.RoundTripper
	timeout := 100 * time.Second
	if opts.HTTPClient != nil {
		bottom = opts.HTTPClient.Transport
		if opts.HTTPClient.Timeout > 0 {
			timeout = opts.HTTPClient.Timeout
		}
	}
	if bottom == nil {
		bottom = khttp.GetDefaultTransport()
	}
	// The SDK's default middleware (retry honouring Retry-After, gzip,
	// telemetry) over the limiter, so every retry also waits its turn.
	mw := orderMiddleware(msgraphgocore.GetDefaultMiddlewaresWithOptions(&msgraphgocore.GraphClientOptions{}))
	hc := &http.Client{
		Transport:     khttp.NewCustomTransportWithParentTransport(lim.TimedTransport(gzipGuard{errorBody{bottom}}, timeout), mw...),
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	adapter, err := msgraphsdk.NewGraphRequestAdapterWithParseNodeFactoryAndSerializationWriterFactoryAndHttpClient(auth, nil, nil, hc)
	if err != nil {
		return nil, configErr("request adapter: " + err.Error())
	}
	// before NewGraphServiceClient, which copies the base URL
	adapter.SetBaseUrl(base)
	c := &Client{
		graph:   msgraphsdk.NewGraphServiceClient(adapter),
		baseURL: base,
		groups:  map[string]string{},
		now:     time.Now,
	}
	c.skus = &catalog{kind: "license", fetch: c.fetchSkus}
	c.roles = &catalog{kind: "role", fetch: c.fetchRoles}
	for _, s := range []string{opts.Token, opts.ClientSecret} {
		if s != "" {
			c.secrets = append(c.secrets, s)
		}
	}
	return c, nil
}

func configErr(msg string) error {
	return &directory.Error{System: System, Op: "configure", Kind: directory.KindPermanent, Message: msg}
}

// staticToken hands the fixed bearer token only to the allowed host, so a
// nextLink to another host never receives it.
type staticToken struct {
	token string
	hosts *absauth.AllowedHostsValidator
}

func (s *staticToken) GetAuthorizationToken(_ context.Context, u *url.URL, _ map[string]any) (string, error) {
	if !s.hosts.IsUrlHostValid(u) {
		return "", nil
	}
	return s.token, nil
}

func (s *staticToken) GetAllowedHostsValidator() *absauth.AllowedHostsValidator { return s.hosts }

// orderMiddleware fixes the order of the SDK's default middleware, which
// kiota-http-go v1.5.4 builds by ranging over a map (so it differs from one
// client to the next): compression outside retry, so a retried request
// resends the same gzip body.
func orderMiddleware(mw []khttp.Middleware) []khttp.Middleware {
	rank := func(m khttp.Middleware) int {
		switch m.(type) {
		case *khttp.CompressionHandler:
			return 1
		case *khttp.RetryHandler:
			return 2
		case *khttp.RedirectHandler:
			return 3
		case *khttp.ParametersNameDecodingHandler:
			return 4
		case *khttp.UserAgentHandler:
			return 5
		case *khttp.HeadersInspectionHandler:
			return 6
		}
		return 0 // Graph's own telemetry and URL-replace handlers stay first
	}
	out := slices.Clone(mw)
	slices.SortStableFunc(out, func(a, b khttp.Middleware) int { return rank(a) - rank(b) })
	return out
}

// gzipGuard is a safety net for the other order (retry outside
// compression): there a resend carries the leaked Content-Encoding: gzip
// header over the original plain body and Graph would reject it. It drops
// the header when the body is not gzip (Graph bodies are small JSON).
type gzipGuard struct{ next http.RoundTripper }

func (g gzipGuard) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body == nil || r.Body == http.NoBody || r.Header.Get("Content-Encoding") != "gzip" {
		return g.next.RoundTrip(r)
	}
	b, err := io.ReadAll(r.Body)
	_ = r.Body.Close()
	if err != nil {
		return nil, err
	}
	r2 := r.Clone(r.Context())
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		r2.Header.Del("Content-Encoding")
	}
	r2.Body = io.NopCloser(bytes.NewReader(b))
	r2.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r2.ContentLength = int64(len(b))
	return g.next.RoundTrip(r2)
}

// errorBody makes every error answer one the SDK can read. A gateway in
// front of Graph answers with its own body (an HTML 502/503/504 page, a
// plain-text 404); the SDK cannot parse that and returns an error without
// the HTTP status, which classify needs. Such a body is replaced by a
// Graph-shaped error that names the status; headers (Retry-After) are kept.
type errorBody struct{ next http.RoundTripper }

func (g errorBody) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := g.next.RoundTrip(r)
	if err != nil || resp.StatusCode < 400 || jsonBody(resp.Header.Get("Content-Type")) {
		return resp, err
	}
	ct := resp.Header.Get("Content-Type")
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16)) // let the connection be reused
	_ = resp.Body.Close()
	if ct == "" {
		ct = "no content type"
	}
	msg := fmt.Sprintf("HTTP %d %s without a Graph error body (%s): likely a gateway", resp.StatusCode, http.StatusText(resp.StatusCode), ct)
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"code": "", "message": msg}})
	resp.Header = resp.Header.Clone()
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Del("Content-Encoding")
	resp.Header.Set("Content-Length", strconv.Itoa(len(b)))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	resp.ContentLength = int64(len(b))
	resp.Uncompressed = true
	return resp, nil
}

func jsonBody(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// Name is "entra".
func (c *Client) Name() string { return System }

// ExpiresRoleGrants marks Entra as a RoleGrantExpirer: GrantAdminRole
// creates a PIM schedule that ends at the until time.
func (c *Client) ExpiresRoleGrants() {}

// fail classifies err and strips any credential from its message.
func (c *Client) fail(op string, err error) error {
	err = classify(op, err)
	var de *directory.Error
	if errors.As(err, &de) && len(c.secrets) > 0 {
		de.Message = redact(de.Message, c.secrets...)
	}
	return err
}

func redact(s string, secrets ...string) string {
	for _, x := range secrets {
		if x != "" {
			s = strings.ReplaceAll(s, x, "[REDACTED]")
		}
	}
	return s
}

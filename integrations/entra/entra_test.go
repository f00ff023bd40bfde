package entra

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	khttp "github.com/microsoft/kiota-http-go"
	msgraphgocore "github.com/microsoftgraph/msgraph-sdk-go-core"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

const token = "emulator-bearer-7f3c9a"

var org = demoorg.New(30, 3)

func setup(t *testing.T, pageSize int) (*graphemu.Emulator, *Client) {
	t.Helper()
	e := emutest.Seeded(t, graphemu.New(graphemu.Config{Token: token, PageSize: pageSize}), org)
	c, err := New(Options{BaseURL: e.URL() + "/v1.0", Token: token})
	require.NoError(t, err)
	return e, c
}

// joiner is joiner i of the demo organisation, not yet in Entra.
func joiner(i int) domain.Person { return emutest.Person(org.Joiners[i]) }

// requireNoSecret checks an error string never carries the credential.
func requireNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, token) {
		require.NotContains(t, err.Error(), s)
	}
}

func TestUserLifecycle(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	p := joiner(0)

	_, err := c.FindUser(ctx, p.EmployeeID, p.Email)
	require.True(t, directory.IsNotFound(err), "%v", err)

	acc, out, err := c.CreateUser(ctx, p, false)
	require.NoError(t, err)
	require.Equal(t, domain.Created, out)
	require.False(t, acc.Enabled)
	u, ok := e.User(acc.ID)
	require.True(t, ok)
	require.Equal(t, p.EmployeeID, u.EmployeeID)
	require.Equal(t, p.Department, u.Department)
	require.Equal(t, p.Title, u.JobTitle)
	require.Equal(t, p.Location, u.OfficeLocation)
	require.Equal(t, p.UsageLocation, u.UsageLocation)
	require.Equal(t, p.CostCenter, u.CostCenter)
	require.True(t, u.HasPassword)
	require.True(t, u.ForceChangePasswordNextSignIn)

	// a retried activity finds the account (by employeeId, then by UPN)
	again, out, err := c.CreateUser(ctx, p, false)
	require.NoError(t, err)
	require.Equal(t, domain.AlreadyExisted, out)
	require.Equal(t, acc.ID, again.ID)
	byUPN := p
	byUPN.EmployeeID = "E7777"
	again, out, err = c.CreateUser(ctx, byUPN, false)
	require.NoError(t, err)
	require.Equal(t, domain.AlreadyExisted, out)
	require.Equal(t, acc.ID, again.ID)
	require.Len(t, e.Users(), len(org.Employees)+1)

	found, err := c.FindUser(ctx, "", p.Email)
	require.NoError(t, err)
	require.Equal(t, acc.ID, found.ID)

	// profile change, then nothing to change
	p.Title, p.Department = "SRE", "Engineering"
	out, err = c.UpdateProfile(ctx, acc.ID, p)
	require.NoError(t, err)
	require.Equal(t, domain.Updated, out)
	u, _ = e.User(acc.ID)
	require.Equal(t, "SRE", u.JobTitle)
	out, err = c.UpdateProfile(ctx, acc.ID, p)
	require.NoError(t, err)
	require.Equal(t, domain.Unchanged, out)

	mgr, err := c.FindUser(ctx, "E0001", "")
	require.NoError(t, err)
	out, err = c.SetManager(ctx, acc.ID, mgr.ID)
	require.NoError(t, err)
	require.Equal(t, domain.Updated, out)
	out, err = c.SetManager(ctx, acc.ID, mgr.ID)
	require.NoError(t, err)
	require.Equal(t, domain.Unchanged, out)
	found, err = c.FindUser(ctx, p.EmployeeID, "")
	require.NoError(t, err)
	require.Equal(t, mgr.ID, found.ManagerID)

	for _, step := range []struct {
		f    func(context.Context, string) (domain.Outcome, error)
		want domain.Outcome
	}{{c.Enable, domain.Enabled}, {c.Enable, domain.AlreadyEnabled}, {c.Disable, domain.Disabled}, {c.Disable, domain.AlreadyDisabled}} {
		out, err = step.f(ctx, acc.ID)
		require.NoError(t, err)
		require.Equal(t, step.want, out)
	}
	u, _ = e.User(acc.ID)
	require.False(t, u.AccountEnabled)

	out, err = c.RevokeSessions(ctx, acc.ID)
	require.NoError(t, err)
	require.Equal(t, domain.Revoked, out)
	n, _ := e.SessionsRevoked(acc.ID)
	require.Equal(t, 1, n)

	_, err = c.Disable(ctx, "00000000-0000-0000-0000-000000000000")
	require.True(t, directory.IsNotFound(err), "%v", err)
}

func TestGroupsPagingAndIdempotency(t *testing.T) {
	e, c := setup(t, 2)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0003", "")
	require.NoError(t, err)
	for _, g := range []string{"extra-1", "extra-2", "extra-3"} {
		e.AddGroup(g)
		out, err := c.AddToGroup(ctx, acc.ID, g)
		require.NoError(t, err)
		require.Equal(t, domain.Added, out)
	}
	out, err := c.AddToGroup(ctx, acc.ID, "extra-1")
	require.NoError(t, err)
	require.Equal(t, domain.AlreadyPresent, out)

	e.ResetLog()
	got, err := c.ListGroups(ctx, acc.ID)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{"all-staff", "dept-support", "extra-1", "extra-2", "extra-3"}, got)
	memberOf := 0
	for _, r := range e.Requests() {
		if strings.HasSuffix(r.Path, "/memberOf") {
			memberOf++
		}
	}
	require.Equal(t, 3, memberOf, "5 groups at 2 a page is 3 pages")

	out, err = c.RemoveFromGroup(ctx, acc.ID, "extra-2")
	require.NoError(t, err)
	require.Equal(t, domain.Removed, out)
	out, err = c.RemoveFromGroup(ctx, acc.ID, "extra-2")
	require.NoError(t, err)
	require.Equal(t, domain.WasAbsent, out)
	require.NotContains(t, e.GroupsOf(acc.ID), "extra-2")

	_, err = c.AddToGroup(ctx, acc.ID, "no-such-group")
	require.True(t, directory.IsNotFound(err), "%v", err)
}

func TestLicenses(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0025", "") // a contractor: no license
	require.NoError(t, err)
	got, err := c.ListLicenses(ctx, acc.ID)
	require.NoError(t, err)
	require.Empty(t, got)
	for _, want := range []domain.Outcome{domain.Added, domain.AlreadyPresent} {
		out, err := c.AssignLicense(ctx, acc.ID, "SPE_E5")
		require.NoError(t, err)
		require.Equal(t, want, out)
	}
	got, err = c.ListLicenses(ctx, acc.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"SPE_E5"}, got)
	require.Equal(t, []string{"SPE_E5"}, e.Licenses(acc.ID))
	for _, want := range []domain.Outcome{domain.Removed, domain.WasAbsent} {
		out, err := c.RemoveLicense(ctx, acc.ID, "SPE_E5")
		require.NoError(t, err)
		require.Equal(t, want, out)
	}
	require.Empty(t, e.Licenses(acc.ID))
	_, err = c.AssignLicense(ctx, acc.ID, "NOT_A_SKU")
	require.True(t, directory.IsNotFound(err))
}

func TestPIMTimeBoundRole(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0002", "")
	require.NoError(t, err)
	until := time.Now().Add(time.Hour).Truncate(time.Second)

	ra, out, err := c.GrantAdminRole(ctx, acc.ID, "Global Administrator", until)
	require.NoError(t, err)
	require.Equal(t, domain.Added, out)
	require.Equal(t, until.UTC(), ra.ExpiresAt)
	held := e.RoleAssignments(acc.ID)
	require.Len(t, held, 1)
	require.True(t, held[0].End.Equal(until), "the emulator was told the end: %v", held[0].End)

	_, out, err = c.GrantAdminRole(ctx, acc.ID, "Global Administrator", until)
	require.NoError(t, err)
	require.Equal(t, domain.AlreadyPresent, out)

	roles, err := c.ListAdminRoles(ctx, acc.ID)
	require.NoError(t, err)
	require.Len(t, roles, 1)
	require.Equal(t, "Global Administrator", roles[0].Role)
	require.True(t, roles[0].ExpiresAt.Equal(until))

	// Entra expires it by itself
	e.Advance(61 * time.Minute)
	roles, err = c.ListAdminRoles(ctx, acc.ID)
	require.NoError(t, err)
	require.Empty(t, roles)

	_, out, err = c.GrantAdminRole(ctx, acc.ID, "Helpdesk Administrator", e.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, domain.Added, out)
	for _, want := range []domain.Outcome{domain.Removed, domain.WasAbsent} {
		out, err = c.RevokeAdminRole(ctx, acc.ID, "Helpdesk Administrator")
		require.NoError(t, err)
		require.Equal(t, want, out)
	}
	require.Empty(t, e.RoleAssignments(acc.ID))

	// a standing admin from the seed: no expiry
	admin, err := c.FindUser(ctx, "E0007", "")
	require.NoError(t, err)
	roles, err = c.ListAdminRoles(ctx, admin.ID)
	require.NoError(t, err)
	require.Len(t, roles, 1)
	require.Equal(t, "User Administrator", roles[0].Role)
	require.True(t, roles[0].ExpiresAt.IsZero())

	_, _, err = c.GrantAdminRole(ctx, acc.ID, "Emperor", until)
	require.True(t, directory.IsNotFound(err))

	var audited bool
	for _, a := range e.DirectoryAudits() {
		audited = audited || (a.Category == "RoleManagement" && a.TargetID == acc.ID && a.Modified == "Global Administrator")
	}
	require.True(t, audited)
}

func TestDevicesAndMFA(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0010", "") // noncompliant device, MFA enrolled
	require.NoError(t, err)
	devs, err := c.ListDevices(ctx, acc.ID)
	require.NoError(t, err)
	require.Len(t, devs, 1)
	require.Equal(t, "noncompliant", devs[0].Compliance)
	require.False(t, devs[0].Compliant())
	for _, want := range []domain.Outcome{domain.Retired, domain.AlreadyRetired} {
		out, err := c.RetireDevice(ctx, devs[0].ID)
		require.NoError(t, err)
		require.Equal(t, want, out)
	}
	devs, err = c.ListDevices(ctx, acc.ID)
	require.NoError(t, err)
	require.True(t, devs[0].Retired)
	_, err = c.RetireDevice(ctx, "no-such-device")
	require.True(t, directory.IsNotFound(err))

	ok, err := c.FindUser(ctx, "E0011", "")
	require.NoError(t, err)
	devs, err = c.ListDevices(ctx, ok.ID)
	require.NoError(t, err)
	require.True(t, devs[0].Compliant())

	m, err := c.MFAStatus(ctx, acc.ID)
	require.NoError(t, err)
	require.True(t, m.Enrolled)
	require.Equal(t, []string{"microsoftAuthenticator"}, m.Methods)
	none, err := c.FindUser(ctx, "E0013", "")
	require.NoError(t, err)
	m, err = c.MFAStatus(ctx, none.ID)
	require.NoError(t, err)
	require.False(t, m.Enrolled)
	e.SetMFA(none.ID, true)
	m, err = c.MFAStatus(ctx, none.ID)
	require.NoError(t, err)
	require.True(t, m.Enrolled)
}

func TestSignInEventsPaged(t *testing.T) {
	e, c := setup(t, 2)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0004", "")
	require.NoError(t, err)
	_, err = c.Disable(ctx, acc.ID) // one directoryAudit
	require.NoError(t, err)
	from, to := time.Now().Add(-31*24*time.Hour), time.Now().Add(time.Minute)
	var signIns, audits int
	var failures int
	err = c.SignInEvents(ctx, from, to, func(ev domain.AuditEvent) error {
		require.False(t, ev.Time.Before(from.Truncate(time.Second)) || !ev.Time.Before(to))
		if ev.Action == "sign-in" {
			signIns++
			if strings.HasPrefix(ev.Result, "failure") {
				failures++
			}
		} else {
			audits++
			require.Equal(t, "Disable account", ev.Action)
			require.Equal(t, acc.Login, ev.Raw["target"])
		}
		return nil
	})
	require.NoError(t, err)
	require.Equal(t, len(e.SignIns("")), signIns)
	require.Equal(t, 1, audits)
	require.Positive(t, failures)

	// the window's end is exclusive and its start inclusive
	n := 0
	require.NoError(t, c.SignInEvents(ctx, time.Now().Add(time.Hour), time.Now().Add(2*time.Hour), func(domain.AuditEvent) error { n++; return nil }))
	require.Zero(t, n)

	boom := errors.New("stop here")
	n = 0
	err = c.SignInEvents(ctx, from, to, func(domain.AuditEvent) error {
		n++
		if n == 3 {
			return boom
		}
		return nil
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, 3, n)
}

func TestThrottleWaitedOutBySDK(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	e.AddFault(emulator.Fault{Family: "users", Status: 429, RetryAfter: time.Second, Times: 1})
	e.ResetLog()
	started := time.Now()
	acc, err := c.FindUser(ctx, "E0005", "")
	require.NoError(t, err)
	require.NotEmpty(t, acc.ID)
	require.Equal(t, 1, e.Server.Throttled())
	require.Equal(t, 2, e.Counts()["users"])
	// the retry came no sooner than Retry-After asked (a lower bound, not a speed threshold)
	require.GreaterOrEqual(t, time.Since(started), time.Second)
}

func TestThrottleExhaustedIsThrottledWithRetryAfter(t *testing.T) {
	e, c := setup(t, 0)
	e.AddFault(emulator.Fault{Family: "users", Status: 429, RetryAfter: time.Second})
	_, err := c.FindUser(context.Background(), "E0005", "")
	var de *directory.Error
	require.True(t, errors.As(err, &de), "%v", err)
	require.Equal(t, directory.KindThrottled, de.Kind)
	require.Equal(t, time.Second, de.RetryAfter)
	require.Equal(t, "TooManyRequests", de.Code)
	require.Equal(t, 4, e.Server.Throttled(), "one call and the retry handler's 3 retries")
	requireNoSecret(t, err)
}

func TestServerErrors(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0006", "")
	require.NoError(t, err)

	// 503 is retried by the SDK
	e.AddFault(emulator.Fault{Family: "users", Status: 503, RetryAfter: time.Second, Times: 1})
	out, err := c.Disable(ctx, acc.ID)
	require.NoError(t, err)
	require.Equal(t, domain.Disabled, out)

	// 500 is not retried by the SDK: it surfaces as Transient for Temporal to retry
	e.AddFault(emulator.Fault{Family: "users", Status: 500, Times: 1})
	_, err = c.Enable(ctx, acc.ID)
	require.Equal(t, directory.KindTransient, directory.KindOf(err), "%v", err)

	// a dropped connection is Transient
	e.AddFault(emulator.Fault{Family: "users", Drop: true})
	_, err = c.Enable(ctx, acc.ID)
	require.Equal(t, directory.KindTransient, directory.KindOf(err), "%v", err)
	requireNoSecret(t, err)
	e.ClearFaults()

	// 403 is Permanent with Graph's message
	e.AddFault(emulator.Fault{Family: "groups", Status: 403, Times: 1})
	_, err = c.AddToGroup(ctx, acc.ID, "contractors")
	var de *directory.Error
	require.True(t, errors.As(err, &de))
	require.Equal(t, directory.KindPermanent, de.Kind)
	require.Equal(t, 403, de.Status)
	require.Equal(t, "Authorization_RequestDenied", de.Code)
	require.Contains(t, err.Error(), "Insufficient privileges to complete the operation.")
	requireNoSecret(t, err)

	// a real 400 from Graph's own validation
	p := joiner(1)
	p.UsageLocation = "gb"
	_, _, err = c.CreateUser(ctx, p, true)
	require.True(t, errors.As(err, &de))
	require.Equal(t, directory.KindPermanent, de.Kind)
	require.Equal(t, 400, de.Status)
	require.Contains(t, de.Message, "Invalid value specified for property 'usageLocation'")
	requireNoSecret(t, err)
}

func TestCredentialsNeverInErrors(t *testing.T) {
	e, _ := setup(t, 0)
	const wrong = "wrong-bearer-token-5b1e"
	c, err := New(Options{BaseURL: e.URL() + "/v1.0", Token: wrong})
	require.NoError(t, err)
	_, err = c.FindUser(context.Background(), "E0001", "")
	require.Equal(t, directory.KindPermanent, directory.KindOf(err), "%v", err)
	require.Contains(t, err.Error(), "InvalidAuthenticationToken")
	requireNoSecret(t, err, wrong)

	const secret = "client-secret-value-9d2a"
	_, err = New(Options{ClientSecret: secret})
	require.Error(t, err)
	requireNoSecret(t, err, secret)
	_, err = New(Options{BaseURL: e.URL() + "/v1.0"})
	require.Error(t, err)
	c, err = New(Options{TenantID: "00000000-0000-0000-0000-0000000000aa", ClientID: "00000000-0000-0000-0000-0000000000bb", ClientSecret: secret})
	require.NoError(t, err, "building the production client makes no network call")
	require.Equal(t, "entra", c.Name())
}

// fakeCredential stands in for azidentity so the Azure identity
// authentication provider (the production path) runs against the emulator.
type fakeCredential struct{ calls int }

func (f *fakeCredential) GetToken(_ context.Context, o policy.TokenRequestOptions) (azcore.AccessToken, error) {
	f.calls++
	if len(o.Scopes) != 1 || !strings.HasSuffix(o.Scopes[0], "/.default") {
		return azcore.AccessToken{}, errors.New("unexpected scopes")
	}
	return azcore.AccessToken{Token: token, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func TestAzureIdentityProviderPath(t *testing.T) {
	e, _ := setup(t, 0)
	cred := &fakeCredential{}
	c, err := newClient(Options{BaseURL: e.URL() + "/v1.0"}, cred)
	require.NoError(t, err)
	acc, err := c.FindUser(context.Background(), "E0001", "")
	require.NoError(t, err)
	require.Equal(t, "E0001", acc.EmployeeID)
	require.Positive(t, cred.calls)
}

// countingTransport sits under the SDK middleware and sees every attempt.
type countingTransport struct {
	mu       sync.Mutex
	attempts int
	gzipped  int
}

func (ct *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	ct.mu.Lock()
	ct.attempts++
	if r.Header.Get("Content-Encoding") == "gzip" {
		ct.gzipped++
	}
	ct.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func TestLimiterAndTransportUnderMiddleware(t *testing.T) {
	e, _ := setup(t, 0)
	ct := &countingTransport{}
	lim := directory.NewLimiter(0, 0)
	c, err := New(Options{BaseURL: e.URL() + "/v1.0", Token: token, HTTPClient: &http.Client{Transport: ct}, Limiter: lim})
	require.NoError(t, err)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0008", "")
	require.NoError(t, err)
	e.AddFault(emulator.Fault{Family: "groups", Method: "POST", Status: 503, RetryAfter: time.Second, Times: 1})
	before := ct.attempts
	out, err := c.AddToGroup(ctx, acc.ID, "contractors")
	require.NoError(t, err)
	require.Equal(t, domain.Added, out)
	// group lookup + the 503 attempt + its retry all pass the bottom transport
	require.Equal(t, 3, ct.attempts-before)
	require.Equal(t, 2, ct.gzipped, "compression runs above retry and our transport: the resend is the same gzip body")
	require.Contains(t, e.GroupsOf(acc.ID), "contractors")
}

func TestGzipGuardRelabelsPlainBody(t *testing.T) {
	ct := &countingTransport{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Enc", r.Header.Get("Content-Encoding"))
		_, _ = w.Write(b)
	}))
	defer srv.Close()
	g := gzipGuard{next: ct}
	for _, tc := range []struct {
		body    []byte
		wantEnc string
	}{{[]byte(`{"a":1}`), ""}, {[]byte{0x1f, 0x8b, 8, 0}, "gzip"}} {
		req, _ := http.NewRequest("POST", srv.URL, bytes.NewReader(tc.body))
		req.Header.Set("Content-Encoding", "gzip")
		resp, err := g.RoundTrip(req)
		require.NoError(t, err)
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, tc.wantEnc, resp.Header.Get("X-Enc"))
		require.Equal(t, tc.body, got)
		require.Equal(t, "gzip", req.Header.Get("Content-Encoding"), "the caller's request is not modified")
	}
}

func TestMiddlewareOrderIsFixed(t *testing.T) {
	for range 5 {
		mw := orderMiddleware(msgraphgocore.GetDefaultMiddlewaresWithOptions(&msgraphgocore.GraphClientOptions{}))
		ci, ri := -1, -1
		for i, m := range mw {
			switch m.(type) {
			case *khttp.CompressionHandler:
				ci = i
			case *khttp.RetryHandler:
				ri = i
			}
		}
		require.True(t, ci >= 0 && ri > ci, "compression %d must be outside retry %d", ci, ri)
	}
}

// A role held only inside an administrative unit is not the tenant-wide
// grant jml makes: GrantAdminRole must still assign it at scope "/", and
// RevokeAdminRole must not report the scoped one as removed.
func TestPIMScopedAssignmentIsNotTenantWide(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0002", "")
	require.NoError(t, err)
	rid, err := c.roles.id(ctx, "test", "Helpdesk Administrator")
	require.NoError(t, err)
	scoped := newScheduleRequest(models.ADMINASSIGN_UNIFIEDROLESCHEDULEREQUESTACTIONS, acc.ID, rid, "scoped")
	au := "/administrativeUnits/5d2d4b3a-0f3e-4f43-9a57-8a8f2c4f1e11"
	scoped.SetDirectoryScopeId(&au)
	_, err = c.graph.RoleManagement().Directory().RoleAssignmentScheduleRequests().Post(ctx, scoped, nil)
	require.NoError(t, err)

	out, err := c.RevokeAdminRole(ctx, acc.ID, "Helpdesk Administrator")
	require.NoError(t, err)
	require.Equal(t, domain.WasAbsent, out)

	_, out, err = c.GrantAdminRole(ctx, acc.ID, "Helpdesk Administrator", e.Now().Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, domain.Added, out)
	var tenantWide bool
	for _, a := range e.RoleAssignments(acc.ID) {
		tenantWide = tenantWide || (a.RoleDefinitionID == rid && a.DirectoryScopeID == "/")
	}
	require.True(t, tenantWide, "the grant is tenant-wide")
	require.Len(t, e.RoleAssignments(acc.ID), 2, "the scoped assignment is left alone")
}

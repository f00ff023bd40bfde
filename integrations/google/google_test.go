package google

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/googleemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

const testToken = "ya29.test-token-do-not-leak"

func setup(t *testing.T, cfg googleemu.Config, org demoorg.Org, mod func(*Options)) (*Client, *googleemu.Emulator) {
	t.Helper()
	cfg.Token = testToken
	e := emutest.Seeded(t, googleemu.New(cfg), org)
	opts := Options{BaseURL: e.URL(), Domain: org.Domain, Token: testToken, RequestsPerMinute: -1, RetryBaseDelay: time.Millisecond}
	if mod != nil {
		mod(&opts)
	}
	c, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, e
}

// must fails the test (by panic, shown with its stack) on an error.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func wantOutcome(t *testing.T, got domain.Outcome, err error, want domain.Outcome) {
	t.Helper()
	if err != nil || got != want {
		t.Fatalf("outcome %q err %v, want %q", got, err, want)
	}
}

func wantKind(t *testing.T, err error, k directory.Kind) *directory.Error {
	t.Helper()
	var de *directory.Error
	if !errors.As(err, &de) || de.Kind != k {
		t.Fatalf("want %s, got %v", k, err)
	}
	return de
}

func TestClassify(t *testing.T) {
	ge := func(code int, reason, msg string, h http.Header) error {
		e := &googleapi.Error{Code: code, Message: msg, Header: h}
		if reason != "" {
			e.Errors = []googleapi.ErrorItem{{Reason: reason, Message: msg}}
		}
		return e
	}
	cases := []struct {
		name   string
		err    error
		kind   directory.Kind
		reason string
		msg    string
		after  time.Duration
	}{
		{"403 userRateLimitExceeded", ge(403, "userRateLimitExceeded", "Quota exceeded", nil), directory.KindThrottled, "userRateLimitExceeded", "Quota exceeded", 0},
		{"403 quotaExceeded", ge(403, "quotaExceeded", "Too many concurrent", nil), directory.KindThrottled, "quotaExceeded", "", 0},
		{"429 rateLimitExceeded", ge(429, "rateLimitExceeded", "Rate Limit Exceeded", http.Header{"Retry-After": {"7"}}), directory.KindThrottled, "rateLimitExceeded", "", 7 * time.Second},
		{"429 without body", ge(429, "", "", nil), directory.KindThrottled, "", "Too Many Requests", 0},
		{"503 backendError", ge(503, "backendError", "The service is currently unavailable.", nil), directory.KindTransient, "backendError", "", 0},
		{"500", ge(500, "", "", nil), directory.KindTransient, "", "Internal Server Error", 0},
		{"400 invalid", ge(400, "invalid", "Invalid Input: primary_user_email", nil), directory.KindPermanent, "invalid", "Invalid Input: primary_user_email", 0},
		{"403 forbidden", ge(403, "forbidden", "Not Authorized to access this resource/api", nil), directory.KindPermanent, "forbidden", "Not Authorized", 0},
		{"409 duplicate", ge(409, "duplicate", "Entity already exists.", nil), directory.KindPermanent, "duplicate", "Entity already exists.", 0},
		{"401 authError", ge(401, "authError", "Invalid Credentials", nil), directory.KindPermanent, "authError", "", 0},
		{"404 notFound", ge(404, "notFound", "Resource Not Found: userKey", nil), directory.KindNotFound, "notFound", "userKey", 0},
		{"network", errors.New("dial tcp: connection refused; header Authorization: Bearer " + testToken), directory.KindTransient, "", "connection refused", 0},
		{"cancelled", context.Canceled, directory.KindPermanent, "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			de := classify("op", tc.err, testToken)
			if de.Kind != tc.kind || de.Code != tc.reason || !strings.Contains(de.Message, tc.msg) || de.RetryAfter != tc.after {
				t.Fatalf("got %+v", de)
			}
			if de.System != "google" || de.Op != "op" {
				t.Fatalf("system/op: %+v", de)
			}
			if strings.Contains(de.Error(), testToken) {
				t.Fatalf("token in %q", de.Error())
			}
		})
	}
	if classify("op", nil) != nil {
		t.Fatal("nil error classified")
	}
}

func TestEveryOperation(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(30, 2)
	c, e := setup(t, googleemu.Config{}, org, nil)
	emp, mgr := org.Employees[8], org.Employees[0]

	// find
	acc := must(c.FindUser(ctx, emp.EmployeeID, ""))
	if acc.Login != emp.Email || acc.EmployeeID != emp.EmployeeID || !acc.Enabled || acc.Department != emp.Department || acc.ManagerID == "" {
		t.Fatalf("find by employee id: %+v", acc)
	}
	if a := must(c.FindUser(ctx, "E9999", emp.Email)); a.ID != acc.ID {
		t.Fatalf("find by email fallback: %+v", a)
	}
	_, err := c.FindUser(ctx, "E9999", "nobody@"+org.Domain)
	wantKind(t, err, directory.KindNotFound)

	// create (disabled, lead time), duplicate create
	j := org.Joiners[0]
	p := domain.Person{EmployeeID: j.EmployeeID, Email: j.Email, GivenName: j.GivenName, FamilyName: j.FamilyName, Department: j.Department, Title: j.Title, Location: j.Location, CostCenter: j.CostCenter}
	nu, out, err := c.CreateUser(ctx, p, false)
	wantOutcome(t, out, err, domain.Created)
	if !e.Suspended(j.Email) || nu.Enabled {
		t.Fatal("created enabled, want suspended")
	}
	again, out, err := c.CreateUser(ctx, p, false)
	wantOutcome(t, out, err, domain.AlreadyExisted)
	if again.ID != nu.ID {
		t.Fatal("duplicate create returned another account")
	}
	if u, _ := e.User(nu.ID); u.EmployeeID() != j.EmployeeID || u.Organizations[0].Department != j.Department {
		t.Fatalf("stored user %+v", u)
	}

	// enable / disable, twice each
	out, err = c.Enable(ctx, nu.ID)
	wantOutcome(t, out, err, domain.Enabled)
	out, err = c.Enable(ctx, nu.ID)
	wantOutcome(t, out, err, domain.AlreadyEnabled)
	if e.Suspended(nu.ID) {
		t.Fatal("still suspended after Enable")
	}
	out, err = c.Disable(ctx, nu.ID)
	wantOutcome(t, out, err, domain.Disabled)
	out, err = c.Disable(ctx, nu.ID)
	wantOutcome(t, out, err, domain.AlreadyDisabled)
	if !e.Suspended(nu.ID) {
		t.Fatal("not suspended after Disable")
	}

	// profile and manager
	p.Department, p.Title = "Sales", "Account Executive"
	out, err = c.UpdateProfile(ctx, nu.ID, p)
	wantOutcome(t, out, err, domain.Updated)
	out, err = c.UpdateProfile(ctx, nu.ID, p)
	wantOutcome(t, out, err, domain.Unchanged)
	if u, _ := e.User(nu.ID); u.Organizations[0].Department != "Sales" || !u.Suspended {
		t.Fatalf("after update %+v", u)
	}
	mgrAcc := must(c.FindUser(ctx, mgr.EmployeeID, ""))
	out, err = c.SetManager(ctx, nu.ID, mgrAcc.ID)
	wantOutcome(t, out, err, domain.Updated)
	out, err = c.SetManager(ctx, nu.ID, mgrAcc.ID)
	wantOutcome(t, out, err, domain.Unchanged)
	if u, _ := e.User(nu.ID); u.Manager() != mgr.Email {
		t.Fatalf("manager %q", u.Manager())
	}
	out, err = c.SetManager(ctx, nu.ID, "")
	wantOutcome(t, out, err, domain.Updated)
	if u, _ := e.User(nu.ID); u.Manager() != "" {
		t.Fatalf("manager not cleared: %q", u.Manager())
	}

	// sessions
	e.AddToken(emp.Email, "slack.apps.googleusercontent.com", "Slack")
	out, err = c.RevokeSessions(ctx, acc.ID)
	wantOutcome(t, out, err, domain.Revoked)
	if e.SignedOut(acc.ID) != 1 || len(e.Tokens(acc.ID)) != 0 {
		t.Fatalf("signedOut=%d tokens=%v", e.SignedOut(acc.ID), e.Tokens(acc.ID))
	}

	// groups
	out, err = c.AddToGroup(ctx, nu.ID, "dept-sales")
	wantOutcome(t, out, err, domain.Added)
	out, err = c.AddToGroup(ctx, nu.ID, "dept-sales@"+org.Domain)
	wantOutcome(t, out, err, domain.AlreadyPresent)
	if gs := must(c.ListGroups(ctx, nu.ID)); !slices.Equal(gs, []string{"dept-sales"}) {
		t.Fatalf("groups %v", gs)
	}
	if !e.IsMember("dept-sales", j.Email) {
		t.Fatal("emulator has no membership")
	}
	out, err = c.RemoveFromGroup(ctx, nu.ID, "dept-sales")
	wantOutcome(t, out, err, domain.Removed)
	out, err = c.RemoveFromGroup(ctx, nu.ID, "dept-sales")
	wantOutcome(t, out, err, domain.WasAbsent)
	_, err = c.RemoveFromGroup(ctx, nu.ID, "no-such-group")
	wantKind(t, err, directory.KindNotFound)

	// admin roles (not time-bound)
	ra, out, err := c.GrantAdminRole(ctx, nu.ID, "User Administrator", time.Now().Add(time.Hour))
	wantOutcome(t, out, err, domain.Added)
	if ra.ID == "" || !ra.ExpiresAt.IsZero() {
		t.Fatalf("assignment %+v", ra)
	}
	_, out, err = c.GrantAdminRole(ctx, nu.Login, "user administrator", time.Time{})
	wantOutcome(t, out, err, domain.AlreadyPresent)
	roles := must(c.ListAdminRoles(ctx, nu.ID))
	if len(roles) != 1 || roles[0].Role != "User Administrator" || roles[0].ID != ra.ID {
		t.Fatalf("roles %+v", roles)
	}
	if got := e.RoleAssignments(nu.ID); len(got) != 1 || got[0].RoleName != "User Administrator" {
		t.Fatalf("emulator roles %+v", got)
	}
	out, err = c.RevokeAdminRole(ctx, nu.ID, "User Administrator")
	wantOutcome(t, out, err, domain.Removed)
	out, err = c.RevokeAdminRole(ctx, nu.ID, "User Administrator")
	wantOutcome(t, out, err, domain.WasAbsent)
	_, _, err = c.GrantAdminRole(ctx, nu.ID, "Galactic Overlord", time.Time{})
	wantKind(t, err, directory.KindNotFound)
	_, out, err = c.GrantAdminRole(ctx, nu.ID, "User Management Administrator", time.Time{}) // system role by description
	wantOutcome(t, out, err, domain.Added)

	// devices
	devs := must(c.ListDevices(ctx, acc.ID))
	if len(devs) != 1 || !devs[0].Compliant() || devs[0].Retired {
		t.Fatalf("devices %+v", devs)
	}
	out, err = c.RetireDevice(ctx, devs[0].ID)
	wantOutcome(t, out, err, domain.Retired)
	out, err = c.RetireDevice(ctx, devs[0].ID)
	wantOutcome(t, out, err, domain.AlreadyRetired)
	if d, _ := e.Device(devs[0].ID); !slices.Equal(d.Actions, []string{"admin_account_wipe"}) {
		t.Fatalf("device actions %v", d.Actions)
	}
	if bad := must(c.ListDevices(ctx, org.Employees[9].Email)); len(bad) != 1 || bad[0].Compliant() {
		t.Fatalf("noncompliant device %+v", bad)
	}
	_, err = c.RetireDevice(ctx, "no-such-device")
	wantKind(t, err, directory.KindNotFound)

	// MFA
	if m := must(c.MFAStatus(ctx, acc.ID)); m.Enrolled != emp.MFA {
		t.Fatalf("mfa %+v want %v", m, emp.MFA)
	}
	if m := must(c.MFAStatus(ctx, org.Employees[12].Email)); m.Enrolled { // i=13: no MFA in the demo
		t.Fatalf("mfa %+v", m)
	}

	// the emulator's audit trail saw the mutations
	adm := e.AdminEvents()
	for _, want := range []string{"CREATE_USER", "UNSUSPEND_USER", "SUSPEND_USER", "ADD_GROUP_MEMBER", "ASSIGN_ROLE", "REVOKE_3LO_TOKEN"} {
		if !slices.Contains(adm, want) {
			t.Errorf("admin event %s missing", want)
		}
	}
}

func TestPaging(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(25, 0)
	c, e := setup(t, googleemu.Config{PageSize: 2}, org, nil)
	contractor := org.Employees[24] // E0025: all-staff, dept, contractors
	gs := must(c.ListGroups(ctx, contractor.Email))
	if len(gs) != 3 || !slices.Contains(gs, "contractors") || !slices.Contains(gs, "all-staff") {
		t.Fatalf("groups %v", gs)
	}
	// the three groups took two pages
	pages := 0
	for _, r := range e.Requests() {
		if r.Family == "groups" {
			pages++
		}
	}
	if pages != 2 {
		t.Fatalf("%d group pages, want 2", pages)
	}

	var events []domain.AuditEvent
	err := c.SignInEvents(ctx, time.Now().Add(-24*time.Hour), time.Now().Add(time.Minute), func(ev domain.AuditEvent) error {
		events = append(events, ev)
		return nil
	})
	want := len(e.Activities("login"))
	if err != nil || len(events) != want || want <= 2 {
		t.Fatalf("%d sign-in events, want %d: %v", len(events), want, err)
	}
	ev := events[0]
	if ev.ID == "" || ev.Time.IsZero() || ev.Actor == "" || ev.Result != "success" || ev.App != "login" || ev.IP == "" {
		t.Fatalf("event %+v", ev)
	}
	failures := 0
	for _, ev := range events {
		if ev.Result == "failure" {
			failures++
		}
	}
	if failures != 1 { // E0013 in the demo
		t.Fatalf("%d failures", failures)
	}
	// fn's error stops the walk
	stop := errors.New("enough")
	n := 0
	if err := c.SignInEvents(ctx, time.Time{}, time.Time{}, func(domain.AuditEvent) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Fatalf("stop: %v after %d", err, n)
	}
}

func countFamily(e *googleemu.Emulator, fam, method string) int {
	n := 0
	for _, r := range e.Requests() {
		if r.Family == fam && (method == "" || r.Method == method) {
			n++
		}
	}
	return n
}

func TestRetries(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(5, 1)
	emp := org.Employees[0]

	t.Run("403 userRateLimitExceeded then success", func(t *testing.T) {
		c, e := setup(t, googleemu.Config{}, org, nil)
		e.AddFault(emulator.Fault{Status: 429, Family: "users", Times: 2}) // answered 403 userRateLimitExceeded
		if _, err := c.FindUser(ctx, emp.EmployeeID, ""); err != nil {
			t.Fatal(err)
		}
		if e.ThrottledCount() != 2 || countFamily(e, "users", "") != 3 {
			t.Fatalf("throttled %d, calls %d", e.ThrottledCount(), countFamily(e, "users", ""))
		}
	})
	t.Run("429 rateLimitExceeded then success", func(t *testing.T) {
		c, e := setup(t, googleemu.Config{ThrottleStatus: 429}, org, nil)
		e.AddFault(emulator.Fault{Status: 429, Family: "members", Times: 1})
		out, err := c.AddToGroup(ctx, emp.Email, "contractors")
		wantOutcome(t, out, err, domain.Added)
	})
	t.Run("503 retried", func(t *testing.T) {
		c, e := setup(t, googleemu.Config{}, org, nil)
		e.AddFault(emulator.Fault{Status: 503, Family: "users", Times: 1})
		out, err := c.Disable(ctx, emp.Email)
		wantOutcome(t, out, err, domain.Disabled)
		if countFamily(e, "users", "") != 3 { // get (503), get, update
			t.Fatalf("calls %d", countFamily(e, "users", ""))
		}
	})
	t.Run("bounded", func(t *testing.T) {
		c, e := setup(t, googleemu.Config{}, org, func(o *Options) { o.MaxRetries = 2 })
		e.AddFault(emulator.Fault{Status: 503, Family: "users"})
		_, err := c.MFAStatus(ctx, emp.Email)
		de := wantKind(t, err, directory.KindTransient)
		if de.Status != 503 || de.Code != "backendError" || countFamily(e, "users", "") != 3 {
			t.Fatalf("%+v after %d calls", de, countFamily(e, "users", ""))
		}
	})
	t.Run("create looks up before retrying the insert", func(t *testing.T) {
		c, e := setup(t, googleemu.Config{}, org, nil)
		e.AddFault(emulator.Fault{Status: 503, Family: "users", Method: "POST", Times: 1})
		j := org.Joiners[0]
		_, out, err := c.CreateUser(ctx, domain.Person{EmployeeID: j.EmployeeID, Email: j.Email, GivenName: j.GivenName, FamilyName: j.FamilyName}, true)
		wantOutcome(t, out, err, domain.Created)
		var seq []string
		for _, r := range e.Requests() {
			seq = append(seq, r.Method)
		}
		// find (list, get), insert 503, find again (list, get), insert
		if !slices.Equal(seq, []string{"GET", "GET", "POST", "GET", "GET", "POST"}) {
			t.Fatalf("sequence %v", seq)
		}
		if e.UserCount() != len(org.Employees)+1 {
			t.Fatal("user count")
		}
	})
}

func TestPermanentErrors(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(5, 0)
	emp := org.Employees[0]
	for _, tc := range []struct {
		status int
		msg    string
	}{{400, "Invalid Input"}, {403, "Not Authorized to access this resource/api"}} {
		c, e := setup(t, googleemu.Config{}, org, nil)
		e.AddFault(emulator.Fault{Status: tc.status, Family: "users"})
		_, err := c.FindUser(ctx, "", emp.Email)
		de := wantKind(t, err, directory.KindPermanent)
		if de.Status != tc.status || !strings.Contains(de.Message, tc.msg) || countFamily(e, "users", "") != 1 {
			t.Fatalf("%d: %+v after %d calls", tc.status, de, countFamily(e, "users", ""))
		}
	}
	// a create the server refuses (wrong domain) carries Google's message
	c, _ := setup(t, googleemu.Config{}, org, nil)
	_, _, err := c.CreateUser(ctx, domain.Person{Email: "x@elsewhere.test", GivenName: "X", FamilyName: "Y"}, true)
	if de := wantKind(t, err, directory.KindPermanent); de.Message != "Domain not found." {
		t.Fatalf("%+v", de)
	}
}

func TestNoTokenInErrors(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(3, 0)
	e := emutest.Seeded(t, googleemu.New(googleemu.Config{Token: "the-right-token"}), org)
	c := must(New(ctx, Options{BaseURL: e.URL(), Token: testToken, RequestsPerMinute: -1}))
	_, err := c.FindUser(ctx, "E0001", org.Employees[0].Email)
	de := wantKind(t, err, directory.KindPermanent)
	if de.Status != 401 || de.Code != "authError" || strings.Contains(err.Error(), testToken) {
		t.Fatalf("%v", err)
	}
	// a dead endpoint: the transport error must not carry it either
	dead := must(New(ctx, Options{BaseURL: "http://127.0.0.1:1/", Token: testToken, RequestsPerMinute: -1, MaxRetries: -1}))
	_, err = dead.MFAStatus(ctx, "someone@"+org.Domain)
	if wantKind(t, err, directory.KindTransient); strings.Contains(err.Error(), testToken) {
		t.Fatalf("%v", err)
	}
}

func TestNewWithServiceAccount(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pemKey := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: must(x509.MarshalPKCS8PrivateKey(key))})
	sa, _ := json.Marshal(map[string]string{"type": "service_account", "project_id": "jml-test", "private_key_id": "k1", "private_key": string(pemKey),
		"client_email": "jml@jml-test.iam.gserviceaccount.com", "client_id": "1", "token_uri": "http://127.0.0.1:1/token"})
	path := filepath.Join(t.TempDir(), "sa.json")
	if err := os.WriteFile(path, sa, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), Options{CredentialsFile: path, AdminSubject: "admin@" + demoorg.Domain}); err != nil {
		t.Fatal(err)
	}
	if _, err := New(context.Background(), Options{CredentialsFile: path}); err == nil {
		t.Fatal("no subject accepted")
	}
	if _, err := New(context.Background(), Options{}); err == nil {
		t.Fatal("no credentials accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"type":"authorized_user"}`), 0o600)
	if _, err := New(context.Background(), Options{CredentialsFile: bad, AdminSubject: "a@b"}); err == nil {
		t.Fatal("non-service-account accepted")
	}
}

// A 409 on insert is AlreadyPresent only when the read-back finds the
// assignment: an unconfirmed conflict must not report a grant that is not
// there (JIT elevation would tell the requester they hold the role).
func TestGrantAdminRoleConflictNotConfirmed(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(5, 0)
	c, e := setup(t, googleemu.Config{}, org, nil)
	id := org.Employees[1].Email
	e.AddFault(emulator.Fault{Status: 409, Family: "roleassignments", Method: "POST", Times: 1})
	ra, out, err := c.GrantAdminRole(ctx, id, "User Management Administrator", time.Time{})
	if out != "" || ra.ID != "" {
		t.Fatalf("unconfirmed 409: assignment %+v outcome %q", ra, out)
	}
	if de := wantKind(t, err, directory.KindPermanent); de.Status != 409 {
		t.Fatalf("unconfirmed 409: %v", err)
	}
	if got := e.RoleAssignments(id); len(got) != 0 {
		t.Fatalf("emulator roles %+v", got)
	}
	// with the conflict gone the grant goes through
	_, out, err = c.GrantAdminRole(ctx, id, "User Management Administrator", time.Time{})
	wantOutcome(t, out, err, domain.Added)
}

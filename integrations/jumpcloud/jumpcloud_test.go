package jumpcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/jumpcloudemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

const (
	key = "jc-test-api-key-6d2f"
	org = "5f00000000000000000000aa"
)

var demo = demoorg.New(40, 3)

type waits struct {
	mu sync.Mutex
	ds []time.Duration
}

func start(t *testing.T) *jumpcloudemu.Emulator {
	t.Helper()
	return emutest.Seeded(t, jumpcloudemu.New(jumpcloudemu.Config{APIKey: key, OrgID: org}), demo)
}

func client(t *testing.T, e *jumpcloudemu.Emulator, mod func(*Options)) (*Client, *waits) {
	t.Helper()
	o := Options{BaseURL: e.URL(), APIKey: key, OrgID: org, MaxWait: 2 * time.Second}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	w := &waits{}
	c.sleep = func(ctx context.Context, d time.Duration) error {
		w.mu.Lock()
		w.ds = append(w.ds, d)
		w.mu.Unlock()
		return directory.Sleep(ctx, d)
	}
	return c, w
}

func kindOf(t *testing.T, err error, want directory.Kind) *directory.Error {
	t.Helper()
	var de *directory.Error
	if !errors.As(err, &de) || de.Kind != want {
		t.Fatalf("err = %v, want kind %s", err, want)
	}
	if strings.Contains(err.Error(), key) {
		t.Fatalf("the API key leaked into %q", err)
	}
	return de
}

// must unwraps a call's result; an error panics, which fails the test
// with its stack.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestFindCreateUpdate(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, nil)
	ctx := context.Background()
	emp := demo.Employees[10]

	a := must(c.FindUser(ctx, emp.EmployeeID, ""))
	if a.EmployeeID != emp.EmployeeID || !a.Enabled || a.Status != "ACTIVATED" || a.Login != emp.Email {
		t.Fatalf("found %+v", a)
	}
	// by email (upper-cased by HR), then by the username jml would give
	if b := must(c.FindUser(ctx, "", strings.ToUpper(emp.Email))); b.ID != a.ID {
		t.Fatalf("by email: %+v", b)
	}
	_, err := c.FindUser(ctx, "E9999", "nobody@demo.jml.test")
	kindOf(t, err, directory.KindNotFound)

	j := demo.Joiners[0]
	p := emutest.Person(j)
	p.DisplayName = j.Name()
	acct, o, err := c.CreateUser(ctx, p, false)
	if err != nil || o != domain.Created || acct.Enabled || acct.Status != "STAGED" {
		t.Fatalf("create: %+v %s %v", acct, o, err)
	}
	u, _ := e.UserByEmployeeID(j.EmployeeID)
	if u.Username != jumpcloudemu.Username(j.Email) || u.Email != j.Email || u.Firstname != j.GivenName || u.JobTitle != j.Title || u.State != "STAGED" {
		t.Fatalf("emulator holds %+v", u)
	}
	if _, o, _ := c.CreateUser(ctx, p, false); o != domain.AlreadyExisted {
		t.Fatalf("second create: %s", o)
	}
	if o := must(c.Enable(ctx, acct.ID)); o != domain.Enabled {
		t.Fatalf("enable: %s", o)
	}
	if u, _ := e.UserByID(acct.ID); u.State != "ACTIVATED" {
		t.Fatalf("after enable: %s", u.State)
	}
	if o := must(c.Enable(ctx, acct.ID)); o != domain.AlreadyEnabled {
		t.Fatalf("enable again: %s", o)
	}

	p.Department, p.Title = "Sales", "Account Executive"
	if o := must(c.UpdateProfile(ctx, acct.ID, p)); o != domain.Updated {
		t.Fatalf("update: %s", o)
	}
	if u, _ := e.UserByID(acct.ID); u.Department != "Sales" || u.JobTitle != "Account Executive" || u.Firstname != j.GivenName {
		t.Fatalf("after update %+v", u)
	}
	if o := must(c.UpdateProfile(ctx, acct.ID, p)); o != domain.Unchanged {
		t.Fatalf("update again: %s", o)
	}
	mgr := must(c.FindUser(ctx, demo.Employees[0].EmployeeID, ""))
	if o := must(c.SetManager(ctx, acct.ID, mgr.ID)); o != domain.Updated {
		t.Fatalf("set manager: %s", o)
	}
	if a := must(c.FindUser(ctx, j.EmployeeID, "")); a.ManagerID != mgr.ID {
		t.Fatalf("manager %q", a.ManagerID)
	}
}

// A username taken by someone else is a clear, permanent error naming the
// employee and the username.
func TestCreateUsernameTaken(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, nil)
	taken := demo.Employees[3]
	p := emutest.Person(demo.Joiners[1])
	p.Email = jumpcloudemu.Username(taken.Email) + "@elsewhere.test"
	_, _, err := c.CreateUser(context.Background(), p, true)
	de := kindOf(t, err, directory.KindPermanent)
	if !strings.Contains(de.Message, p.EmployeeID) || !strings.Contains(de.Message, jumpcloudemu.Username(taken.Email)) || de.Status != 400 {
		t.Fatalf("error %v", err)
	}
}

func TestSuspendAndSessions(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, nil)
	ctx := context.Background()
	a := must(c.FindUser(ctx, demo.Employees[12].EmployeeID, ""))
	if ok, _ := must2(t)(c.SessionsRevokedSince(ctx, a.ID, time.Now())); ok {
		t.Fatal("an active user's sessions reported revoked")
	}
	if o := must(c.Disable(ctx, a.ID)); o != domain.Disabled {
		t.Fatalf("disable: %s", o)
	}
	if u, _ := e.UserByID(a.ID); !u.Suspended || u.State != "SUSPENDED" {
		t.Fatalf("after disable %+v", u)
	}
	if o := must(c.Disable(ctx, a.ID)); o != domain.AlreadyDisabled {
		t.Fatalf("disable again: %s", o)
	}
	ok, ev := must2(t)(c.SessionsRevokedSince(ctx, a.ID, time.Now()))
	if !ok || !strings.Contains(ev, "SUSPENDED") {
		t.Fatalf("revoked %v %q", ok, ev)
	}
	if got := must(c.FindUser(ctx, demo.Employees[12].EmployeeID, "")); got.Enabled {
		t.Fatal("suspended user reads enabled")
	}
	if o := must(c.Enable(ctx, a.ID)); o != domain.Enabled {
		t.Fatalf("unsuspend: %s", o)
	}
	if u, _ := e.UserByID(a.ID); u.Suspended || u.State != "ACTIVATED" {
		t.Fatalf("after unsuspend %+v", u)
	}
}

func must2(t *testing.T) func(bool, string, error) (bool, string) {
	return func(b bool, s string, err error) (bool, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return b, s
	}
}

func TestGroupsPagedAndIdempotent(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, func(o *Options) { o.PageSize = 2 })
	ctx := context.Background()
	emp := demo.Employees[30] // contractor: all-staff, dept-…, contractors
	a := must(c.FindUser(ctx, emp.EmployeeID, ""))
	got := must(c.ListGroups(ctx, a.ID))
	if !slices.Equal(got, e.GroupsOf(a.ID)) || len(got) != len(emp.Groups) {
		t.Fatalf("groups %v, emulator %v, demo %v", got, e.GroupsOf(a.ID), emp.Groups)
	}
	if o := must(c.AddToGroup(ctx, a.ID, "dept-sales")); o != domain.Added {
		t.Fatalf("add: %s", o)
	}
	if o := must(c.AddToGroup(ctx, a.ID, "dept-sales")); o != domain.AlreadyPresent {
		t.Fatalf("add again: %s", o)
	}
	if o := must(c.RemoveFromGroup(ctx, a.ID, "dept-sales")); o != domain.Removed {
		t.Fatalf("remove: %s", o)
	}
	if o := must(c.RemoveFromGroup(ctx, a.ID, "dept-sales")); o != domain.WasAbsent {
		t.Fatalf("remove again: %s", o)
	}
	if slices.Contains(e.GroupsOf(a.ID), "dept-sales") {
		t.Fatal("still a member")
	}
	_, err := c.AddToGroup(ctx, a.ID, "no-such-group")
	kindOf(t, err, directory.KindNotFound)
	// pages of 2 were asked for: skip/limit was walked
	var skips int
	for _, r := range e.Requests() {
		if strings.HasSuffix(r.Path, "/memberof") && strings.Contains(r.Query, "skip=2") {
			skips++
		}
	}
	if skips == 0 {
		t.Fatal("memberof was not paged")
	}
}

func TestMFAAdminRolesDevices(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, nil)
	ctx := context.Background()
	var withMFA, without, admin demoorg.Employee
	for _, emp := range demo.Employees {
		switch {
		case len(emp.AdminRoles) > 0 && admin.EmployeeID == "":
			admin = emp
		case emp.MFA && emp.DeviceOK && len(emp.AdminRoles) == 0 && withMFA.EmployeeID == "":
			withMFA = emp
		case !emp.MFA && !emp.DeviceOK && without.EmployeeID == "":
			without = emp
		}
	}
	if without.EmployeeID == "" {
		for _, emp := range demo.Employees {
			if !emp.DeviceOK {
				without = emp
				break
			}
		}
	}
	a := must(c.FindUser(ctx, withMFA.EmployeeID, ""))
	if m := must(c.MFAStatus(ctx, a.ID)); !m.Enrolled || !slices.Equal(m.Methods, []string{"totp"}) {
		t.Fatalf("mfa %+v", m)
	}
	e.SetMFA(a.ID, false)
	if m := must(c.MFAStatus(ctx, a.ID)); m.Enrolled {
		t.Fatalf("mfa after reset %+v", m)
	}

	devs := must(c.ListDevices(ctx, a.ID))
	if len(devs) != 1 || !devs[0].Compliant() || devs[0].Name != "LAPTOP-"+withMFA.EmployeeID {
		t.Fatalf("devices %+v", devs)
	}
	b := must(c.FindUser(ctx, without.EmployeeID, ""))
	if devs := must(c.ListDevices(ctx, b.ID)); len(devs) != 1 || devs[0].Compliant() {
		t.Fatalf("unmanaged device reads %+v", devs)
	}
	// a shared device is left alone; the leaver's own is locked
	shared := e.AddSystem(jumpcloudemu.System{DisplayName: "SHARED-1", MDMVendor: "internal", FDEActive: true, Active: true}, a.ID, b.ID)
	if o := must(c.RetireDevice(ctx, shared)); o != domain.Unchanged {
		t.Fatalf("shared: %s", o)
	}
	if o := must(c.RetireDevice(ctx, devs[0].ID)); o != domain.Retired {
		t.Fatalf("retire: %s", o)
	}
	for _, s := range e.SystemsOf(a.ID) {
		if want := map[bool]int{true: 0, false: 1}[s.ID == shared]; s.Locks != want {
			t.Fatalf("system %s locked %d times, want %d", s.DisplayName, s.Locks, want)
		}
	}

	ad := must(c.FindUser(ctx, admin.EmployeeID, ""))
	rs := must(c.ListAdminRoles(ctx, ad.ID))
	if len(rs) != 2 || rs[0].Role != RoleSudo || rs[1].Role != "group:"+jumpcloudemu.SudoGroup || !rs[0].ExpiresAt.IsZero() {
		t.Fatalf("standing admin roles %+v (want user-level sudo and the it-sudo group)", rs)
	}
	if o := must(c.RevokeAdminRole(ctx, ad.ID, "group:"+jumpcloudemu.SudoGroup)); o != domain.Removed || slices.Contains(e.GroupsOf(ad.ID), jumpcloudemu.SudoGroup) {
		t.Fatalf("revoke the sudo group: %s, groups %v", o, e.GroupsOf(ad.ID))
	}
	if _, o, err := c.GrantAdminRole(ctx, a.ID, "group:"+jumpcloudemu.SudoGroup, time.Now().Add(time.Hour)); err != nil || o != domain.Added {
		t.Fatalf("grant the sudo group: %s %v", o, err)
	}
	if rs := must(c.ListAdminRoles(ctx, a.ID)); len(rs) != 1 || rs[0].Role != "group:"+jumpcloudemu.SudoGroup {
		t.Fatalf("after the group grant %+v", rs)
	}
	if o := must(c.RevokeAdminRole(ctx, a.ID, "group:"+jumpcloudemu.SudoGroup)); o != domain.Removed {
		t.Fatalf("revoke: %s", o)
	}
	_, _, err := c.GrantAdminRole(ctx, a.ID, "group:dept-sales", time.Now())
	if de := kindOf(t, err, directory.KindPermanent); !strings.Contains(de.Message, "does not have sudo enabled") {
		t.Fatalf("a group without sudo: %v", err)
	}
	if rs := must(c.ListAdminRoles(ctx, a.ID)); len(rs) != 0 {
		t.Fatalf("roles %+v", rs)
	}
	_, o, err := c.GrantAdminRole(ctx, a.ID, RolePasswordlessSudo, time.Now().Add(time.Hour))
	if err != nil || o != domain.Added {
		t.Fatalf("grant %s %v", o, err)
	}
	if u, _ := e.UserByID(a.ID); !u.Sudo || !u.PasswordlessSudo {
		t.Fatalf("after grant %+v", u)
	}
	if _, o, _ := c.GrantAdminRole(ctx, a.ID, RolePasswordlessSudo, time.Now().Add(time.Hour)); o != domain.AlreadyPresent {
		t.Fatalf("grant again %s", o)
	}
	if o := must(c.RevokeAdminRole(ctx, a.ID, RoleSudo)); o != domain.WasAbsent {
		t.Fatalf("revoke another role: %s", o)
	}
	if o := must(c.RevokeAdminRole(ctx, a.ID, RolePasswordlessSudo)); o != domain.Removed {
		t.Fatalf("revoke: %s", o)
	}
	if u, _ := e.UserByID(a.ID); u.Sudo || u.PasswordlessSudo {
		t.Fatalf("after revoke %+v", u)
	}
	_, _, err = c.GrantAdminRole(ctx, a.ID, "Domain Admins", time.Now())
	kindOf(t, err, directory.KindPermanent)
	_, _, err = c.GrantAdminRole(ctx, a.ID, "group:", time.Now())
	kindOf(t, err, directory.KindPermanent)
}

func TestAuthAndErrors(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	id := demo.Employees[5].EmployeeID

	bad, _ := client(t, e, func(o *Options) { o.APIKey = "wrong-key-" + key })
	_, err := bad.FindUser(ctx, id, "")
	if de := kindOf(t, err, directory.KindPermanent); de.Status != 401 || de.Code != "UNAUTHENTICATED" {
		t.Fatalf("bad key: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key") {
		t.Fatal("the key leaked")
	}
	otherOrg, _ := client(t, e, func(o *Options) { o.OrgID = "5f00000000000000000000bb" })
	_, err = otherOrg.FindUser(ctx, id, "")
	kindOf(t, err, directory.KindPermanent)

	c, w := client(t, e, nil)
	e.AddFault(emulator.Fault{Family: "systemusers", Status: 429, RetryAfter: time.Second, Times: 1})
	e.AddFault(emulator.Fault{Family: "systemusers", Status: 503, Times: 1})
	if _, err := c.FindUser(ctx, id, ""); err != nil {
		t.Fatalf("429 then 503 not waited out: %v", err)
	}
	if len(w.ds) != 2 || w.ds[0] != time.Second {
		t.Fatalf("waits %v (want the server's 1s first)", w.ds)
	}
	// a 429's body and headers, on the wire
	e.AddFault(emulator.Fault{Family: "systemusers", Status: 429, RetryAfter: 2 * time.Second, Times: 1})
	req, _ := http.NewRequest(http.MethodGet, e.URL()+"/api/systemusers", nil)
	req.Header.Set("x-api-key", key)
	resp := must(http.DefaultClient.Do(req))
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Fatalf("429 answer %d %v", resp.StatusCode, resp.Header)
	}

	// a gateway's HTML 502 is transient by status alone; given up after MaxAttempts
	c2, _ := client(t, e, func(o *Options) { o.MaxAttempts = 2 })
	e.AddFault(emulator.Fault{Family: "systemusers", Status: 502, Gateway: "html", Times: 2})
	_, err = c2.FindUser(ctx, id, "")
	kindOf(t, err, directory.KindTransient)

	// a dropped connection is transient and retried
	e.AddFault(emulator.Fault{Family: "systemusers", Drop: true, Times: 1})
	if _, err := c.FindUser(ctx, id, ""); err != nil {
		t.Fatalf("dropped connection not retried: %v", err)
	}
	// a lost answer on add: applied, then 503; the retry's 409 is AlreadyPresent
	a := must(c.FindUser(ctx, id, ""))
	e.AddFault(emulator.Fault{Method: "POST", PathPrefix: "/api/v2/usergroups/", Status: 503, After: true, Times: 1})
	if o := must(c.AddToGroup(ctx, a.ID, "dept-finance")); o != domain.AlreadyPresent && o != domain.Added {
		t.Fatalf("lost answer: %s", o)
	}
	if !slices.Contains(e.GroupsOf(a.ID), "dept-finance") {
		t.Fatal("not a member after a lost answer")
	}
}

// The client-side limiter keeps a burst under the server's limit.
func TestLimiterPacesBurst(t *testing.T) {
	e := start(t)
	e.SetLimit("systemusers", emulator.Limit{Requests: 20, Window: time.Second})
	c, _ := client(t, e, func(o *Options) { o.Limiter = directory.NewLimiter(600, 5) })
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 30)
	for i := range 30 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.FindUser(ctx, demo.Employees[i%len(demo.Employees)].EmployeeID, "")
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.Server.Throttled(); n != 0 {
		t.Fatalf("%d calls answered 429", n)
	}
}

func TestNewRefusesBadOptions(t *testing.T) {
	for _, o := range []Options{{APIKey: ""}, {BaseURL: "ftp://x", APIKey: "k"}} {
		if _, err := New(o); err == nil {
			t.Fatalf("New(%+v) accepted", o)
		}
	}
	c, err := New(Options{APIKey: "k"})
	if err != nil || c.base != DefaultBaseURL {
		t.Fatalf("default base %v %v", c, err)
	}
	if _, err := New(Options{BaseURL: "::bad", APIKey: "secret-key-1"}); err == nil || strings.Contains(fmt.Sprint(err), "secret-key-1") {
		t.Fatalf("bad URL: %v", err)
	}
}

// Directory Insights is read in pages continued by X-Search_after, and a
// month holds exactly the emulator's events of that month.
func TestSignInEventsPaged(t *testing.T) {
	e := start(t)
	c, _ := client(t, e, func(o *Options) { o.InsightsURL = e.URL() })
	ctx := context.Background()
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 1, 0)
	for i := range insightsPage + 5 { // more than one page
		e.AddEvent(jumpcloudemu.Event{EventType: "user_login_attempt", Service: "sso", Success: i%7 != 0, ClientIP: "192.0.2.1",
			Timestamp: from.Add(time.Duration(i) * time.Minute), InitiatedBy: map[string]any{"type": "user", "id": fmt.Sprintf("u%d", i%10)}})
	}
	e.AddEvent(jumpcloudemu.Event{EventType: "user_login_attempt", Service: "sso", Timestamp: to, InitiatedBy: map[string]any{"id": "next-month"}})
	var got []domain.AuditEvent
	seen := map[string]bool{}
	err := c.SignInEvents(ctx, from, to, func(ev domain.AuditEvent) error {
		if seen[ev.ID] {
			return fmt.Errorf("event %s twice", ev.ID)
		}
		seen[ev.ID] = true
		got = append(got, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != e.EventsBetween(from, to) || len(got) != insightsPage+5 {
		t.Fatalf("%d events, emulator holds %d", len(got), e.EventsBetween(from, to))
	}
	if g := got[7]; g.Result != "failure" || g.Action != "user_login_attempt" || g.App != "sso" || g.Actor != "u7" || g.Raw["client_ip"] != "192.0.2.1" {
		t.Fatalf("event %+v", g)
	}
	var posts int
	for _, r := range e.Requests() {
		if r.Family == "insights" {
			posts++
		}
	}
	if posts != 2 {
		t.Fatalf("%d insights calls, want 2 pages", posts)
	}
}

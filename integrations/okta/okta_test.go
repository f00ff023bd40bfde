package okta_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	oktadir "github.com/jml-dev/jml/integrations/okta"
)

const token = "00TESTtokenNeverPrinted42"

// org has 60 employees in Okta and two joiners who are only in HR.
var org = demoorg.New(60, 2)

type env struct {
	emu  *oktaemu.Emulator
	c    *oktadir.Client
	errs []error // every error seen, checked for the token at the end
}

func setup(t *testing.T, cfg oktaemu.Config, opts oktadir.Options) *env {
	t.Helper()
	cfg.Token = token
	e := emutest.Seeded(t, oktaemu.New(cfg), org)
	opts.OrgURL, opts.Token = e.URL(), token
	if opts.Token == "" {
		opts.Token = token
	}
	c, err := oktadir.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	en := &env{emu: e, c: c}
	t.Cleanup(func() {
		for _, err := range en.errs {
			if strings.Contains(err.Error(), token) {
				t.Errorf("token in error %q", err)
			}
		}
	})
	return en
}

func (en *env) must(t *testing.T, o domain.Outcome, err error, want domain.Outcome) {
	t.Helper()
	if err != nil {
		en.errs = append(en.errs, err)
		t.Fatalf("want %s, got error %v", want, err)
	}
	if o != want {
		t.Fatalf("outcome %s, want %s", o, want)
	}
}

func (en *env) wantKind(t *testing.T, err error, kind directory.Kind) *directory.Error {
	t.Helper()
	var de *directory.Error
	if !errors.As(err, &de) {
		t.Fatalf("want *directory.Error %s, got %T %v", kind, err, err)
	}
	en.errs = append(en.errs, err)
	if de.Kind != kind {
		t.Fatalf("kind %s, want %s: %v", de.Kind, kind, de)
	}
	return de
}

func TestJoinerMoverLeaver(t *testing.T) {
	en := setup(t, oktaemu.Config{PageSize: 2}, oktadir.Options{})
	ctx := context.Background()
	c, emu := en.c, en.emu

	// Joiner with lead time: created STAGED, a retried create finds it.
	p := emutest.Person(org.Joiners[1]) // People, Dublin (IE)
	acct, o, err := c.CreateUser(ctx, p, false)
	en.must(t, o, err, domain.Created)
	if acct.Status != "STAGED" || acct.Enabled || acct.EmployeeID != p.EmployeeID || emu.Status(acct.ID) != "STAGED" {
		t.Fatalf("created %+v", acct)
	}
	again, o, err := c.CreateUser(ctx, p, false)
	en.must(t, o, err, domain.AlreadyExisted)
	if again.ID != acct.ID || emu.UserCount() != 61 {
		t.Fatalf("duplicate create made a second account: %s vs %s, %d users", again.ID, acct.ID, emu.UserCount())
	}
	// Found by login too when HR lost the employee id.
	byLogin, err := c.FindUser(ctx, "", p.Email)
	if err != nil || byLogin.ID != acct.ID {
		t.Fatalf("find by login: %v %v", byLogin, err)
	}
	o, err = c.Enable(ctx, acct.ID)
	en.must(t, o, err, domain.Enabled)
	o, err = c.Enable(ctx, acct.ID)
	en.must(t, o, err, domain.AlreadyEnabled)
	if emu.Status(acct.ID) != "PROVISIONED" {
		t.Fatalf("enabled status %s", emu.Status(acct.ID))
	}

	// Groups by name, idempotent both ways; paging past the first page.
	o, err = c.AddToGroup(ctx, acct.ID, "dept-sales")
	en.must(t, o, err, domain.Added)
	o, err = c.AddToGroup(ctx, acct.ID, "dept-sales")
	en.must(t, o, err, domain.AlreadyPresent)
	o, err = c.AddToGroup(ctx, acct.ID, "all-staff")
	en.must(t, o, err, domain.Added)
	o, err = c.AddToGroup(ctx, acct.ID, "contractors")
	en.must(t, o, err, domain.Added)
	gs, err := c.ListGroups(ctx, acct.ID)
	slices.Sort(gs)
	if err != nil || !slices.Equal(gs, []string{"all-staff", "contractors", "dept-sales"}) {
		t.Fatalf("groups %v %v (Everyone must be left out, all pages read)", gs, err)
	}
	o, err = c.RemoveFromGroup(ctx, acct.ID, "contractors")
	en.must(t, o, err, domain.Removed)
	o, err = c.RemoveFromGroup(ctx, acct.ID, "contractors")
	en.must(t, o, err, domain.WasAbsent)
	o, err = c.RemoveFromGroup(ctx, acct.ID, "no-such-group")
	en.must(t, o, err, domain.WasAbsent)
	_, err = c.AddToGroup(ctx, acct.ID, "no-such-group")
	en.wantKind(t, err, directory.KindNotFound)
	if got := emu.GroupsOf(acct.ID); !slices.Equal(got, []string{"Everyone", "all-staff", "dept-sales"}) {
		t.Fatalf("emulator groups %v", got)
	}

	// Mover: profile and manager.
	p.Department, p.Title = "Support", "Support Engineer"
	o, err = c.UpdateProfile(ctx, acct.ID, p)
	en.must(t, o, err, domain.Updated)
	o, err = c.UpdateProfile(ctx, acct.ID, p)
	en.must(t, o, err, domain.Unchanged)
	mgr, err := c.FindUser(ctx, "E0003", "")
	if err != nil {
		t.Fatal(err)
	}
	o, err = c.SetManager(ctx, acct.ID, mgr.ID)
	en.must(t, o, err, domain.Updated)
	o, err = c.SetManager(ctx, acct.ID, mgr.ID)
	en.must(t, o, err, domain.Unchanged)
	v, _ := emu.User(acct.ID)
	if v.Profile["department"] != "Support" || v.Profile["managerId"] != mgr.ID || v.Profile["manager"] == "" || v.Profile["countryCode"] != "IE" {
		t.Fatalf("profile %v", v.Profile)
	}
	_, err = c.SetManager(ctx, acct.ID, "00unosuchmanager0000")
	en.wantKind(t, err, directory.KindNotFound)

	// Leaver: deactivate (never DELETE), sessions, repeat = already.
	o, err = c.Disable(ctx, acct.ID)
	en.must(t, o, err, domain.Disabled)
	o, err = c.Disable(ctx, acct.ID)
	en.must(t, o, err, domain.AlreadyDisabled)
	o, err = c.RevokeSessions(ctx, acct.ID)
	en.must(t, o, err, domain.Revoked)
	if emu.Status(acct.ID) != "DEPROVISIONED" || emu.SessionsCleared(acct.ID) != 1 {
		t.Fatalf("leaver state %s %d", emu.Status(acct.ID), emu.SessionsCleared(acct.ID))
	}
	for _, r := range emu.Requests() {
		if r.Method == "DELETE" && strings.HasPrefix(r.Path, "/api/v1/users/") && strings.Count(r.Path, "/") == 4 {
			t.Fatalf("DELETE on a user: %s", r.Path)
		}
	}
	// A deprovisioned account is still found (rehire) and can be enabled.
	found, err := c.FindUser(ctx, p.EmployeeID, "")
	if err != nil || found.ID != acct.ID || found.Enabled {
		t.Fatalf("find deprovisioned: %+v %v", found, err)
	}
	o, err = c.Enable(ctx, acct.ID)
	en.must(t, o, err, domain.Enabled)

	// Suspended seeded user: Enable unsuspends.
	s, _ := c.FindUser(ctx, "E0005", "")
	emu.SetStatus(s.ID, "SUSPENDED")
	o, err = c.Enable(ctx, s.ID)
	en.must(t, o, err, domain.Enabled)
	if emu.Status(s.ID) != "ACTIVE" {
		t.Fatal("not unsuspended")
	}

	_, err = c.FindUser(ctx, "E7777", "nobody@"+demoorg.Domain)
	en.wantKind(t, err, directory.KindNotFound)
	_, err = c.Disable(ctx, "00unosuchuser0000000")
	en.wantKind(t, err, directory.KindNotFound)
}

func TestFindUserLoginConflict(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	other, _ := en.emu.UserByEmployeeNumber("E0002")
	// HR says E9999 has E0002's address: a conflict, not a match.
	_, err := en.c.FindUser(context.Background(), "E9999", other.Login)
	de := en.wantKind(t, err, directory.KindPermanent)
	if de.Code != "login_conflict" {
		t.Fatalf("code %q", de.Code)
	}
	_, _, err = en.c.CreateUser(context.Background(), domain.Person{EmployeeID: "E9999", Email: other.Login, GivenName: "X", FamilyName: "Y"}, true)
	en.wantKind(t, err, directory.KindPermanent)
}

func TestAdminRolesMFAAndEvents(t *testing.T) {
	en := setup(t, oktaemu.Config{PageSize: 2}, oktadir.Options{})
	ctx := context.Background()
	c, emu := en.c, en.emu
	admin, _ := c.FindUser(ctx, "E0007", "")
	rs, err := c.ListAdminRoles(ctx, admin.ID)
	if err != nil || len(rs) != 1 || rs[0].Role != "USER_ADMIN" || rs[0].ID == "" {
		t.Fatalf("seeded standing admin: %v %v", rs, err)
	}
	u, _ := c.FindUser(ctx, "E0001", "")
	ra, o, err := c.GrantAdminRole(ctx, u.ID, "Help Desk Administrator", time.Now().Add(time.Hour))
	en.must(t, o, err, domain.Added)
	ra2, o, err := c.GrantAdminRole(ctx, u.ID, "HELP_DESK_ADMIN", time.Now().Add(time.Hour))
	en.must(t, o, err, domain.AlreadyPresent)
	if ra.ID == "" || ra2.ID != ra.ID || !ra.ExpiresAt.IsZero() {
		t.Fatalf("assignments %+v %+v", ra, ra2)
	}
	if got := emu.AdminRoles(u.ID); !slices.Equal(got, []string{"HELP_DESK_ADMIN"}) {
		t.Fatalf("emulator roles %v", got)
	}
	o, err = c.RevokeAdminRole(ctx, u.ID, "Help Desk Administrator")
	en.must(t, o, err, domain.Removed)
	o, err = c.RevokeAdminRole(ctx, u.ID, "Help Desk Administrator")
	en.must(t, o, err, domain.WasAbsent)
	_, _, err = c.GrantAdminRole(ctx, u.ID, "Chief Wizard", time.Time{})
	en.wantKind(t, err, directory.KindPermanent)

	mfa, err := c.MFAStatus(ctx, u.ID)
	if err != nil || !mfa.Enrolled || !slices.Contains(mfa.Methods, "push") {
		t.Fatalf("mfa %v %v", mfa, err)
	}
	nomfa, _ := c.FindUser(ctx, "E0013", "")
	if mfa, err := c.MFAStatus(ctx, nomfa.ID); err != nil || mfa.Enrolled {
		t.Fatalf("E0013 mfa %v %v", mfa, err)
	}

	// System Log across pages (PageSize 2): 6 seeded sign-ins + this test's
	// grant and revoke.
	var evs []domain.AuditEvent
	err = c.SignInEvents(ctx, time.Now().Add(-24*time.Hour), time.Now().Add(time.Minute), func(ev domain.AuditEvent) error {
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, ev := range evs {
		count[ev.Action]++
		if ev.ID == "" || ev.Time.IsZero() || ev.Actor == "" || ev.Result == "" || ev.Raw["eventType"] != ev.Action {
			t.Fatalf("event %+v", ev)
		}
	}
	if count["user.session.start"] != 6 || count["user.account.privilege.grant"] != 1 || count["user.account.privilege.revoke"] != 1 {
		t.Fatalf("events %v", count)
	}
	logCalls := 0
	for _, r := range emu.Requests() {
		if r.Family == "logs" {
			logCalls++
		}
	}
	if logCalls < 4 {
		t.Fatalf("expected paging over several log pages, got %d calls", logCalls)
	}
	// fn's error stops the walk.
	stop := errors.New("stop")
	n := 0
	err = c.SignInEvents(ctx, time.Now().Add(-24*time.Hour), time.Now().Add(time.Minute), func(domain.AuditEvent) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("stop: %v after %d", err, n)
	}
}

func TestSetup(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	ctx := context.Background()
	var err error
	// https is required off loopback; plain http only on loopback.
	for _, u := range []string{"http://example.okta.com", "http://10.0.0.1:8080", "ftp://127.0.0.1"} {
		_, err := oktadir.New(ctx, oktadir.Options{OrgURL: u, Token: token})
		en.wantKind(t, err, directory.KindPermanent)
	}
	for _, u := range []string{"https://example.okta.com", "http://localhost:9", "http://[::1]:9"} {
		if _, err := oktadir.New(ctx, oktadir.Options{OrgURL: u, Token: token}); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	_, err = oktadir.New(ctx, oktadir.Options{OrgURL: "https://example.okta.com"})
	en.wantKind(t, err, directory.KindPermanent)

	// A wrong token is Permanent and not echoed.
	bad, err := oktadir.New(ctx, oktadir.Options{OrgURL: en.emu.URL(), Token: "WRONG-" + token})
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.FindUser(ctx, "E0001", "")
	de := en.wantKind(t, err, directory.KindPermanent)
	if de.Status != 401 || de.Code != "E0000011" || strings.Contains(err.Error(), "WRONG-") {
		t.Fatalf("401: %v", err)
	}
}

func TestThrottlingAndFaults(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{MaxRetries: 2})
	ctx := context.Background()
	c, emu := en.c, en.emu

	// One 429: the SDK waits X-Rate-Limit-Reset − Date and retries itself.
	emu.AddFault(emulator.Fault{Family: "users", Status: 429, Times: 1, RetryAfter: time.Second})
	a, err := c.FindUser(ctx, "E0002", "")
	if err != nil || a.EmployeeID != "E0002" {
		t.Fatalf("429 not waited out: %v", err)
	}
	// the throttled search, its retry, and the read-back by id
	if emu.ThrottledCount() != 1 || emu.Counts()["users"] != 3 {
		t.Fatalf("throttled %d, users calls %d", emu.ThrottledCount(), emu.Counts()["users"])
	}

	// 429s beyond the SDK's retries: Throttled with the server's delay.
	one, err := oktadir.New(ctx, oktadir.Options{OrgURL: emu.URL(), Token: token, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	emu.AddFault(emulator.Fault{Family: "users", Status: 429, Times: 1, RetryAfter: 2 * time.Second})
	_, err = one.FindUser(ctx, "E0002", "")
	de := en.wantKind(t, err, directory.KindThrottled)
	if de.Status != 429 || de.RetryAfter <= 0 || de.RetryAfter > 3*time.Second {
		t.Fatalf("throttled: %+v", de)
	}

	// 503 is Transient (the SDK does not retry 5xx; the activity does).
	emu.AddFault(emulator.Fault{Family: "users", Status: 503, Times: 1})
	_, err = c.Disable(ctx, a.ID)
	de = en.wantKind(t, err, directory.KindTransient)
	if de.Status != 503 || de.Code != "E0000010" {
		t.Fatalf("503: %+v", de)
	}
	if emu.Status(a.ID) != "ACTIVE" {
		t.Fatal("a failed disable changed state")
	}
	o, err := c.Disable(ctx, a.ID) // the retry succeeds
	en.must(t, o, err, domain.Disabled)

	// 403 and 400 are Permanent with Okta's errorSummary.
	emu.AddFault(emulator.Fault{Family: "roles", Status: 403, Times: 1})
	_, _, err = c.GrantAdminRole(ctx, a.ID, "SUPER_ADMIN", time.Time{})
	de = en.wantKind(t, err, directory.KindPermanent)
	if de.Status != 403 || de.Code != "E0000006" || !strings.Contains(de.Message, "You do not have permission") {
		t.Fatalf("403: %+v", de)
	}
	_, _, err = c.CreateUser(ctx, domain.Person{EmployeeID: "E9100", Email: "not-an-email", GivenName: "A", FamilyName: "B"}, true)
	de = en.wantKind(t, err, directory.KindPermanent)
	if de.Status != 400 || de.Code != "E0000001" || !strings.Contains(de.Message, "Username must be in the form of an email address") {
		t.Fatalf("400: %+v", de)
	}

	// A dropped connection is Transient.
	// A dropped connection: the SDK retries EOF itself without limit; the
	// client bounds it and answers Transient.
	emu.ResetLog()
	emu.AddFault(emulator.Fault{Family: "sessions", Drop: true, Times: 50})
	_, err = c.RevokeSessions(ctx, a.ID)
	en.wantKind(t, err, directory.KindTransient)
	if n := emu.Counts()["sessions"]; n == 0 || n > 10 {
		t.Fatalf("dropped-connection attempts %d, want a few", n)
	}
	emu.ClearFaults()
	o, err = c.RevokeSessions(ctx, a.ID)
	en.must(t, o, err, domain.Revoked)
}

// TestBurstStaysUnderLimit is the burst requirement: 300 operations
// against a family limited to 100 requests per window, with the client
// limiter keeping 429s under 1% of calls. Time is scaled so the test is
// quick: 100 requests per 3-second window is the same ratio as Okta's
// 100/min, and the limiter runs at 90% of it (1800/min = 90 per 3 s, as
// 90/min would be for 100/min), the margin we recommend in production.
func TestBurstStaysUnderLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("burst takes ~10 s")
	}
	en := setup(t, oktaemu.Config{}, oktadir.Options{RequestsPerMinute: 1800})
	en.emu.SetLimit("users", emulator.Limit{Requests: 100, Window: 3 * time.Second})
	ctx := context.Background()
	const ops, workers = 300, 4
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failed []error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if _, err := en.c.FindUser(ctx, demoorg.EmployeeID(1+i%60), ""); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < ops; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	en.errs = append(en.errs, failed...)
	if len(failed) > 0 {
		t.Fatalf("%d operations failed, first: %v", len(failed), failed[0])
	}
	calls, throttled := en.emu.Counts()["users"], en.emu.ThrottledCount()
	if calls < ops {
		t.Fatalf("only %d calls", calls)
	}
	if throttled*100 >= calls {
		t.Fatalf("%d of %d calls throttled (>= 1%%)", throttled, calls)
	}
	t.Logf("%d calls, %d throttled", calls, throttled)
}

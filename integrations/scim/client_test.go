package scim

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/scimemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var org = demoorg.New(40, 3)

func emu(t *testing.T, cfg scimemu.Config) *scimemu.Emulator {
	t.Helper()
	return emutest.Seeded(t, scimemu.New(cfg), org)
}

// waits records the client's retry delays (and still sleeps them).
type waits struct {
	mu sync.Mutex
	ds []time.Duration
}

func client(t *testing.T, e *scimemu.Emulator, app, token string, mod func(*AppOptions)) (*Client, *waits) {
	t.Helper()
	o := AppOptions{Name: app, BaseURL: e.AppURL(app), Token: token, MaxWait: 2 * time.Second}
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

func kindOf(t *testing.T, err error, want directory.Kind, token string) *directory.Error {
	t.Helper()
	var de *directory.Error
	if !errors.As(err, &de) || de.Kind != want {
		t.Fatalf("err = %v, want kind %s", err, want)
	}
	if token != "" && strings.Contains(err.Error(), token) {
		t.Fatalf("token in error string: %s", err)
	}
	return de
}

// person is joiner n of the demo organisation, not yet in any app.
func person(n int) domain.Person { return emutest.Person(org.Joiners[n]) }

func TestNew(t *testing.T) {
	for _, o := range []AppOptions{
		{Name: "", BaseURL: "http://x", Token: "t"},
		{Name: "a", BaseURL: "ftp://x", Token: "t"},
		{Name: "a", BaseURL: "http://x"},
		{Name: "a", BaseURL: "http://x", Token: "t", DeactivateBy: "suspend"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v: no error", o)
		} else if strings.Contains(err.Error(), "t\"") {
			t.Errorf("token echoed: %v", err)
		}
	}
	c, err := New(AppOptions{Name: "a", BaseURL: "http://x/", Token: "t", RequestsPerMinute: 600})
	if err != nil || c.Name() != "scim:a" || c.base != "http://x" {
		t.Fatalf("%v %+v", err, c)
	}
}

func TestFindCreateUpdate(t *testing.T) {
	e := emu(t, scimemu.Config{})
	c, _ := client(t, e, "github", "github-token", nil)
	ctx := context.Background()
	emp := org.Employees[0]

	a, err := c.FindUser(ctx, emp.EmployeeID, "")
	if err != nil || a.Login != emp.Email || !a.Enabled || a.EmployeeID != emp.EmployeeID || a.Department != emp.Department {
		t.Fatalf("by externalId: %+v %v", a, err)
	}
	b, err := c.FindUser(ctx, "E-UNKNOWN", strings.ToUpper(emp.Email))
	if err != nil || b.ID != a.ID {
		t.Fatalf("fallback to userName: %+v %v", b, err)
	}
	_, err = c.FindUser(ctx, "E-UNKNOWN", "nobody@demo.jml.test")
	kindOf(t, err, directory.KindNotFound, "github-token")

	p := person(0)
	acct, out, err := c.CreateUser(ctx, p, false)
	if err != nil || out != domain.Created || acct.ID == "" || acct.Enabled {
		t.Fatalf("create: %+v %s %v", acct, out, err)
	}
	if u, ok := e.User("github", p.Email); !ok || u.Active || u.ExternalID != p.EmployeeID || u.Department != p.Department {
		t.Fatalf("emulator user: %+v", u)
	}
	again, out, err := c.CreateUser(ctx, p, true)
	if err != nil || out != domain.AlreadyExisted || again.ID != acct.ID {
		t.Fatalf("duplicate create: %+v %s %v", again, out, err)
	}
	if e.UserCount("github") != 7 { // 6 Engineering employees of 40, plus one
		t.Errorf("user count %d", e.UserCount("github"))
	}

	p.Title, p.Department = "Staff Engineer", "Platform"
	if out, err := c.UpdateProfile(ctx, acct.ID, p); err != nil || out != domain.Updated {
		t.Fatalf("update: %s %v", out, err)
	}
	if u, _ := e.User("github", p.Email); u.Title != "Staff Engineer" || u.Department != "Platform" {
		t.Errorf("not updated: %+v", u)
	}
	if out, err := c.UpdateProfile(ctx, acct.ID, p); err != nil || out != domain.Unchanged {
		t.Errorf("second update: %s %v", out, err)
	}
	_, err = c.UpdateProfile(ctx, "no-such-id", p)
	kindOf(t, err, directory.KindNotFound, "")

	// 400 from the server is Permanent and not retried
	e.ResetLog()
	_, _, err = c.CreateUser(ctx, domain.Person{EmployeeID: "E7777"}, true)
	de := kindOf(t, err, directory.KindPermanent, "github-token")
	if de.Status != 400 || de.Code != "invalidValue" || e.Counts()["github:Users"] != 2 {
		t.Errorf("400: %+v counts %v", de, e.Counts())
	}
}

func TestDisableEnable(t *testing.T) {
	e := emu(t, scimemu.Config{})
	c, _ := client(t, e, "zoom", "zoom-token", nil)
	ctx := context.Background()
	emp := org.Employees[3]
	a, err := c.FindUser(ctx, emp.EmployeeID, emp.Email)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []domain.Outcome{domain.Disabled, domain.AlreadyDisabled, domain.AlreadyDisabled} {
		out, err := c.Disable(ctx, a.ID)
		if err != nil || out != want {
			t.Fatalf("disable #%d: %s %v", i, out, err)
		}
		if e.Active("zoom", emp.Email) {
			t.Fatal("still active")
		}
	}
	for i, want := range []domain.Outcome{domain.Enabled, domain.AlreadyEnabled} {
		if out, err := c.Enable(ctx, a.ID); err != nil || out != want {
			t.Fatalf("enable #%d: %s %v", i, out, err)
		}
	}
	if !e.Active("zoom", emp.Email) {
		t.Fatal("not re-enabled")
	}
	if out, err := c.Disable(ctx, "no-such-id"); err != nil || out != domain.WasAbsent {
		t.Errorf("absent: %s %v", out, err)
	}
	_, err = c.Enable(ctx, "no-such-id")
	kindOf(t, err, directory.KindNotFound, "")

	// deprovision by DELETE
	d, _ := client(t, e, "zoom", "zoom-token", func(o *AppOptions) { o.DeactivateBy = "delete" })
	for i, want := range []domain.Outcome{domain.Disabled, domain.WasAbsent} {
		if out, err := d.Disable(ctx, a.ID); err != nil || out != want {
			t.Fatalf("delete #%d: %s %v", i, out, err)
		}
	}
	if !e.Deleted("zoom", emp.Email) {
		t.Error("not deleted")
	}
}

func TestGroups(t *testing.T) {
	e := emu(t, scimemu.Config{})
	c, _ := client(t, e, "salesforce", "salesforce-token", nil)
	ctx := context.Background()
	emp := org.Employees[1] // Sales
	a, err := c.FindUser(ctx, emp.EmployeeID, "")
	if err != nil {
		t.Fatal(err)
	}
	gs, err := c.ListGroups(ctx, a.ID)
	if err != nil || !slices.Equal(gs, []string{"users"}) {
		t.Fatalf("groups: %v %v", gs, err)
	}
	for i, want := range []domain.Outcome{domain.Added, domain.AlreadyPresent} {
		if out, err := c.AddToGroup(ctx, a.ID, "admins"); err != nil || out != want {
			t.Fatalf("add #%d: %s %v", i, out, err)
		}
	}
	if !slices.Contains(e.GroupMembers("salesforce", "admins"), emp.Email) {
		t.Fatal("not a member in the emulator")
	}
	if gs, _ := c.ListGroups(ctx, a.ID); !slices.Equal(gs, []string{"users", "admins"}) {
		t.Errorf("groups after add: %v", gs)
	}
	for i, want := range []domain.Outcome{domain.Removed, domain.WasAbsent} {
		if out, err := c.RemoveFromGroup(ctx, a.ID, "admins"); err != nil || out != want {
			t.Fatalf("remove #%d: %s %v", i, out, err)
		}
	}
	if slices.Contains(e.GroupMembers("salesforce", "admins"), emp.Email) {
		t.Fatal("still a member")
	}
	_, err = c.AddToGroup(ctx, a.ID, "no-such-group")
	kindOf(t, err, directory.KindNotFound, "")
}

func TestPaging(t *testing.T) {
	e := emu(t, scimemu.Config{Apps: []scimemu.App{{Name: "zoom", Token: "z"}}, PageSize: 2})
	c, _ := client(t, e, "zoom", "z", nil)
	seen := map[string]bool{}
	err := c.ListUsers(context.Background(), 50, func(a domain.Account) error {
		seen[a.ID] = true
		return nil
	})
	if err != nil || len(seen) != e.UserCount("zoom") || len(seen) != 40 {
		t.Fatalf("saw %d of %d: %v", len(seen), e.UserCount("zoom"), err)
	}
	if n := e.Counts()["zoom:Users"]; n != 20 {
		t.Errorf("pages fetched = %d, want 20", n)
	}
}

func TestThrottledAndTransient(t *testing.T) {
	e := emu(t, scimemu.Config{})
	c, w := client(t, e, "zoom", "zoom-token", nil)
	ctx := context.Background()
	emp := org.Employees[5]

	e.AddFault(emulator.Fault{Family: "zoom:Users", Status: 429, RetryAfter: time.Second, Times: 1})
	if _, err := c.FindUser(ctx, emp.EmployeeID, ""); err != nil {
		t.Fatalf("after 429: %v", err)
	}
	if e.Throttled() != 1 || !slices.Equal(w.ds, []time.Duration{time.Second}) {
		t.Errorf("throttled=%d waits=%v, want one wait of Retry-After 1s", e.Throttled(), w.ds)
	}

	e.ResetLog()
	w.ds = nil
	e.AddFault(emulator.Fault{Family: "zoom:Users", Status: 503, Times: 2})
	if _, err := c.FindUser(ctx, emp.EmployeeID, ""); err != nil {
		t.Fatalf("after 503s: %v", err)
	}
	if n := e.Counts()["zoom:Users"]; n != 3 || len(w.ds) != 2 || w.ds[1] <= w.ds[0] {
		t.Errorf("calls=%d waits=%v, want 3 calls with growing backoff", n, w.ds)
	}

	// bounded: a persistent 503 gives up after MaxAttempts with Transient
	e.ResetLog()
	e.AddFault(emulator.Fault{Family: "zoom:Users", Status: 503})
	c.attempts = 3
	_, err := c.FindUser(ctx, emp.EmployeeID, "")
	kindOf(t, err, directory.KindTransient, "zoom-token")
	if n := e.Counts()["zoom:Users"]; n != 3 {
		t.Errorf("calls=%d, want 3", n)
	}
	e.ClearFaults()

	// a failed POST is retried only after a fresh lookup
	e.ResetLog()
	e.AddFault(emulator.Fault{Method: "POST", Family: "zoom:Users", Status: 503, Times: 1})
	if _, out, err := c.CreateUser(ctx, person(2), true); err != nil || out != domain.Created {
		t.Fatalf("create after 503: %s %v", out, err)
	}
	var methods []string
	for _, r := range e.Requests() {
		methods = append(methods, r.Method)
	}
	if strings.Join(methods, " ") != "GET GET POST GET GET POST" || e.UserCount("zoom") != 41 {
		t.Errorf("requests %v, users %d", methods, e.UserCount("zoom"))
	}

	// 403 is Permanent and not retried
	e.ResetLog()
	e.AddFault(emulator.Fault{Family: "zoom:Users", Status: 403, Times: 1})
	_, err = c.Disable(ctx, "whatever")
	if de := kindOf(t, err, directory.KindPermanent, "zoom-token"); de.Status != 403 {
		t.Errorf("status %d", de.Status)
	}
	if n := e.Counts()["zoom:Users"]; n != 1 {
		t.Errorf("403 retried: %d calls", n)
	}

	// a cancelled context stops the retry wait
	e.AddFault(emulator.Fault{Family: "zoom:Users", Status: 429, RetryAfter: time.Minute, Times: 1})
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := c.FindUser(cctx, emp.EmployeeID, ""); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestAppsIsolated(t *testing.T) {
	e := emu(t, scimemu.Config{Apps: []scimemu.App{{Name: "a", Token: "tok-AAAA"}, {Name: "b", Token: "tok-BBBB"}}})
	ctx := context.Background()
	emp := org.Employees[0]
	// app a's token sent to app b is refused, Permanently, without the token in the error
	wrong, _ := client(t, e, "b", "tok-AAAA", nil)
	_, err := wrong.FindUser(ctx, emp.EmployeeID, "")
	if de := kindOf(t, err, directory.KindPermanent, "tok-AAAA"); de.Status != 401 {
		t.Errorf("status %d", de.Status)
	}
	a, _ := client(t, e, "a", "tok-AAAA", nil)
	b, _ := client(t, e, "b", "tok-BBBB", nil)
	acct, _, err := a.CreateUser(ctx, person(1), true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.FindUser(ctx, person(1).EmployeeID, person(1).Email); !directory.IsNotFound(err) {
		t.Errorf("user created in a visible in b: %v", err)
	}
	if out, err := b.Disable(ctx, acct.ID); err != nil || out != domain.WasAbsent {
		t.Errorf("b disable of a's id: %s %v", out, err)
	}
	if !e.Active("a", person(1).Email) {
		t.Error("b's call touched a")
	}

	// transport failure: Transient, no token
	_ = e.Close()
	a.attempts = 1
	_, err = a.FindUser(ctx, emp.EmployeeID, "")
	kindOf(t, err, directory.KindTransient, "tok-AAAA")
}

func BenchmarkFindUser(b *testing.B) {
	big := demoorg.Default()
	e := emutest.Seeded(b, scimemu.New(scimemu.Config{}), big)
	c, err := New(AppOptions{Name: "zoom", BaseURL: e.AppURL("zoom"), Token: "zoom-token"})
	if err != nil {
		b.Fatal(err)
	}
	emp := big.Employees[250]
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.FindUser(ctx, "", emp.Email); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// A provider that renders "name" as a string still lets jml find, list and
// disable its users: only id, active, userName and externalId must parse.
func TestLenientUserParsing(t *testing.T) {
	e := emu(t, scimemu.Config{Apps: []scimemu.App{{Name: "zoom", Token: "odd-token", NameAsString: true}}})
	c, _ := client(t, e, "zoom", "odd-token", nil)
	ctx := context.Background()
	emp := org.Employees[2]

	acc, err := c.FindUser(ctx, emp.EmployeeID, "")
	if err != nil || acc.EmployeeID != emp.EmployeeID || !acc.Enabled {
		t.Fatalf("find: %+v %v", acc, err)
	}
	out, err := c.Disable(ctx, acc.ID)
	if err != nil || out != domain.Disabled {
		t.Fatalf("disable: %q %v", out, err)
	}
	if e.Active("zoom", emp.Email) {
		t.Fatal("still active in the app")
	}
	n := 0
	if err := c.ListUsers(ctx, 10, func(domain.Account) error { n++; return nil }); err != nil || n != e.UserCount("zoom") {
		t.Fatalf("list: %d of %d: %v", n, e.UserCount("zoom"), err)
	}
}

func TestUserParsingRequiredFields(t *testing.T) {
	for _, tc := range []struct {
		body string
		ok   bool
	}{
		{`{"id":"1","userName":"a@x","name":"A B","active":true}`, true},
		{`{"ID":"1","UserName":"a@x","Active":"False","externalId":"E1"}`, true},
		{`{"id":"1","userName":"a@x","name":{"givenName":7},"emails":"a@x"}`, true},
		{`{"userName":"a@x"}`, false},
		{`{"id":"1","active":"maybe"}`, false},
		{`{"id":1}`, false},
		{`{"id":"1","externalId":{"v":1}}`, false},
	} {
		var u user
		err := json.Unmarshal([]byte(tc.body), &u)
		if (err == nil) != tc.ok {
			t.Errorf("%s: err %v, want ok=%v", tc.body, err, tc.ok)
		}
	}
	var u user
	_ = json.Unmarshal([]byte(`{"ID":"1","UserName":"a@x","Active":"False","externalId":"E1"}`), &u)
	if a := u.account(); a.ID != "1" || a.Login != "a@x" || a.Enabled || a.EmployeeID != "E1" {
		t.Errorf("account %+v", a)
	}
}

// A provider with no /Groups collection lacks the capability: Unsupported,
// not NotFound (which would read as "that group does not exist").
func TestNoGroupsCollectionIsUnsupported(t *testing.T) {
	e := emu(t, scimemu.Config{Apps: []scimemu.App{{Name: "zoom", Token: "flat-token", NoGroups: true}}})
	c, _ := client(t, e, "zoom", "flat-token", nil)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, org.Employees[2].EmployeeID, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.AddToGroup(ctx, acc.ID, "users")
	kindOf(t, err, directory.KindUnsupported, "flat-token")
	_, err = c.RemoveFromGroup(ctx, acc.ID, "users")
	kindOf(t, err, directory.KindUnsupported, "flat-token")
}

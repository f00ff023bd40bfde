package googleemu_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/googleemu"
	admin "google.golang.org/api/admin/directory/v1"
	reports "google.golang.org/api/admin/reports/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

const token = "test-bearer-token-7c1d"

type bearer struct{ tok string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.tok)
	return http.DefaultTransport.RoundTrip(r)
}

func start(t testing.TB, cfg googleemu.Config, org demoorg.Org) *googleemu.Emulator {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = token
	}
	return emutest.Seeded(t, googleemu.New(cfg), org)
}

func services(t testing.TB, e *googleemu.Emulator, tok string) (*admin.Service, *reports.Service) {
	t.Helper()
	hc := &http.Client{Transport: bearer{tok}}
	ctx := context.Background()
	ds, err := admin.NewService(ctx, option.WithEndpoint(e.Endpoint()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := reports.NewService(ctx, option.WithEndpoint(e.Endpoint()), option.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return ds, rs
}

func gerr(t *testing.T, err error, code int, reason string) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("want *googleapi.Error %d %s, got %v", code, reason, err)
	}
	if ge.Code != code || len(ge.Errors) == 0 || ge.Errors[0].Reason != reason {
		t.Fatalf("want %d %s, got %d %+v", code, reason, ge.Code, ge.Errors)
	}
	return ge
}

func TestAuthRequired(t *testing.T) {
	e := start(t, googleemu.Config{}, demoorg.New(5, 0))
	ds, _ := services(t, e, "wrong")
	_, err := ds.Users.Get(demoorg.New(5, 0).Employees[0].Email).Do()
	ge := gerr(t, err, 401, "authError")
	if ge.Message == "" {
		t.Fatal("401 without a message")
	}
}

func TestUsers(t *testing.T) {
	org := demoorg.New(16, 1)
	e := start(t, googleemu.Config{PageSize: 2}, org)
	ds, _ := services(t, e, token)
	emp := org.Employees[3]

	// get by email and by id
	u, err := ds.Users.Get(emp.Email).Do()
	if err != nil {
		t.Fatal(err)
	}
	if u.PrimaryEmail != emp.Email || u.Name.GivenName != emp.GivenName || u.Suspended {
		t.Fatalf("unexpected user %+v", u)
	}
	if u2, err := ds.Users.Get(u.Id).Do(); err != nil || u2.PrimaryEmail != emp.Email {
		t.Fatalf("get by id: %v %v", u2, err)
	}
	if u.IsEnrolledIn2Sv != emp.MFA {
		t.Fatalf("isEnrolledIn2Sv %v, want %v", u.IsEnrolledIn2Sv, emp.MFA)
	}

	// query by externalId and email
	l, err := ds.Users.List().Customer("my_customer").Query("externalId:" + emp.EmployeeID).Do()
	if err != nil || len(l.Users) != 1 || l.Users[0].Id != u.Id {
		t.Fatalf("externalId query: %+v %v", l, err)
	}
	l, err = ds.Users.List().Customer("my_customer").Query("email:" + emp.Email).Do()
	if err != nil || len(l.Users) != 1 {
		t.Fatalf("email query: %+v %v", l, err)
	}
	l, err = ds.Users.List().Customer("my_customer").Query("orgName:" + org.Employees[0].Department + " isSuspended:false").MaxResults(500).Do()
	if err != nil || len(l.Users) != 2 || l.NextPageToken == "" {
		t.Fatalf("orgName query page: %+v %v", l, err)
	}

	// paging past the first page
	var all []string
	err = ds.Users.List().Customer("my_customer").MaxResults(500).Pages(context.Background(), func(p *admin.Users) error {
		if len(p.Users) > 2 {
			t.Errorf("page of %d with PageSize 2", len(p.Users))
		}
		for _, x := range p.Users {
			all = append(all, x.PrimaryEmail)
		}
		return nil
	})
	if err != nil || len(all) != len(org.Employees) {
		t.Fatalf("paged %d users, want %d (%v)", len(all), len(org.Employees), err)
	}

	// missing customer
	_, err = ds.Users.List().Do()
	gerr(t, err, 400, "badRequest")

	// insert, duplicate
	j := org.Joiners[0]
	nu := &admin.User{PrimaryEmail: j.Email, Name: &admin.UserName{GivenName: j.GivenName, FamilyName: j.FamilyName}, Password: "x-Secret-1234567",
		ExternalIds: []map[string]string{{"type": "organization", "value": j.EmployeeID}}, Suspended: true}
	created, err := ds.Users.Insert(nu).Do()
	if err != nil || created.Id == "" || !created.Suspended {
		t.Fatalf("insert: %+v %v", created, err)
	}
	_, err = ds.Users.Insert(nu).Do()
	gerr(t, err, 409, "duplicate")
	if got, _ := e.User(j.Email); got.EmployeeID() != j.EmployeeID {
		t.Fatalf("externalId not stored: %+v", got)
	}
	_, err = ds.Users.Insert(&admin.User{PrimaryEmail: "x@elsewhere.test", Name: &admin.UserName{GivenName: "a", FamilyName: "b"}, Password: "p"}).Do()
	gerr(t, err, 400, "invalid")

	// update with ForceSendFields unsuspends; absent suspended leaves it
	_, err = ds.Users.Update(created.Id, &admin.User{Suspended: false, ForceSendFields: []string{"Suspended"}}).Do()
	if err != nil || e.Suspended(created.Id) {
		t.Fatalf("unsuspend via update: suspended=%v err=%v", e.Suspended(created.Id), err)
	}
	_, err = ds.Users.Patch(created.Id, &admin.User{Suspended: true}).Do()
	if err != nil || !e.Suspended(j.Email) {
		t.Fatalf("suspend via patch: %v", err)
	}
	_, err = ds.Users.Patch(created.Id, &admin.User{Relations: []map[string]string{{"type": "manager", "value": emp.Email}},
		Organizations: []map[string]any{{"department": "Sales", "title": "AE", "primary": true}}}).Do()
	got, _ := e.User(created.Id)
	if err != nil || got.Manager() != emp.Email || got.Organizations[0].Department != "Sales" || !got.Suspended {
		t.Fatalf("patch relations/orgs: %+v %v", got, err)
	}

	// signOut, delete, 404
	if err := ds.Users.SignOut(created.Id).Do(); err != nil || e.SignedOut(j.Email) != 1 {
		t.Fatalf("signOut: %v count=%d", err, e.SignedOut(j.Email))
	}
	if err := ds.Users.Delete(created.Id).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = ds.Users.Get(created.Id).Do()
	gerr(t, err, 404, "notFound")
	err = ds.Users.Delete(created.Id).Do()
	gerr(t, err, 404, "notFound")

	names := e.AdminEvents()
	for _, want := range []string{"CREATE_USER", "SUSPEND_USER", "UNSUSPEND_USER", "CHANGE_USER_RELATION", "USER_SIGN_OUT", "DELETE_USER"} {
		found := false
		for _, n := range names {
			found = found || n == want
		}
		if !found {
			t.Errorf("admin event %s missing from %v", want, names)
		}
	}
}

func TestGroupsAndMembers(t *testing.T) {
	org := demoorg.New(30, 0)
	e := start(t, googleemu.Config{PageSize: 2}, org)
	ds, _ := services(t, e, token)
	eng := "dept-engineering@" + org.Domain
	sales := org.Employees[1] // Sales

	var n int
	err := ds.Members.List(eng).Pages(context.Background(), func(m *admin.Members) error { n += len(m.Members); return nil })
	if err != nil || n != len(e.GroupMembers(eng)) || n < 3 {
		t.Fatalf("members paged %d (emulator %d): %v", n, len(e.GroupMembers(eng)), err)
	}
	if _, err := ds.Members.Insert(eng, &admin.Member{Email: sales.Email, Role: "MEMBER"}).Do(); err != nil {
		t.Fatal(err)
	}
	_, err = ds.Members.Insert(eng, &admin.Member{Email: sales.Email, Role: "MEMBER"}).Do()
	gerr(t, err, 409, "duplicate")
	hm, err := ds.Members.HasMember(eng, sales.Email).Do()
	if err != nil || !hm.IsMember || !e.IsMember("dept-engineering", sales.Email) {
		t.Fatalf("hasMember: %+v %v", hm, err)
	}
	var groups []string
	err = ds.Groups.List().UserKey(sales.Email).Pages(context.Background(), func(g *admin.Groups) error {
		for _, x := range g.Groups {
			groups = append(groups, x.Email)
		}
		return nil
	})
	if err != nil || len(groups) != 3 {
		t.Fatalf("groups of user: %v %v", groups, err)
	}
	if err := ds.Members.Delete(eng, sales.Email).Do(); err != nil {
		t.Fatal(err)
	}
	gerr(t, ds.Members.Delete(eng, sales.Email).Do(), 404, "notFound")
	_, err = ds.Members.Insert("nope@"+org.Domain, &admin.Member{Email: sales.Email}).Do()
	gerr(t, err, 404, "notFound")
}

func TestRolesAndAssignments(t *testing.T) {
	org := demoorg.New(50, 0)
	e := start(t, googleemu.Config{}, org)
	ds, _ := services(t, e, token)
	roles, err := ds.Roles.List("my_customer").Do()
	if err != nil {
		t.Fatal(err)
	}
	var ua, um int64
	for _, r := range roles.Items {
		switch r.RoleName {
		case "User Administrator":
			ua = r.RoleId
		case "_USER_MANAGEMENT_ADMIN_ROLE":
			um = r.RoleId
		}
	}
	if ua == 0 || um == 0 {
		t.Fatalf("roles missing: %+v", roles.Items)
	}
	admins, err := ds.RoleAssignments.List("my_customer").RoleId(strconv.FormatInt(ua, 10)).Do()
	if err != nil || len(admins.Items) == 0 {
		t.Fatalf("seeded admins: %v %v", admins, err)
	}
	u := org.Employees[0]
	acc, _ := e.User(u.Email)
	ra, err := ds.RoleAssignments.Insert("my_customer", &admin.RoleAssignment{RoleId: um, AssignedTo: acc.ID, ScopeType: "CUSTOMER"}).Do()
	if err != nil || ra.RoleAssignmentId == 0 {
		t.Fatalf("insert: %+v %v", ra, err)
	}
	_, err = ds.RoleAssignments.Insert("my_customer", &admin.RoleAssignment{RoleId: um, AssignedTo: acc.ID, ScopeType: "CUSTOMER"}).Do()
	gerr(t, err, 409, "duplicate")
	l, err := ds.RoleAssignments.List("my_customer").UserKey(u.Email).Do()
	if err != nil || len(l.Items) != 1 || l.Items[0].RoleId != um {
		t.Fatalf("list by user: %+v %v", l, err)
	}
	if got := e.RoleAssignments(u.Email); len(got) != 1 || got[0].RoleName != "_USER_MANAGEMENT_ADMIN_ROLE" {
		t.Fatalf("accessor: %+v", got)
	}
	if err := ds.RoleAssignments.Delete("my_customer", strconv.FormatInt(ra.RoleAssignmentId, 10)).Do(); err != nil {
		t.Fatal(err)
	}
	gerr(t, ds.RoleAssignments.Delete("my_customer", strconv.FormatInt(ra.RoleAssignmentId, 10)).Do(), 404, "notFound")
	if len(e.RoleAssignments(u.Email)) != 0 {
		t.Fatal("assignment still there")
	}
}

func TestDevicesAndTokens(t *testing.T) {
	org := demoorg.New(10, 0)
	e := start(t, googleemu.Config{}, org)
	ds, _ := services(t, e, token)
	ok, bad := org.Employees[0], org.Employees[9] // i%10==0 → DeviceOK false
	l, err := ds.Mobiledevices.List("my_customer").Query("email:" + ok.Email).Do()
	if err != nil || len(l.Mobiledevices) != 1 || l.Mobiledevices[0].Status != "APPROVED" {
		t.Fatalf("devices: %+v %v", l, err)
	}
	l2, err := ds.Mobiledevices.List("my_customer").Query("email:" + bad.Email).Do()
	if err != nil || len(l2.Mobiledevices) != 1 || l2.Mobiledevices[0].Status != "BLOCKED" {
		t.Fatalf("noncompliant device: %+v %v", l2, err)
	}
	rid := l.Mobiledevices[0].ResourceId
	if err := ds.Mobiledevices.Action("my_customer", rid, &admin.MobileDeviceAction{Action: "admin_account_wipe"}).Do(); err != nil {
		t.Fatal(err)
	}
	d, _ := e.Device(rid)
	if d.Status != "ACCOUNT_WIPED" || len(d.Actions) != 1 || d.Actions[0] != "admin_account_wipe" {
		t.Fatalf("after wipe: %+v", d)
	}
	gerr(t, ds.Mobiledevices.Action("my_customer", rid, &admin.MobileDeviceAction{Action: "explode"}).Do(), 400, "invalid")
	gerr(t, ds.Mobiledevices.Action("my_customer", "nope", &admin.MobileDeviceAction{Action: "block"}).Do(), 404, "notFound")

	e.AddToken(ok.Email, "slack.apps.googleusercontent.com", "Slack")
	toks, err := ds.Tokens.List(ok.Email).Do()
	if err != nil || len(toks.Items) != 2 {
		t.Fatalf("tokens: %+v %v", toks, err)
	}
	for _, tk := range toks.Items {
		if err := ds.Tokens.Delete(ok.Email, tk.ClientId).Do(); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.Tokens(ok.Email)); n != 0 {
		t.Fatalf("%d tokens left", n)
	}
	gerr(t, ds.Tokens.Delete(ok.Email, "slack.apps.googleusercontent.com").Do(), 404, "notFound")
}

func TestReports(t *testing.T) {
	org := demoorg.New(9, 0)
	e := start(t, googleemu.Config{PageSize: 2}, org)
	ds, rs := services(t, e, token)
	from, to := time.Now().Add(-24*time.Hour), time.Now().Add(time.Hour)
	var events []*reports.Activity
	err := rs.Activities.List("all", "login").StartTime(from.Format(time.RFC3339)).EndTime(to.Format(time.RFC3339)).
		Pages(context.Background(), func(a *reports.Activities) error { events = append(events, a.Items...); return nil })
	if err != nil || len(events) != len(org.Employees) {
		t.Fatalf("login events %d want %d: %v", len(events), len(org.Employees), err)
	}
	for i := 1; i < len(events); i++ {
		if events[i].Id.Time > events[i-1].Id.Time {
			t.Fatal("not newest first")
		}
	}
	if events[0].Events[0].Name != "login_success" || events[0].Actor.Email == "" {
		t.Fatalf("event shape: %+v", events[0])
	}
	one, err := rs.Activities.List(org.Employees[2].Email, "login").Do()
	if err != nil || len(one.Items) != 1 {
		t.Fatalf("by user: %+v %v", one, err)
	}
	old, err := rs.Activities.List("all", "login").EndTime(from.Format(time.RFC3339)).Do()
	if err != nil || len(old.Items) != 0 {
		t.Fatalf("window: %+v %v", old, err)
	}
	if err := ds.Users.SignOut(org.Employees[0].Email).Do(); err != nil {
		t.Fatal(err)
	}
	adm, err := rs.Activities.List("all", "admin").Do()
	if err != nil || len(adm.Items) != 1 || adm.Items[0].Events[0].Name != "USER_SIGN_OUT" {
		t.Fatalf("admin events: %+v %v", adm, err)
	}
}

func TestFaults(t *testing.T) {
	org := demoorg.New(3, 0)
	email := org.Employees[0].Email
	t.Run("403 userRateLimitExceeded by default", func(t *testing.T) {
		e := start(t, googleemu.Config{}, org)
		ds, _ := services(t, e, token)
		e.AddFault(emulator.Fault{Status: 429, Family: "users", Times: 1})
		_, err := ds.Users.Get(email).Do()
		gerr(t, err, 403, "userRateLimitExceeded")
		if _, err := ds.Users.Get(email).Do(); err != nil {
			t.Fatalf("second call: %v", err)
		}
		if e.ThrottledCount() != 1 {
			t.Fatalf("throttled %d", e.ThrottledCount())
		}
	})
	t.Run("429 rateLimitExceeded when configured", func(t *testing.T) {
		e := start(t, googleemu.Config{ThrottleStatus: 429}, org)
		ds, _ := services(t, e, token)
		e.SetLimit("users", emulator.Limit{Requests: 1, Window: time.Minute})
		if _, err := ds.Users.Get(email).Do(); err != nil {
			t.Fatal(err)
		}
		_, err := ds.Users.Get(email).Do()
		gerr(t, err, 429, "rateLimitExceeded")
	})
	t.Run("503 backendError", func(t *testing.T) {
		e := start(t, googleemu.Config{}, org)
		ds, _ := services(t, e, token)
		e.AddFault(emulator.Fault{Status: 503, Times: 1})
		_, err := ds.Users.Get(email).Do()
		gerr(t, err, 503, "backendError")
		if e.Counts()["users"] != 1 {
			t.Fatalf("counts %v", e.Counts())
		}
	})
}

// BenchmarkGetUser measures users.get through the official SDK over loopback.
// Run with -cpu 1 for the one-core figure.
func BenchmarkGetUser(b *testing.B) {
	org := demoorg.Default()
	e := start(b, googleemu.Config{}, org)
	ds, _ := services(b, e, token)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := ds.Users.Get(org.Employees[i%len(org.Employees)].Email).Do(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

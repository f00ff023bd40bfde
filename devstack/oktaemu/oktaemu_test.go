package oktaemu_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/oktaemu"
)

const token = "emu-token-7f3a"

func start(t testing.TB, cfg oktaemu.Config, org demoorg.Org) *oktaemu.Emulator {
	t.Helper()
	if cfg.Token == "" {
		cfg.Token = token
	}
	return emutest.Seeded(t, oktaemu.New(cfg), org)
}

func sdk(t testing.TB, e *oktaemu.Emulator, tok string, extra ...okta.ConfigSetter) *okta.Client {
	t.Helper()
	opts := append([]okta.ConfigSetter{okta.WithOrgUrl(e.URL()), okta.WithToken(tok), okta.WithTestingDisableHttpsCheck(true), okta.WithCache(false)}, extra...)
	_, c, err := okta.NewClient(context.Background(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func oktaErr(t *testing.T, err error) *okta.Error {
	t.Helper()
	var oe *okta.Error
	if !errors.As(err, &oe) {
		t.Fatalf("want *okta.Error, got %T %v", err, err)
	}
	return oe
}

func checkCommonHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if _, err := time.Parse("Mon, 02 Jan 2006 15:04:05 GMT", h.Get("Date")); err != nil {
		t.Errorf("Date header %q: %v", h.Get("Date"), err)
	}
	if h.Get("X-Okta-Request-Id") == "" {
		t.Error("no X-Okta-Request-Id")
	}
	for _, k := range []string{"X-Rate-Limit-Limit", "X-Rate-Limit-Remaining", "X-Rate-Limit-Reset"} {
		if _, err := strconv.ParseInt(h.Get(k), 10, 64); err != nil {
			t.Errorf("%s = %q", k, h.Get(k))
		}
	}
}

func TestAuthAndErrorShape(t *testing.T) {
	e := start(t, oktaemu.Config{}, demoorg.New(10, 0))
	ctx := context.Background()
	bad := sdk(t, e, "wrong-token")
	_, resp, err := bad.User.GetUser(ctx, "ada.lovelace1@"+demoorg.Domain)
	oe := oktaErr(t, err)
	if resp.StatusCode != 401 || oe.ErrorCode != "E0000011" || oe.ErrorSummary != "Invalid token provided" || oe.ErrorLink != "E0000011" || !strings.HasPrefix(oe.ErrorId, "oae") {
		t.Fatalf("got %d %+v", resp.StatusCode, oe)
	}
	checkCommonHeaders(t, resp.Header)

	// No Authorization at all, and Bearer instead of SSWS, are refused too.
	for _, a := range []string{"", "Bearer " + token} {
		req, _ := http.NewRequest("GET", e.URL()+"/api/v1/users", nil)
		if a != "" {
			req.Header.Set("Authorization", a)
		}
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 401 {
			t.Errorf("auth %q: status %d", a, r.StatusCode)
		}
	}

	c := sdk(t, e, token)
	_, resp, err = c.User.GetUser(ctx, "nobody@"+demoorg.Domain)
	oe = oktaErr(t, err)
	if resp.StatusCode != 404 || oe.ErrorCode != "E0000007" {
		t.Fatalf("got %d %+v", resp.StatusCode, oe)
	}
	checkCommonHeaders(t, resp.Header)
	if got := resp.Header.Get("X-Rate-Limit-Remaining"); got != "599" {
		t.Errorf("default remaining %q, want 599", got)
	}
}

func TestUsersCreateGetDuplicate(t *testing.T) {
	e := start(t, oktaemu.Config{}, demoorg.New(10, 0))
	ctx := context.Background()
	c := sdk(t, e, token)
	f := false
	p := okta.UserProfile{"login": "new.joiner@" + demoorg.Domain, "email": "new.joiner@" + demoorg.Domain, "firstName": "New", "lastName": "Joiner",
		"department": "Sales", "title": "AE", "employeeNumber": "E9001", "costCenter": "CC-1", "city": "Dublin", "manager": "Ada", "managerId": "00u1"}
	u, resp, err := c.User.CreateUser(ctx, okta.CreateUserRequest{Profile: &p}, &query.Params{Activate: &f})
	if err != nil {
		t.Fatal(err)
	}
	checkCommonHeaders(t, resp.Header)
	if u.Status != "STAGED" || len(u.Id) != 20 || u.Created == nil || (*u.Profile)["employeeNumber"] != "E9001" {
		t.Fatalf("created %+v", u)
	}
	if e.Status(u.Id) != "STAGED" {
		t.Fatal("emulator state not STAGED")
	}
	got, _, err := c.User.GetUser(ctx, "NEW.JOINER@"+demoorg.Domain) // login lookup is case-insensitive
	if err != nil || got.Id != u.Id {
		t.Fatalf("get by login: %v %v", got, err)
	}

	_, resp, err = c.User.CreateUser(ctx, okta.CreateUserRequest{Profile: &p}, nil)
	oe := oktaErr(t, err)
	if resp.StatusCode != 400 || oe.ErrorCode != "E0000001" || len(oe.ErrorCauses) != 1 ||
		!strings.HasPrefix(oe.ErrorCauses[0]["errorSummary"].(string), "login: An object with this field already exists") {
		t.Fatalf("duplicate: %d %+v", resp.StatusCode, oe)
	}

	// activate=true with a password gives ACTIVE, without gives PROVISIONED.
	tr := true
	p2 := okta.UserProfile{"login": "pw@" + demoorg.Domain, "email": "pw@" + demoorg.Domain, "firstName": "P", "lastName": "W"}
	u2, _, err := c.User.CreateUser(ctx, okta.CreateUserRequest{Profile: &p2, Credentials: &okta.UserCredentials{Password: &okta.PasswordCredential{Value: "Secr3t!pass"}}}, &query.Params{Activate: &tr})
	if err != nil || u2.Status != "ACTIVE" {
		t.Fatalf("with password: %v %v", u2, err)
	}
	if v, _ := e.User(u2.Id); !v.HasPassword {
		t.Error("password not recorded")
	}
	p3 := okta.UserProfile{"login": "nopw@" + demoorg.Domain, "email": "nopw@" + demoorg.Domain, "firstName": "N", "lastName": "P"}
	u3, _, err := c.User.CreateUser(ctx, okta.CreateUserRequest{Profile: &p3}, &query.Params{Activate: &tr})
	if err != nil || u3.Status != "PROVISIONED" {
		t.Fatalf("without password: %v %v", u3, err)
	}

	// Bad login is a validation error with its cause.
	p4 := okta.UserProfile{"login": "not-an-email", "email": "x@" + demoorg.Domain, "firstName": "N", "lastName": "P"}
	_, _, err = c.User.CreateUser(ctx, okta.CreateUserRequest{Profile: &p4}, nil)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000001" || !strings.Contains(oe.Error(), "Username must be in the form of an email address") {
		t.Fatalf("bad login: %v", oe)
	}

	// Partial update merges; PUT replaces.
	upd := okta.UserProfile{"title": "Senior AE"}
	got, _, err = c.User.PartialUpdateUser(ctx, u.Id, okta.User{Profile: &upd}, nil)
	if err != nil || (*got.Profile)["title"] != "Senior AE" || (*got.Profile)["department"] != "Sales" {
		t.Fatalf("partial update: %v %v", got, err)
	}
	full := okta.UserProfile{"login": "new.joiner@" + demoorg.Domain, "email": "new.joiner@" + demoorg.Domain, "firstName": "New", "lastName": "Joiner"}
	got, _, err = c.User.UpdateUser(ctx, u.Id, okta.User{Profile: &full}, nil)
	if err != nil || (*got.Profile)["department"] != nil {
		t.Fatalf("put: %v %v", got, err)
	}
	if len(e.EventsOfType("user.account.update_profile")) != 2 {
		t.Error("update events not recorded")
	}
}

func collectUsers(t *testing.T, c *okta.Client, qp *query.Params) ([]*okta.User, int) {
	t.Helper()
	ctx := context.Background()
	users, resp, err := c.User.ListUsers(ctx, qp)
	if err != nil {
		t.Fatal(err)
	}
	pages := 1
	for resp.HasNextPage() {
		var more []*okta.User
		resp, err = resp.Next(ctx, &more)
		if err != nil {
			t.Fatal(err)
		}
		users = append(users, more...)
		pages++
	}
	return users, pages
}

func TestListFilterSearchPaging(t *testing.T) {
	e := start(t, oktaemu.Config{PageSize: 2}, demoorg.New(9, 0))
	ctx := context.Background()
	c := sdk(t, e, token)
	all, pages := collectUsers(t, c, nil)
	if len(all) != 9 || pages != 5 {
		t.Fatalf("plain list: %d users in %d pages", len(all), pages)
	}
	seen := map[string]bool{}
	for _, u := range all {
		if seen[u.Id] {
			t.Fatalf("duplicate %s across pages", u.Id)
		}
		seen[u.Id] = true
	}
	// The Link header is absolute.
	_, resp, _ := c.User.ListUsers(ctx, nil)
	links := strings.Join(resp.Header.Values("Link"), ",")
	if !strings.Contains(links, "<"+e.URL()+"/api/v1/users?after=") || !strings.Contains(links, `rel="next"`) {
		t.Fatalf("Link: %s", links)
	}

	target := all[3]
	if _, err := c.User.DeactivateUser(ctx, target.Id, nil); err != nil {
		t.Fatal(err)
	}
	if plain, _ := collectUsers(t, c, nil); len(plain) != 8 {
		t.Fatalf("plain list should omit DEPROVISIONED: %d", len(plain))
	}
	dep, _ := collectUsers(t, c, &query.Params{Filter: `status eq "DEPROVISIONED"`})
	if len(dep) != 1 || dep[0].Id != target.Id {
		t.Fatalf("filter status: %v", dep)
	}
	login := (*target.Profile)["login"].(string)
	or, _ := collectUsers(t, c, &query.Params{Filter: `profile.login eq "` + login + `" or status eq "DEPROVISIONED"`})
	and, _ := collectUsers(t, c, &query.Params{Filter: `profile.email eq "` + login + `" and status eq "ACTIVE"`})
	if len(or) != 1 || len(and) != 0 {
		t.Fatalf("and/or: %d %d", len(or), len(and))
	}
	emp, _ := collectUsers(t, c, &query.Params{Search: `profile.employeeNumber eq "E0004"`})
	if len(emp) != 1 || (*emp[0].Profile)["employeeNumber"] != "E0004" {
		t.Fatalf("search employeeNumber: %v", emp)
	}
	eng, _ := collectUsers(t, c, &query.Params{Search: `profile.department eq "Engineering"`})
	if len(eng) != 2 { // E0001 and E0008
		t.Fatalf("search department: %d", len(eng))
	}
	_, resp, err := c.User.ListUsers(ctx, &query.Params{Filter: `profile.department eq "Engineering"`})
	if oe := oktaErr(t, err); resp.StatusCode != 400 || oe.ErrorCode != "E0000031" {
		t.Fatalf("filter on an unfilterable attribute: %v", oe)
	}
}

func TestLifecycleAndDelete(t *testing.T) {
	e := start(t, oktaemu.Config{}, demoorg.New(5, 0))
	ctx := context.Background()
	c := sdk(t, e, token)
	u, _ := e.UserByEmployeeNumber("E0002")
	if _, err := c.User.SuspendUser(ctx, u.ID); err != nil || e.Status(u.ID) != "SUSPENDED" {
		t.Fatalf("suspend: %v %s", err, e.Status(u.ID))
	}
	_, err := c.User.SuspendUser(ctx, u.ID)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000001" {
		t.Fatalf("suspend suspended: %v", oe)
	}
	if _, err := c.User.UnsuspendUser(ctx, u.ID); err != nil || e.Status(u.ID) != "ACTIVE" {
		t.Fatalf("unsuspend: %v", err)
	}
	_, _, err = c.User.ActivateUser(ctx, u.ID, nil)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000016" {
		t.Fatalf("activate active: %v", oe)
	}
	f := false
	for i := 0; i < 2; i++ { // deactivating twice is 200 both times
		resp, err := c.User.DeactivateUser(ctx, u.ID, &query.Params{SendEmail: &f})
		if err != nil || resp.StatusCode != 200 || e.Status(u.ID) != "DEPROVISIONED" {
			t.Fatalf("deactivate %d: %v", i, err)
		}
	}
	if n := len(e.EventsOfType("user.lifecycle.deactivate")); n != 1 {
		t.Fatalf("deactivate events %d, want 1", n)
	}
	_, _, err = c.User.ReactivateUser(ctx, u.ID, nil)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000038" {
		t.Fatalf("reactivate deprovisioned: %v", oe)
	}
	tok, _, err := c.User.ActivateUser(ctx, u.ID, &query.Params{SendEmail: &f})
	if err != nil || tok.ActivationToken == "" || e.Status(u.ID) != "PROVISIONED" {
		t.Fatalf("activate deprovisioned: %v %v %s", tok, err, e.Status(u.ID))
	}
	if _, _, err := c.User.ReactivateUser(ctx, u.ID, &query.Params{SendEmail: &f}); err != nil {
		t.Fatalf("reactivate provisioned: %v", err)
	}

	// DELETE: first deactivates, second deletes permanently.
	v, _ := e.UserByEmployeeNumber("E0003")
	if resp, err := c.User.DeactivateOrDeleteUser(ctx, v.ID, nil); err != nil || resp.StatusCode != 204 || e.Status(v.ID) != "DEPROVISIONED" {
		t.Fatalf("first delete: %v", err)
	}
	if _, err := c.User.DeactivateOrDeleteUser(ctx, v.ID, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.User(v.ID); ok {
		t.Fatal("second DELETE should remove the user")
	}
	_, resp, err := c.User.GetUser(ctx, v.ID)
	if oktaErr(t, err); resp.StatusCode != 404 {
		t.Fatalf("deleted user: %d", resp.StatusCode)
	}

	// Sessions.
	w, _ := e.UserByEmployeeNumber("E0004")
	tr := true
	if resp, err := c.User.ClearUserSessions(ctx, w.ID, &query.Params{OauthTokens: &tr}); err != nil || resp.StatusCode != 204 {
		t.Fatalf("clear sessions: %v", err)
	}
	if e.SessionsCleared(w.ID) != 1 || len(e.EventsOfType("user.session.clear")) != 1 {
		t.Fatal("session clear not recorded")
	}
}

func TestGroupsRolesFactors(t *testing.T) {
	org := demoorg.New(60, 0)
	e := start(t, oktaemu.Config{PageSize: 2}, org)
	ctx := context.Background()
	c := sdk(t, e, token)
	groups, _, err := c.Group.ListGroups(ctx, &query.Params{Q: "dept-eng"})
	if err != nil || len(groups) != 1 || groups[0].Profile.Name != "dept-engineering" || groups[0].Type != "OKTA_GROUP" {
		t.Fatalf("q: %v %v", groups, err)
	}
	for _, qp := range []*query.Params{{Search: `profile.name eq "contractors"`}, {Filter: `profile.name eq "contractors"`}} {
		gs, _, err := c.Group.ListGroups(ctx, qp)
		if err != nil || len(gs) != 1 || gs[0].Profile.Name != "contractors" {
			t.Fatalf("%+v: %v %v", qp, gs, err)
		}
	}
	u, _ := e.UserByEmployeeNumber("E0001")
	gid, _ := e.GroupID("contractors")
	for i := 0; i < 2; i++ {
		if resp, err := c.Group.AddUserToGroup(ctx, gid, u.ID); err != nil || resp.StatusCode != 204 {
			t.Fatalf("add %d: %v", i, err)
		}
	}
	if n := len(e.EventsOfType("group.user_membership.add")); n != 1 {
		t.Fatalf("add events %d", n)
	}
	ug, resp, err := c.User.ListUserGroups(ctx, u.ID)
	if err != nil || len(ug) != 2 || !resp.HasNextPage() {
		t.Fatalf("user groups first page: %d %v", len(ug), err)
	}
	var more []*okta.Group
	if _, err := resp.Next(ctx, &more); err != nil || len(ug)+len(more) != 4 {
		t.Fatalf("user groups: %d+%d %v", len(ug), len(more), err)
	}
	for i := 0; i < 2; i++ {
		if resp, err := c.Group.RemoveUserFromGroup(ctx, gid, u.ID); err != nil || resp.StatusCode != 204 {
			t.Fatalf("remove %d: %v", i, err)
		}
	}
	if n := len(e.EventsOfType("group.user_membership.remove")); n != 1 || strings.Contains(strings.Join(e.GroupsOf(u.ID), ","), "contractors") {
		t.Fatalf("remove events %d groups %v", n, e.GroupsOf(u.ID))
	}
	_, err = c.Group.AddUserToGroup(ctx, "00gmissing", u.ID)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000007" {
		t.Fatal(oe)
	}

	// Roles: the demo's standing admins hold USER_ADMIN.
	admin, _ := e.UserByEmployeeNumber("E0007") // IT, i <= 50
	if len(admin.Roles) != 1 || admin.Roles[0] != "USER_ADMIN" {
		t.Fatalf("seeded roles %v", admin.Roles)
	}
	role, resp, err := c.User.AssignRoleToUser(ctx, u.ID, okta.AssignRoleRequest{Type: "HELP_DESK_ADMIN"}, nil)
	if err != nil || resp.StatusCode != 201 || role.Type != "HELP_DESK_ADMIN" || role.AssignmentType != "USER" || role.Id == "" {
		t.Fatalf("assign: %v %v", role, err)
	}
	_, resp, err = c.User.AssignRoleToUser(ctx, u.ID, okta.AssignRoleRequest{Type: "HELP_DESK_ADMIN"}, nil)
	if oe := oktaErr(t, err); resp.StatusCode != 409 || oe.ErrorCode != "E0000090" {
		t.Fatalf("duplicate role: %v", oe)
	}
	roles, _, err := c.User.ListAssignedRolesForUser(ctx, u.ID, nil)
	if err != nil || len(roles) != 1 || roles[0].Label != "Help Desk Administrator" {
		t.Fatalf("list roles: %v %v", roles, err)
	}
	if resp, err := c.User.RemoveRoleFromUser(ctx, u.ID, role.Id); err != nil || resp.StatusCode != 204 || len(e.AdminRoles(u.ID)) != 0 {
		t.Fatalf("remove role: %v", err)
	}
	if _, err := c.User.RemoveRoleFromUser(ctx, u.ID, role.Id); oktaErr(t, err).ErrorCode != "E0000007" {
		t.Fatal("removing an absent role should be 404")
	}
	if len(e.EventsOfType("user.account.privilege.grant")) != 1 || len(e.EventsOfType("user.account.privilege.revoke")) != 1 {
		t.Fatal("privilege events missing")
	}

	// Factors: MFA users have an ACTIVE push factor; E0013 has no MFA.
	fs, _, err := c.UserFactor.ListFactors(ctx, u.ID)
	if err != nil || len(fs) == 0 || fs[0].(*okta.UserFactor).FactorType != "push" || fs[0].(*okta.UserFactor).Status != "ACTIVE" {
		t.Fatalf("factors: %v %v", fs, err)
	}
	nomfa, _ := e.UserByEmployeeNumber("E0013")
	fs, _, err = c.UserFactor.ListFactors(ctx, nomfa.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.(*okta.UserFactor).Status == "ACTIVE" {
			t.Fatalf("E0013 should have no active factor: %+v", f)
		}
	}
}

func TestSystemLog(t *testing.T) {
	e := start(t, oktaemu.Config{PageSize: 2}, demoorg.New(50, 0))
	ctx := context.Background()
	c := sdk(t, e, token)
	u, _ := e.UserByEmployeeNumber("E0010")
	if _, err := c.User.DeactivateUser(ctx, u.ID, nil); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-48 * time.Hour).UTC().Format(time.RFC3339)
	until := time.Now().Add(time.Minute).UTC().Format(time.RFC3339)
	evs, resp, err := c.LogEvent.GetLogs(ctx, &query.Params{Since: since, Until: until, Filter: `eventType eq "user.session.start"`, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	pages := 1
	for resp.HasNextPage() {
		var more []*okta.LogEvent
		if resp, err = resp.Next(ctx, &more); err != nil {
			t.Fatal(err)
		}
		evs = append(evs, more...)
		pages++
	}
	if len(evs) != 5 || pages != 3 {
		t.Fatalf("session.start events %d in %d pages", len(evs), pages)
	}
	for i, ev := range evs {
		if ev.EventType != "user.session.start" || ev.Actor == nil || ev.Actor.AlternateId == "" || ev.Published == nil || ev.Client.IpAddress == "" {
			t.Fatalf("event %+v", ev)
		}
		if i > 0 && ev.Published.Before(*evs[i-1].Published) {
			t.Fatal("events out of order")
		}
	}
	deact, _, err := c.LogEvent.GetLogs(ctx, &query.Params{Since: since, Filter: `eventType eq "user.lifecycle.deactivate" and target.id eq "` + u.ID + `"`})
	if err != nil || len(deact) != 1 || deact[0].Outcome.Result != "SUCCESS" || deact[0].Target[0].Id != u.ID {
		t.Fatalf("deactivate event: %v %v", deact, err)
	}
	// until is exclusive and bounds the window.
	old, _, err := c.LogEvent.GetLogs(ctx, &query.Params{Since: since, Until: time.Now().Add(-47 * time.Hour).UTC().Format(time.RFC3339)})
	if err != nil || len(old) != 0 {
		t.Fatalf("empty window: %d %v", len(old), err)
	}
}

func TestRateLimitAndFaults(t *testing.T) {
	e := start(t, oktaemu.Config{}, demoorg.New(5, 0))
	e.SetLimit("users", emulator.Limit{Requests: 2, Window: 2 * time.Second})
	get := func() *http.Response {
		req, _ := http.NewRequest("GET", e.URL()+"/api/v1/users?limit=1", nil)
		req.Header.Set("Authorization", "SSWS "+token)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	r1 := get()
	r1.Body.Close()
	if r1.Header.Get("X-Rate-Limit-Limit") != "2" || r1.Header.Get("X-Rate-Limit-Remaining") != "1" {
		t.Fatalf("quota headers %v", r1.Header)
	}
	get().Body.Close()
	r3 := get()
	var body map[string]any
	_ = json.NewDecoder(r3.Body).Decode(&body)
	r3.Body.Close()
	if r3.StatusCode != 429 || body["errorCode"] != "E0000047" {
		t.Fatalf("third call: %d %v", r3.StatusCode, body)
	}
	checkCommonHeaders(t, r3.Header)
	date, _ := http.ParseTime(r3.Header.Get("Date"))
	reset, _ := strconv.ParseInt(r3.Header.Get("X-Rate-Limit-Reset"), 10, 64)
	if d := reset - date.Unix(); d < 0 || d > 2 {
		t.Fatalf("reset %d - date %d", reset, date.Unix())
	}
	// Another family is not throttled.
	gc := sdk(t, e, token)
	if _, _, err := gc.Group.ListGroups(context.Background(), nil); err != nil {
		t.Fatal(err)
	}

	// The SDK waits out a 429 itself using Date and X-Rate-Limit-Reset.
	e.SetLimit("users", emulator.Limit{})
	e.ResetLog()
	e.AddFault(emulator.Fault{Family: "users", Status: 429, Times: 1, RetryAfter: time.Second})
	c := sdk(t, e, token, okta.WithRateLimitMaxRetries(2), okta.WithRateLimitMaxBackOff(5))
	if _, _, err := c.User.GetUser(context.Background(), "ada.lovelace1@"+demoorg.Domain); err != nil {
		t.Fatalf("SDK should retry the 429: %v", err)
	}
	if e.ThrottledCount() != 1 || e.Counts()["users"] != 2 {
		t.Fatalf("throttled %d counts %v", e.ThrottledCount(), e.Counts())
	}

	// An injected 503 and 403 come back in Okta's error shape.
	e.AddFault(emulator.Fault{Family: "users", Status: 503, Times: 1})
	_, resp, err := c.User.GetUser(context.Background(), "ada.lovelace1@"+demoorg.Domain)
	if oe := oktaErr(t, err); resp.StatusCode != 503 || oe.ErrorCode != "E0000010" {
		t.Fatalf("503: %v", oe)
	}
	checkCommonHeaders(t, resp.Header)
	e.AddFault(emulator.Fault{Family: "users", Status: 403, Times: 1})
	_, _, err = c.User.GetUser(context.Background(), "ada.lovelace1@"+demoorg.Domain)
	if oe := oktaErr(t, err); oe.ErrorCode != "E0000006" {
		t.Fatalf("403: %v", oe)
	}
}

func TestFamily(t *testing.T) {
	e := oktaemu.New(oktaemu.Config{})
	for path, want := range map[string]string{
		"/api/v1/users": "users", "/api/v1/users/00u1/lifecycle/deactivate": "users", "/api/v1/users/00u1/sessions": "sessions",
		"/api/v1/users/00u1/roles/ra1": "roles", "/api/v1/users/00u1/factors": "factors", "/api/v1/groups/00g1/users/00u1": "groups",
		"/api/v1/logs": "logs", "/oauth2/v1/token": "other",
	} {
		r, _ := http.NewRequest("GET", "http://x"+path, nil)
		if got := e.Family(r); got != want {
			t.Errorf("%s: %s, want %s", path, got, want)
		}
	}
}

// BenchmarkGetUser measures simple reads through the official SDK:
// go test ./devstack/oktaemu -run '^$' -bench GetUser -cpu 1
func BenchmarkGetUser(b *testing.B) {
	e := start(b, oktaemu.Config{}, demoorg.Default())
	c := sdk(b, e, token)
	ctx := context.Background()
	u, _ := e.UserByEmployeeNumber("E0042")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := c.User.GetUser(ctx, u.ID); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
}

// BenchmarkGetUserRaw measures the server alone (plain net/http client, no
// SDK decoding): go test ./devstack/oktaemu -run '^$' -bench GetUser -cpu 1
func BenchmarkGetUserRaw(b *testing.B) {
	e := start(b, oktaemu.Config{}, demoorg.Default())
	u, _ := e.UserByEmployeeNumber("E0042")
	req, _ := http.NewRequest("GET", e.URL()+"/api/v1/users/"+u.ID, nil)
	req.Header.Set("Authorization", "SSWS "+token)
	emutest.BenchServer(b, nil, "reads/s", func(int) *http.Request { return req })
}

// Okta's target.* filters match when any target of the event matches, not
// only the first: a membership event's group is its second target.
func TestSystemLogFilterMatchesAnyTarget(t *testing.T) {
	e := start(t, oktaemu.Config{}, demoorg.New(5, 0))
	ctx := context.Background()
	c := sdk(t, e, token)
	u, _ := e.UserByEmployeeNumber("E0001")
	gid, _ := e.GroupID("contractors")
	if _, err := c.Group.AddUserToGroup(ctx, gid, u.ID); err != nil {
		t.Fatal(err)
	}
	since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
	for _, id := range []string{u.ID, gid} {
		evs, _, err := c.LogEvent.GetLogs(ctx, &query.Params{Since: since, Filter: `eventType eq "group.user_membership.add" and target.id eq "` + id + `"`})
		if err != nil || len(evs) != 1 {
			t.Fatalf("target.id %s: %d events, %v", id, len(evs), err)
		}
	}
	none, _, err := c.LogEvent.GetLogs(ctx, &query.Params{Since: since, Filter: `eventType eq "group.user_membership.add" and target.id eq "00gnosuchgroup"`})
	if err != nil || len(none) != 0 {
		t.Fatalf("unknown target: %d events, %v", len(none), err)
	}
}

package ad_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	utf16enc "golang.org/x/text/encoding/unicode"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/ad"
	"github.com/jml-dev/jml/integrations/directory"
)

// One real DC for the package, seeded from a small demo organisation.
var (
	dc     *samba.DC
	seeded samba.Seeded
	org    = demoorg.New(30, 3)
)

func TestMain(m *testing.M) {
	code := func() int {
		var err error
		if dc, err = samba.StartTracked(context.Background()); err != nil {
			panic(err)
		}
		if seeded, err = samba.Seed(dc, org); err != nil {
			panic(err)
		}
		return m.Run()
	}()
	samba.StopAll()
	os.Exit(code)
}

func options(url string) ad.Options {
	return ad.Options{URL: url, BindDN: dc.AdminUPN, BindPassword: dc.AdminPassword, BaseDN: dc.BaseDN,
		UsersOU: samba.UsersOU, DisabledOU: samba.DisabledOU, CAFile: dc.CAFile}
}

func client(t *testing.T) *ad.Client {
	t.Helper()
	c, err := ad.New(options(dc.URL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

func person(r domain.HRRecord) domain.Person {
	return domain.Person{EmployeeID: r.EmployeeID, Email: r.Email, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Department: r.Department, Title: r.Title, Location: r.Location}
}

// entry reads an account's raw attributes as the Administrator.
func entry(t *testing.T, id string, attrs ...string) *ldap.Entry {
	t.Helper()
	c, err := dc.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest("<GUID="+id+">", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=user)", attrs, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("read %s: %v", id, err)
	}
	return res.Entries[0]
}

func kind(err error) directory.Kind { return directory.KindOf(err) }

func TestCreateFindUpdate(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	j := person(org.Joiners[0])
	a, o, err := c.CreateUser(ctx, j, false)
	if err != nil || o != domain.Created {
		t.Fatalf("create: %v %v", o, err)
	}
	if a.Enabled || a.EmployeeID != j.EmployeeID || a.Login != j.Email {
		t.Errorf("created %+v", a)
	}
	e := entry(t, a.ID, "sAMAccountName", "pwdLastSet", "userAccountControl", "distinguishedName")
	if e.GetAttributeValue("pwdLastSet") != "0" {
		t.Errorf("pwdLastSet = %s, want 0 (must change at next logon)", e.GetAttributeValue("pwdLastSet"))
	}
	if !strings.HasSuffix(e.DN, ","+samba.UsersOU) {
		t.Errorf("created at %s, want in %s", e.DN, samba.UsersOU)
	}
	sam := e.GetAttributeValue("sAMAccountName")
	if sam != ad.SAMBase(j) || len(sam) > 20 {
		t.Errorf("sAMAccountName %q, want %q", sam, ad.SAMBase(j))
	}
	// Again: found, not a second account.
	if b, o, err := c.CreateUser(ctx, j, false); err != nil || o != domain.AlreadyExisted || b.ID != a.ID {
		t.Fatalf("second create: %v %v %v", b.ID, o, err)
	}
	// Someone else with the same name gets the next free sAMAccountName and
	// a CN of its own; a long name is cut to 20 characters.
	twin := j
	twin.EmployeeID, twin.Email = "E9001", "twin@"+demoorg.Domain
	b, _, err := c.CreateUser(ctx, twin, true)
	if err != nil {
		t.Fatal(err)
	}
	if s2 := entry(t, b.ID, "sAMAccountName").GetAttributeValue("sAMAccountName"); s2 != sam+"2" {
		t.Errorf("twin sAMAccountName %q, want %q", s2, sam+"2")
	}
	long := domain.Person{EmployeeID: "E9002", Email: "long@" + demoorg.Domain, GivenName: "Maximiliane", FamilyName: "Wolfeschlegelsteinhausen"}
	l, _, err := c.CreateUser(ctx, long, true)
	if err != nil {
		t.Fatal(err)
	}
	if s3 := entry(t, l.ID, "sAMAccountName").GetAttributeValue("sAMAccountName"); s3 != "mwolfeschlegelsteinh" {
		t.Errorf("long sAMAccountName %q", s3)
	}
	// Find by employee id, by UPN, and by sAMAccountName.
	for _, q := range [][2]string{{j.EmployeeID, ""}, {"", j.Email}, {"", sam + "@elsewhere.test"}} {
		f, err := c.FindUser(ctx, q[0], q[1])
		if err != nil || f.ID != a.ID {
			t.Errorf("find %v: %v %v", q, f.ID, err)
		}
	}
	// ...but not another employee's account by its name.
	if _, err := c.FindUser(ctx, "E7777", j.Email); kind(err) != directory.KindNotFound {
		t.Errorf("find with another employee id: %v, want not found", err)
	}
	j.Title = "Staff Engineer"
	if o, err := c.UpdateProfile(ctx, a.ID, j); err != nil || o != domain.Updated {
		t.Fatalf("update: %v %v", o, err)
	}
	if o, _ := c.UpdateProfile(ctx, a.ID, j); o != domain.Unchanged {
		t.Errorf("second update: %v", o)
	}
	if got := entry(t, a.ID, "title").GetAttributeValue("title"); got != "Staff Engineer" {
		t.Errorf("title = %q", got)
	}
	if o, err := c.Enable(ctx, a.ID); err != nil || o != domain.Enabled {
		t.Errorf("enable: %v %v", o, err)
	}
	m := seeded.DN[org.Joiners[0].ManagerEmployeeID]
	mgr, _ := c.FindUser(ctx, org.Joiners[0].ManagerEmployeeID, "")
	if o, err := c.SetManager(ctx, a.ID, mgr.ID); err != nil || o != domain.Updated {
		t.Fatalf("set manager: %v %v", o, err)
	}
	if got := entry(t, a.ID, "manager").GetAttributeValue("manager"); !strings.EqualFold(got, m) {
		t.Errorf("manager = %q, want %q", got, m)
	}
}

func TestGroups(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	a, _ := c.FindUser(ctx, "E0020", "")
	if o, err := c.AddToGroup(ctx, a.ID, "contractors"); err != nil || o != domain.Added {
		t.Fatalf("add: %v %v", o, err)
	}
	if o, _ := c.AddToGroup(ctx, a.ID, "contractors"); o != domain.AlreadyPresent {
		t.Errorf("second add: %v", o)
	}
	gs, err := c.ListGroups(ctx, a.ID)
	if err != nil || strings.Join(gs, ",") != "all-staff,contractors,dept-people" {
		t.Errorf("groups %v %v", gs, err)
	}
	if o, err := c.RemoveFromGroup(ctx, a.ID, "contractors"); err != nil || o != domain.Removed {
		t.Fatalf("remove: %v %v", o, err)
	}
	if o, _ := c.RemoveFromGroup(ctx, a.ID, "contractors"); o != domain.WasAbsent {
		t.Errorf("second remove: %v", o)
	}
	if _, err := c.AddToGroup(ctx, a.ID, "no-such-group"); kind(err) != directory.KindNotFound {
		t.Errorf("unknown group: %v", err)
	}
}

// setPassword gives an account a known password that needs no change, so
// the test can sign in as it.
func setPassword(t *testing.T, dn, pw string) {
	t.Helper()
	c, err := dc.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	enc, _ := utf16enc.UTF16(utf16enc.LittleEndian, utf16enc.IgnoreBOM).NewEncoder().String(`"` + pw + `"`)
	m := ldap.NewModifyRequest(dn, nil)
	m.Replace("unicodePwd", []string{enc})
	m.Replace("pwdLastSet", []string{"-1"})
	if err := c.Modify(m); err != nil {
		t.Fatal(err)
	}
}

func binds(t *testing.T, user, pw string) error {
	t.Helper()
	tc, _ := dc.TLSConfig()
	c, err := ldap.DialURL(dc.URL, ldap.DialWithTLSConfig(tc))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.Bind(user, pw)
}

// The leaver in AD: scramble (the old password no longer binds), disable
// with a description naming jml, the date and the workflow, groups removed
// (the primary group stays), moved to the disabled OU; every step
// idempotent and read back.
func TestLeaver(t *testing.T) {
	ctx := directory.WithWorkflowID(context.Background(), "employee/E0021/leaver-1")
	c := client(t)
	a, _ := c.FindUser(ctx, "E0021", "")
	sam := seeded.SAM["E0021"]
	const pw = "Old-Passw0rd-of-E0021!"
	setPassword(t, seeded.DN["E0021"], pw)
	if err := binds(t, sam+"@"+samba.Realm, pw); err != nil {
		t.Fatalf("bind before the leaver: %v", err)
	}
	since := time.Now()
	if o, err := c.RevokeSessions(ctx, a.ID); err != nil || o != domain.Revoked {
		t.Fatalf("scramble: %v %v", o, err)
	}
	if err := binds(t, sam+"@"+samba.Realm, pw); !ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
		t.Fatalf("old password after the scramble: %v, want invalid credentials", err)
	}
	if ok, ev, _ := c.SessionsRevokedSince(ctx, a.ID, since); ok {
		t.Errorf("revoked before the disable: %s", ev)
	}
	if o, err := c.Disable(ctx, a.ID); err != nil || o != domain.Disabled {
		t.Fatalf("disable: %v %v", o, err)
	}
	if o, err := c.Disable(ctx, a.ID); err != nil || o != domain.AlreadyDisabled {
		t.Fatalf("second disable: %v %v", o, err)
	}
	e := entry(t, a.ID, "userAccountControl", "description", "primaryGroupID")
	if e.GetAttributeValue("userAccountControl") != "546" {
		t.Errorf("userAccountControl = %s, want 546 (ACCOUNTDISABLE)", e.GetAttributeValue("userAccountControl"))
	}
	want := "Disabled by jml on " + time.Now().UTC().Format("2006-01-02") + ", workflow employee/E0021/leaver-1"
	if d := e.GetAttributeValue("description"); d != want {
		t.Errorf("description %q, want %q", d, want)
	}
	if !strings.HasSuffix(e.DN, ","+samba.DisabledOU) {
		t.Errorf("after disable at %s, want in %s", e.DN, samba.DisabledOU)
	}
	if ok, ev, err := c.SessionsRevokedSince(ctx, a.ID, since); !ok || err != nil {
		t.Errorf("read-back: %v %s %v", ok, ev, err)
	}
	// Remove access as the leaver's RemoveAllAccess does: list, remove each.
	gs, _ := c.ListGroups(ctx, a.ID)
	if len(gs) != 2 {
		t.Fatalf("groups before %v", gs)
	}
	for _, g := range gs {
		if o, err := c.RemoveFromGroup(ctx, a.ID, g); err != nil || o != domain.Removed {
			t.Errorf("remove %s: %v %v", g, o, err)
		}
	}
	if gs, _ := c.ListGroups(ctx, a.ID); len(gs) != 0 {
		t.Errorf("groups after %v", gs)
	}
	if p := e.GetAttributeValue("primaryGroupID"); p != "513" {
		t.Errorf("primary group %s, want 513 (Domain Users) kept", p)
	}
	// A rehire comes back to the users OU, enabled.
	if o, err := c.Enable(ctx, a.ID); err != nil || o != domain.Enabled {
		t.Fatalf("enable: %v %v", o, err)
	}
	if e := entry(t, a.ID, "cn"); !strings.HasSuffix(e.DN, ","+samba.UsersOU) {
		t.Errorf("rehire at %s", e.DN)
	}
}

// AD's privileged groups read as admin roles: the seeded standing Domain
// Admin shows Domain Admins once (not also the Administrators it implies),
// a grant and a revoke round-trip, a nested membership is reported and
// refused, and PrivilegedMembers finds everyone.
func TestPrivilegedGroups(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	admin, _ := c.FindUser(ctx, seeded.StandingAdmins[0], "")
	roles, err := c.ListAdminRoles(ctx, admin.ID)
	if err != nil || len(roles) != 1 || roles[0].Role != "Domain Admins" {
		t.Fatalf("standing admin roles %+v %v", roles, err)
	}
	u, _ := c.FindUser(ctx, "E0022", "")
	if _, o, err := c.GrantAdminRole(ctx, u.ID, "Backup Operators", time.Now().Add(time.Hour)); err != nil || o != domain.Added {
		t.Fatalf("grant: %v %v", o, err)
	}
	if roles, _ := c.ListAdminRoles(ctx, u.ID); len(roles) != 1 || roles[0].Role != "Backup Operators" {
		t.Errorf("after grant %+v", roles)
	}
	if gs, _ := c.ListGroups(ctx, u.ID); strings.Contains(strings.Join(gs, ","), "Backup") {
		t.Errorf("an admin group listed as a catalog group: %v", gs)
	}
	if o, err := c.RevokeAdminRole(ctx, u.ID, "Backup Operators"); err != nil || o != domain.Removed {
		t.Fatalf("revoke: %v %v", o, err)
	}
	if roles, _ := c.ListAdminRoles(ctx, u.ID); len(roles) != 0 {
		t.Errorf("after revoke %+v", roles)
	}
	// it-admins nested in Domain Admins: its members are Domain Admins.
	if err := samba.AddGroups(dc, "it-admins"); err != nil {
		t.Fatal(err)
	}
	conn, _ := dc.Dial()
	m := ldap.NewModifyRequest("CN=Domain Admins,CN=Users,"+samba.BaseDN, nil)
	m.Add("member", []string{"CN=it-admins," + samba.GroupsOU})
	if err := conn.Modify(m); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if _, err := c.AddToGroup(ctx, u.ID, "it-admins"); err != nil {
		t.Fatal(err)
	}
	roles, _ = c.ListAdminRoles(ctx, u.ID)
	if len(roles) != 1 || roles[0].Role != "Domain Admins" || roles[0].ID != "nested" {
		t.Errorf("nested %+v", roles)
	}
	if _, err := c.RevokeAdminRole(ctx, u.ID, "Domain Admins"); kind(err) != directory.KindPermanent {
		t.Errorf("revoke of a nested membership: %v, want permanent", err)
	}
	members, err := c.PrivilegedMembers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	das := map[string]bool{}
	for _, p := range members {
		if p.Group == "Domain Admins" {
			das[p.Account] = true
		}
	}
	for _, want := range []string{"Administrator", "breakglass-1", "breakglass-2", seeded.SAM[seeded.StandingAdmins[0]], seeded.SAM["E0022"]} {
		if !das[want] {
			t.Errorf("Domain Admins members %v lack %s", das, want)
		}
	}
	if _, err := c.RemoveFromGroup(ctx, u.ID, "it-admins"); err != nil {
		t.Fatal(err)
	}
}

// More than AD's MaxPageSize (1,000, past which Windows DCs cut an unpaged
// search short): the client's paged search reads them all, in pages.
func TestPagingOver1000(t *testing.T) {
	ou := "OU=Bulk," + samba.BaseDN
	if err := samba.AddBulkUsers(dc, ou, "bulk", 1100); err != nil {
		t.Fatal(err)
	}
	c := client(t)
	before := c.Pages()
	us, err := c.Users(context.Background(), ou)
	if err != nil || len(us) != 1100 {
		t.Fatalf("paged: %d users, %v", len(us), err)
	}
	if p := c.Pages() - before; p != 3 {
		t.Errorf("%d pages of 500, want 3", p)
	}
}

// Classification: a password AD's policy refuses is a constraint violation
// (permanent), a wrong bind password is permanent, a certificate from
// another CA fails to connect, a missing account is not found, and the
// transient LDAP codes are transient.
func TestErrorsClassified(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	conn, _ := dc.Dial()
	enc, _ := utf16enc.UTF16(utf16enc.LittleEndian, utf16enc.IgnoreBOM).NewEncoder().String(`"x"`)
	m := ldap.NewModifyRequest(seeded.DN["E0023"], nil)
	m.Replace("unicodePwd", []string{enc})
	err := conn.Modify(m)
	conn.Close()
	if !ldap.IsErrorWithCode(err, ldap.LDAPResultConstraintViolation) {
		t.Fatalf("short password: %v, want constraint violation", err)
	}
	if k := ad.Classify("set password", err); directory.KindOf(k) != directory.KindPermanent || strings.Contains(k.Error(), `"x"`) {
		t.Errorf("constraint violation classified %v", k)
	}
	bad := options(dc.URL)
	bad.BindPassword = "wrong"
	bc, _ := ad.New(bad)
	if _, err := bc.FindUser(ctx, "E0001", ""); kind(err) != directory.KindPermanent || strings.Contains(err.Error(), "wrong") {
		t.Errorf("bad bind: %v", err)
	}
	other := options(dc.URL)
	other.CAFile = ""
	oc, _ := ad.New(other)
	if _, err := oc.FindUser(ctx, "E0001", ""); err == nil {
		t.Error("a DC whose certificate the system roots do not sign was trusted")
	}
	if _, err := c.Disable(ctx, "00000000-0000-0000-0000-000000000000"); kind(err) != directory.KindNotFound {
		t.Errorf("missing account: %v", err)
	}
	for code, want := range map[uint16]directory.Kind{
		ldap.LDAPResultBusy: directory.KindTransient, ldap.LDAPResultUnavailable: directory.KindTransient,
		ldap.ErrorNetwork: directory.KindTransient, ldap.LDAPResultConstraintViolation: directory.KindPermanent,
		ldap.LDAPResultInsufficientAccessRights: directory.KindPermanent, ldap.LDAPResultNoSuchObject: directory.KindNotFound,
	} {
		if got := directory.KindOf(ad.Classify("op", ldap.NewError(code, errors.New("x")))); got != want {
			t.Errorf("code %d: %s, want %s", code, got, want)
		}
	}
}

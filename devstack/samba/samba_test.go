package samba

import (
	"context"
	"os"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/jml-dev/jml/devstack/demoorg"
)

func TestMain(m *testing.M) {
	code := m.Run()
	StopAll()
	os.Exit(code)
}

// Two DCs at once from one template, each on its own loopback address,
// seeded from the demo organisation: the groups, memberships, manager DNs,
// the standing Domain Admin and the break-glass accounts are in the real
// directory.
func TestStartSeedTwoDCs(t *testing.T) {
	ctx := context.Background()
	a, err := StartTracked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := StartTracked(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.Addr == b.Addr || a.Addr == "127.0.0.1" {
		t.Fatalf("addresses %s and %s: want two distinct, not 127.0.0.1", a.Addr, b.Addr)
	}
	org := demoorg.New(30, 2)
	s, err := Seed(a, org)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(UsersOU, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectClass=user)(employeeID=E0012))", []string{"manager", "memberOf", "sAMAccountName"}, nil))
	if err != nil || len(res.Entries) != 1 {
		t.Fatalf("E0012: %v %d entries", err, len(res.Entries))
	}
	e := res.Entries[0]
	if e.GetAttributeValue("manager") != s.DN["E0005"] {
		t.Errorf("manager = %q, want %q", e.GetAttributeValue("manager"), s.DN["E0005"])
	}
	if len(e.GetAttributeValues("memberOf")) < 2 {
		t.Errorf("memberOf = %v, want all-staff and a department", e.GetAttributeValues("memberOf"))
	}
	da, err := c.Search(ldap.NewSearchRequest("CN=Domain Admins,CN=Users,"+BaseDN, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=group)", []string{"member"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	// Administrator, the two break-glass accounts and one standing admin.
	if n := len(da.Entries[0].GetAttributeValues("member")); n != 4 || len(s.StandingAdmins) != 1 {
		t.Errorf("Domain Admins has %d members, standing admins %v; want 4 and one", n, s.StandingAdmins)
	}
	// The second DC is untouched by the first one's seed.
	cb, err := b.Dial()
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close()
	if _, err := cb.Search(ldap.NewSearchRequest(UsersOU, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", nil, nil)); !ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		t.Errorf("second DC has the first one's OU: %v", err)
	}
	// A stopped DC no longer answers.
	b.Stop()
	if c, err := b.Dial(); err == nil {
		c.Close()
		t.Error("stopped DC still answers")
	}
}

package ad_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// The orphan join's side of AD: one paged search of every person account
// but the critical system objects, named by sAMAccountName as the admin
// side and the break-glass list name them; and delete, read back.
func TestListUsersAndDelete(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	before := c.Pages()
	byLogin := map[string]domain.Account{}
	if err := c.ListUsers(ctx, 200, func(a domain.Account) error { byLogin[strings.ToLower(a.Login)] = a; return nil }); err != nil {
		t.Fatal(err)
	}
	if c.Pages() == before {
		t.Fatal("no LDAP page read")
	}
	for _, emp := range org.Employees {
		a, ok := byLogin[strings.ToLower(seeded.SAM[emp.EmployeeID])]
		if !ok || a.EmployeeID != emp.EmployeeID || a.ID == "" {
			t.Fatalf("%s (%s): %+v", emp.EmployeeID, seeded.SAM[emp.EmployeeID], a)
		}
	}
	for _, bg := range samba.BreakGlass {
		if a, ok := byLogin[bg]; !ok || a.EmployeeID != "" {
			t.Fatalf("break-glass %s listed as %+v (the sweep skips it as declared)", bg, a)
		}
	}
	for _, sys := range []string{"administrator", "krbtgt", "guest"} {
		if _, ok := byLogin[sys]; ok {
			t.Fatalf("critical system object %s listed", sys)
		}
	}

	p := domain.Person{EmployeeID: "E7801", Email: "orphan.contractor@" + demoorg.Domain, GivenName: "Orphan", FamilyName: "Contractor"}
	a, _, err := c.CreateUser(ctx, p, true)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := c.DeleteUser(ctx, a.ID); err != nil || o != domain.Removed {
		t.Fatalf("delete: %s %v", o, err)
	}
	if _, err := c.FindUser(ctx, p.EmployeeID, ""); kind(err) != directory.KindNotFound {
		t.Fatalf("after delete: %v, want not found", err)
	}
	if o, err := c.DeleteUser(ctx, a.ID); err != nil || o != domain.WasAbsent {
		t.Fatalf("delete again: %s %v", o, err)
	}
	adm, err := c.FindUser(ctx, "", "Administrator@"+demoorg.Domain)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteUser(ctx, adm.ID); kind(err) != directory.KindPermanent || !strings.Contains(err.Error(), "critical system object") {
		t.Fatalf("delete Administrator: %v, want refused", err)
	}
}

// A privileged-group holder is named by the objectGUID every other call
// takes: the sweep's standing-admin child removes the membership through
// it and reads it back.
func TestAdminHoldersRemovableByTheirID(t *testing.T) {
	ctx := context.Background()
	c := client(t)
	emp := seeded.StandingAdmins[0]
	sam := seeded.SAM[emp]
	hs, err := c.AdminHolders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var h directory.AdminHolder
	for _, x := range hs {
		if x.Login == sam && x.Role == "Domain Admins" {
			h = x
		}
	}
	a, err := c.FindUser(ctx, emp, "")
	if err != nil {
		t.Fatal(err)
	}
	if h.PrincipalID != a.ID || h.EmployeeID != emp {
		t.Fatalf("holder %+v, want principal %s (objectGUID)", h, a.ID)
	}
	if o, err := c.RevokeAdminRole(ctx, h.PrincipalID, h.Role); err != nil || o != domain.Removed {
		t.Fatalf("revoke: %s %v", o, err)
	}
	roles, err := c.ListAdminRoles(ctx, h.PrincipalID)
	if err != nil || len(roles) != 0 {
		t.Fatalf("read back %+v %v", roles, err)
	}
	if _, _, err := c.GrantAdminRole(ctx, h.PrincipalID, h.Role, time.Time{}); err != nil { // as seeded, for the other tests
		t.Fatal(err)
	}
}

package google

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/googleemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

const serviceAccountID = "104729305711234567890" // an IAM service account's uniqueId

// sweepSetup is the demo tenant with the sweep's Google holders, in pages
// of two so every list really pages.
func sweepSetup(t *testing.T) (*Client, *googleemu.Emulator, demoorg.Org) {
	t.Helper()
	org := demoorg.New(20, 0)
	c, e := setup(t, googleemu.Config{PageSize: 2}, org, nil)
	e.SeedSweep(demoorg.SweepAccounts())
	if !e.AssignServiceAccountRole(serviceAccountID, "Services Administrator") {
		t.Fatal("service account role not assigned")
	}
	return c, e, org
}

func TestAdminHoldersReadsUsersGroupsAndServiceAccounts(t *testing.T) {
	c, e, org := sweepSetup(t)
	ctx := context.Background()
	hs := must(c.AdminHolders(ctx))
	by := map[string]directory.AdminHolder{}
	for _, h := range hs {
		by[strings.ToLower(h.Login)+"/"+h.Role] = h
	}
	super, ok := by[demoorg.GoogleSuperAdmin+"/_SEED_ADMIN_ROLE"]
	if !ok || super.Kind != directory.PrincipalUser || super.EmployeeID != "" || !super.Enabled || !super.Permanent || super.RoleLabel != "Super Admin" {
		t.Fatalf("super admin outside HR: %+v (all %+v)", super, hs)
	}
	grp, ok := by[demoorg.GoogleAdminGroup+"/_HELP_DESK_ADMIN_ROLE"]
	if !ok || grp.Kind != directory.PrincipalGroup || grp.RoleLabel != "Help Desk Administrator" {
		t.Fatalf("group holding a role: %+v", grp)
	}
	sa, ok := by[serviceAccountID+"/_SERVICE_ADMIN_ROLE"]
	if !ok || sa.Kind != directory.PrincipalService {
		t.Fatalf("service account: %+v", sa)
	}
	var admins int
	for _, emp := range org.Employees {
		if len(emp.AdminRoles) == 0 {
			continue
		}
		admins++
		h, ok := by[strings.ToLower(emp.Email)+"/User Administrator"]
		if !ok || h.EmployeeID != emp.EmployeeID || h.Kind != directory.PrincipalUser {
			t.Fatalf("standing admin %s: %+v", emp.EmployeeID, h)
		}
	}
	if admins == 0 || len(hs) != admins+3 {
		t.Fatalf("%d holders, want the %d seeded admins and 3 more: %+v", len(hs), admins, hs)
	}
	// the users come from the two isAdmin/isDelegatedAdmin queries, not
	// one users.get each: only the service account's id is looked up alone
	gets := 0
	for _, r := range e.Requests() {
		if r.Family == "users" && r.Method == "GET" && strings.Count(strings.Trim(r.Path, "/"), "/") == 4 {
			gets++
		}
	}
	if gets != 1 {
		t.Fatalf("%d users.get calls, want 1 (the service account's id)", gets)
	}
	if n := countFamily(e, "roleassignments", "GET"); n < (admins+3+1)/2 {
		t.Fatalf("%d role assignment pages for %d assignments at 2 a page", n, admins+3)
	}

	// the group's role is revoked by its id, and the super admin's isAdmin
	// follows its assignment, as Google's does
	if o, err := c.RevokeAdminRole(ctx, grp.PrincipalID, grp.Role); err != nil || o != domain.Removed {
		t.Fatalf("revoke the group's role: %s %v", o, err)
	}
	if got := e.RoleAssignments(demoorg.GoogleAdminGroup); len(got) != 0 {
		t.Fatalf("group still holds %+v", got)
	}
	if u, _ := e.User(demoorg.GoogleSuperAdmin); !u.IsAdmin {
		t.Fatal("a super admin reads isAdmin")
	}
	if o, err := c.RevokeAdminRole(ctx, super.PrincipalID, super.Role); err != nil || o != domain.Removed {
		t.Fatalf("revoke super admin: %s %v", o, err)
	}
	if u, _ := e.User(demoorg.GoogleSuperAdmin); u.IsAdmin {
		t.Fatal("isAdmin still set after the super admin role went")
	}
}

func TestListUsersDeleteAndLastSignIn(t *testing.T) {
	c, e, _ := sweepSetup(t)
	ctx := context.Background()
	seen := map[string]domain.Account{}
	if err := c.ListUsers(ctx, 500, func(a domain.Account) error { seen[strings.ToLower(a.Login)] = a; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(seen) != e.UserCount() {
		t.Fatalf("listed %d of %d users", len(seen), e.UserCount())
	}
	if pages := countFamily(e, "users", "GET"); pages < e.UserCount()/2 {
		t.Fatalf("%d pages for %d users at 2 a page", pages, e.UserCount())
	}
	sa := seen[demoorg.GoogleSuperAdmin]
	if sa.ID == "" || sa.EmployeeID != "" || !sa.Enabled {
		t.Fatalf("super admin account %+v", sa)
	}
	at := must(c.LastSignIn(ctx, sa.ID))
	if d := time.Since(at); d < 2*24*time.Hour || d > 4*24*time.Hour {
		t.Fatalf("last sign-in %v, want about 3 days ago", at)
	}
	var other domain.Account
	for _, a := range seen {
		if a.EmployeeID != "" {
			other = a
			break
		}
	}
	if seeded := must(c.LastSignIn(ctx, must(c.FindUser(ctx, other.EmployeeID, "")).ID)); seeded.IsZero() {
		t.Fatal("a seeded employee's login is recorded")
	}
	if o, err := c.DeleteUser(ctx, sa.ID); err != nil || o != domain.Removed {
		t.Fatalf("delete: %s %v", o, err)
	}
	if _, ok := e.User(sa.ID); ok {
		t.Fatal("still there")
	}
	if o, err := c.DeleteUser(ctx, sa.ID); err != nil || o != domain.WasAbsent {
		t.Fatalf("delete again: %s %v", o, err)
	}
}

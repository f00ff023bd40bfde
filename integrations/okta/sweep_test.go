package okta_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/integrations/directory"
	oktadir "github.com/jml-dev/jml/integrations/okta"
)

// The sweep reads Okta's users with roles, and the groups and API service
// apps holding roles, each paged (two a page here).
func TestAdminHoldersGroupsAndServiceApps(t *testing.T) {
	en := setup(t, oktaemu.Config{PageSize: 2}, oktadir.Options{})
	en.emu.SeedSweep(demoorg.SweepAccounts())
	en.emu.AssignGroupRoles("Okta Auditors", "REPORT_ADMIN", "READ_ONLY_ADMIN")
	en.emu.AddServiceApp("0oaunused0000000001", "No Roles App") // service apps holding nothing
	en.emu.AddServiceApp("0oaunused0000000002", "No Roles Either")
	ctx := context.Background()
	hs, err := en.c.AdminHolders(ctx)
	if err != nil {
		en.errs = append(en.errs, err)
		t.Fatal(err)
	}
	by := map[string][]directory.AdminHolder{}
	for _, h := range hs {
		by[h.Kind+"/"+h.Login] = append(by[h.Kind+"/"+h.Login], h)
	}
	g := by[directory.PrincipalGroup+"/"+demoorg.OktaAdminGroup]
	if len(g) != 1 || g[0].Role != "HELP_DESK_ADMIN" || g[0].EmployeeID != "" || g[0].PrincipalID == "" || !g[0].Permanent {
		t.Fatalf("group holder %+v (all %+v)", g, hs)
	}
	if a := by[directory.PrincipalGroup+"/Okta Auditors"]; len(a) != 2 {
		t.Fatalf("a group's two roles: %+v", a)
	}
	sp := by[directory.PrincipalService+"/"+demoorg.OktaServiceClient]
	if len(sp) != 1 || sp[0].Role != "READ_ONLY_ADMIN" || sp[0].PrincipalID != demoorg.OktaServiceClient || !sp[0].Enabled {
		t.Fatalf("service app holder %+v", sp)
	}
	if n := len(by[directory.PrincipalService+"/0oaunused0000000001"]); n != 0 {
		t.Fatalf("a service app without roles held %d", n)
	}
	var users int
	for _, emp := range org.Employees {
		if len(emp.AdminRoles) > 0 {
			users++
			if u := by[directory.PrincipalUser+"/"+strings.ToLower(emp.Email)]; len(u) != 1 || u[0].EmployeeID != emp.EmployeeID {
				t.Fatalf("user holder %s: %+v", emp.EmployeeID, u)
			}
		}
	}
	if len(hs) != users+4 {
		t.Fatalf("%d holders, want %d users, 3 group roles and 1 app role", len(hs), users)
	}
	// groups and apps paged: the group list and app list each took more
	// than one page of two
	var groupPages, appPages int
	for _, r := range en.emu.Requests() {
		switch r.Path {
		case "/api/v1/groups":
			groupPages++
		case "/api/v1/apps":
			appPages++
		}
	}
	if groupPages < 2 || appPages < 2 {
		t.Fatalf("group pages %d, app pages %d: want paging", groupPages, appPages)
	}
}

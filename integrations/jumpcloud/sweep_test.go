package jumpcloud

import (
	"context"
	"strings"
	"testing"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/jumpcloudemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

func TestAdminHoldersSudoUsersAndSudoGroups(t *testing.T) {
	e := start(t)
	e.SeedSweep(demoorg.SweepAccounts())
	// a second sudo group, one member of which also holds user-level sudo
	e.SetGroupSudo("db-sudo", true)
	var admin demoorg.Employee
	for _, emp := range demo.Employees {
		if len(emp.AdminRoles) > 0 {
			admin = emp
			break
		}
	}
	au, ok := e.UserByEmployeeID(admin.EmployeeID)
	if !ok {
		t.Fatal("no admin")
	}
	e.AddToGroup(au.ID, "db-sudo")
	c, _ := client(t, e, func(o *Options) { o.PageSize = 5 })
	ctx := context.Background()

	hs := must(c.AdminHolders(ctx))
	by := map[string]directory.AdminHolder{}
	for _, h := range hs {
		by[h.Login+"/"+h.Role] = h
	}
	bot, ok := by[demoorg.JumpCloudSudo+"/"+RolePasswordlessSudo]
	if !ok || bot.EmployeeID != "" || bot.Kind != directory.PrincipalUser || !bot.Enabled || !bot.Permanent {
		t.Fatalf("passwordless sudo outside HR: %+v (all %+v)", bot, hs)
	}
	email := strings.ToLower(admin.Email)
	for _, role := range []string{RoleSudo, GroupRolePrefix + jumpcloudemu.SudoGroup, GroupRolePrefix + "db-sudo"} {
		h, ok := by[email+"/"+role]
		if !ok || h.EmployeeID != admin.EmployeeID || h.PrincipalID != au.ID {
			t.Fatalf("%s of %s: %+v", role, admin.EmployeeID, h)
		}
	}
	var admins int
	for _, emp := range demo.Employees {
		if len(emp.AdminRoles) > 0 {
			admins++
		}
	}
	// each seeded admin: user-level sudo and it-sudo; one also db-sudo; the bot
	if len(hs) != 2*admins+2 {
		t.Fatalf("%d holders, want %d: %+v", len(hs), 2*admins+2, hs)
	}
	// the standing sudo is taken back the way the sweep's child does it
	if o := must(c.RevokeAdminRole(ctx, bot.PrincipalID, bot.Role)); o != domain.Removed {
		t.Fatalf("revoke: %s", o)
	}
	if u, _ := e.UserByID(bot.PrincipalID); u.Sudo || u.PasswordlessSudo {
		t.Fatalf("sudo still on: %+v", u)
	}
	if rs := must(c.ListAdminRoles(ctx, bot.PrincipalID)); len(rs) != 0 {
		t.Fatalf("read back %+v", rs)
	}
}

func TestListUsersPagedAndDelete(t *testing.T) {
	e := start(t)
	e.SeedSweep(demoorg.SweepAccounts())
	c, _ := client(t, e, func(o *Options) { o.PageSize = 7 })
	ctx := context.Background()
	var all []domain.Account
	if err := c.ListUsers(ctx, 200, func(a domain.Account) error { all = append(all, a); return nil }); err != nil {
		t.Fatal(err)
	}
	if want := len(demo.Employees) + 2; len(all) != want {
		t.Fatalf("listed %d users, want %d", len(all), want)
	}
	var orphan domain.Account
	ids := map[string]bool{}
	for _, a := range all {
		if ids[a.ID] {
			t.Fatalf("%s listed twice: pages shifted", a.ID)
		}
		ids[a.ID] = true
		if a.Login == demoorg.JumpCloudOrphan {
			orphan = a
		}
	}
	if orphan.ID == "" || orphan.EmployeeID != "" || !orphan.Enabled {
		t.Fatalf("orphan %+v", orphan)
	}
	pages := 0
	for _, r := range e.Requests() {
		if r.Family == "systemusers" && r.Method == "GET" {
			pages++
		}
	}
	if want := (len(all) + 6) / 7; pages != want {
		t.Fatalf("%d pages for %d users at 7 a page, want %d", pages, len(all), want)
	}
	if o := must(c.DeleteUser(ctx, orphan.ID)); o != domain.Removed {
		t.Fatalf("delete: %s", o)
	}
	if _, ok := e.UserByID(orphan.ID); ok {
		t.Fatal("still there")
	}
	if o := must(c.DeleteUser(ctx, orphan.ID)); o != domain.WasAbsent {
		t.Fatalf("delete again: %s", o)
	}
}

package google

import (
	"context"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/googleemu"
)

// HoldsAdminRole knows a role by every name the grant takes: the catalog's
// system-role description and Google's roleName, matched by role id.
func TestHoldsAdminRoleByEitherName(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(5, 0)
	c, e := setup(t, googleemu.Config{}, org, nil)
	u, ok := e.User(org.Employees[1].Email)
	if !ok {
		t.Fatal("no Google user")
	}
	holds := func(role string) bool {
		t.Helper()
		return must(c.HoldsAdminRole(ctx, u.ID, role))
	}
	if holds("User Management Administrator") {
		t.Fatal("held before the grant")
	}
	if _, _, err := c.GrantAdminRole(ctx, u.ID, "User Management Administrator", time.Time{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"User Management Administrator", "_USER_MANAGEMENT_ADMIN_ROLE", "user management administrator"} {
		if !holds(name) {
			t.Errorf("%q not seen held", name)
		}
	}
	if holds("_HELP_DESK_ADMIN_ROLE") || holds("Galactic Overlord") {
		t.Error("another role, or none, seen held")
	}
	must(c.RevokeAdminRole(ctx, u.ID, "_USER_MANAGEMENT_ADMIN_ROLE"))
	if holds("User Management Administrator") {
		t.Error("held after the revoke")
	}
}

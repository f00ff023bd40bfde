package google

import (
	"context"
	"os"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/googleemu"
	"github.com/jml-dev/jml/domain"
)

// demoGoogleRoles reads the Google admin roles that jml dev's configuration
// names: the elevation roles and the catalog's admin_roles.
func demoGoogleRoles(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("../../config/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Elevation struct {
			Roles []struct{ Name, Directory, Role string }
		}
		Catalog struct {
			AdminRoles map[string][]string `yaml:"admin_roles"`
		}
	}
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range cfg.Elevation.Roles {
		if r.Directory == system {
			out = append(out, r.Role)
		}
	}
	out = append(out, cfg.Catalog.AdminRoles[system]...)
	if len(out) == 0 {
		t.Fatal("demo.yaml names no Google admin role")
	}
	return out
}

// Every Google role the demo configuration grants exists in the emulated
// tenant under that name: jml dev's google-user-admin elevation works.
func TestDemoConfigGoogleRolesGrant(t *testing.T) {
	ctx := context.Background()
	org := demoorg.New(10, 0)
	c, e := setup(t, googleemu.Config{}, org, nil)
	id := org.Employees[3].Email
	for _, role := range demoGoogleRoles(t) {
		_, out, err := c.GrantAdminRole(ctx, id, role, time.Time{})
		if err == nil && out != domain.Added && out != domain.AlreadyPresent {
			t.Fatalf("grant %q: outcome %q", role, out)
		}
		if err != nil {
			t.Fatalf("grant %q: %v", role, err)
		}
		out, err = c.RevokeAdminRole(ctx, id, role)
		wantOutcome(t, out, err, domain.Removed)
	}
	if got := e.RoleAssignments(id); len(got) != 0 {
		t.Fatalf("left assigned: %+v", got)
	}
}

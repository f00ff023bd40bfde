package okta_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/integrations/directory"
	oktadir "github.com/jml-dev/jml/integrations/okta"
)

// TestListUserApps reads a user's app assignments through the SDK's
// ListAppLinks: none at first, then the apps an admin assigned, sorted; an
// unknown user is NotFound.
func TestListUserApps(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	ctx := context.Background()
	u, err := en.c.FindUser(ctx, "E0003", "")
	if err != nil {
		t.Fatal(err)
	}
	apps, err := en.c.ListUserApps(ctx, u.ID)
	if err != nil || len(apps) != 0 {
		t.Fatalf("apps before any assignment: %v %v", apps, err)
	}
	for _, l := range []string{"Salesforce", "AWS Console", "Salesforce"} {
		if !en.emu.AssignApp(u.ID, l) {
			t.Fatalf("assign %s", l)
		}
	}
	apps, err = en.c.ListUserApps(ctx, u.ID)
	if err != nil || !slices.Equal(apps, []string{"AWS Console", "Salesforce"}) {
		t.Fatalf("apps = %v %v, want AWS Console and Salesforce once each", apps, err)
	}
	_, err = en.c.ListUserApps(ctx, "00unosuchuser0000000")
	en.wantKind(t, err, directory.KindNotFound)
}

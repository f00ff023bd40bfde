package okta_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/jml-dev/jml/devstack/oktaemu"
	"github.com/jml-dev/jml/domain"
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

// TestRemoveUserApp unassigns a directly assigned app through the SDK's
// DeleteApplicationUser: Removed, gone from the app links, and again
// WasAbsent. An app the user holds through a group is refused by Okta (403
// E0000046): the answer names the group and the app stays assigned.
func TestRemoveUserApp(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	ctx := context.Background()
	u, err := en.c.FindUser(ctx, "E0003", "")
	if err != nil {
		t.Fatal(err)
	}
	en.emu.AssignApp(u.ID, "AWS Console")
	en.emu.AssignApp(u.ID, "Salesforce")
	o, err := en.c.RemoveUserApp(ctx, u.ID, "aws console")
	en.must(t, o, err, domain.Removed)
	if got := en.emu.UserApps(u.ID); !slices.Equal(got, []string{"Salesforce"}) {
		t.Fatalf("apps after the removal = %v, want only Salesforce", got)
	}
	o, err = en.c.RemoveUserApp(ctx, u.ID, "AWS Console")
	en.must(t, o, err, domain.WasAbsent)

	if _, err := en.c.AddToGroup(ctx, u.ID, "dept-sales"); err != nil {
		t.Fatal(err)
	}
	if !en.emu.AssignAppToGroup("dept-sales", "Gong") {
		t.Fatal("assign Gong to dept-sales")
	}
	apps, err := en.c.ListUserApps(ctx, u.ID)
	if err != nil || !slices.Equal(apps, []string{"Gong", "Salesforce"}) {
		t.Fatalf("apps = %v %v, want the group's Gong beside Salesforce", apps, err)
	}
	_, err = en.c.RemoveUserApp(ctx, u.ID, "Gong")
	var ga *directory.AppGroupAssigned
	if !errors.As(err, &ga) {
		t.Fatalf("removing a group-derived app: %T %v, want *directory.AppGroupAssigned", err, err)
	}
	if !slices.Equal(ga.Groups, []string{"dept-sales"}) || ga.App != "Gong" || !strings.Contains(err.Error(), "group dept-sales") {
		t.Fatalf("refusal %+v (%v), want it to name dept-sales", ga, err)
	}
	if got := en.emu.UserApps(u.ID); !slices.Contains(got, "Gong") {
		t.Fatalf("apps after the refusal = %v: Gong must still be assigned", got)
	}
	// Once the membership goes, so does the app: nothing left to remove.
	o, err = en.c.RemoveFromGroup(ctx, u.ID, "dept-sales")
	en.must(t, o, err, domain.Removed)
	o, err = en.c.RemoveUserApp(ctx, u.ID, "Gong")
	en.must(t, o, err, domain.WasAbsent)

	_, err = en.c.RemoveUserApp(ctx, "00unosuchuser0000000", "Salesforce")
	en.wantKind(t, err, directory.KindNotFound)
}

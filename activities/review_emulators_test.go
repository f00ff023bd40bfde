package activities_test

// The access review's per-item activities against the emulators, through
// the real SDK clients the worker builds: finding the reviewee's account,
// reading a removal back, unassigning an Okta app, and the reviewer's DM.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/workers"
)

// appErr is the activity's Temporal error, or a failure.
func appErr(t *testing.T, err error, wantType domain.ErrorType) *temporal.ApplicationError {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		t.Fatalf("want an application error %s, got %T %v", wantType, err, err)
	}
	if ae.Type() != string(wantType) {
		t.Fatalf("error type %s, want %s: %v", ae.Type(), wantType, err)
	}
	return ae
}

// ResolveReviewAccount finds the reviewee's account in each directory and
// in a SCIM app, marks a declared break-glass account, and answers "no
// account" (not an error) for someone the directory does not hold.
func TestResolveReviewAccountAgainstEmulators(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0008")
	for _, d := range dirs {
		var out contract.ReviewAccountOutput
		r.must(contract.ResolveReviewAccount.Name, contract.ReviewAccountInput{Directory: d, Kind: contract.EntitlementGroup, EmployeeID: e.EmployeeID}, &out)
		if want := accountID(t, r.acts.Directories[d], e.EmployeeID); !out.Found || out.AccountID != want || out.BreakGlass {
			t.Fatalf("%s: %+v, want found %s, not break-glass", d, out, want)
		}
	}
	acct, err := r.acts.Directories["okta"].FindUser(context.Background(), e.EmployeeID, "")
	if err != nil {
		t.Fatal(err)
	}
	var bg contract.ReviewAccountOutput
	r.must(contract.ResolveReviewAccount.Name, contract.ReviewAccountInput{Directory: "okta", Kind: contract.EntitlementSSOApp, EmployeeID: e.EmployeeID,
		BreakGlass: []contract.BreakGlassRef{{Directory: "entra", Account: acct.Login}, {Directory: "okta", Account: strings.ToUpper(acct.Login)}}}, &bg)
	if !bg.Found || !bg.BreakGlass {
		t.Fatalf("okta break-glass %s: %+v, want found and break-glass", acct.Login, bg)
	}

	r.must(contract.ProvisionApp.Name, contract.AppInput{App: "salesforce", Person: domain.PersonFrom(e.Record)}, nil)
	var app contract.ReviewAccountOutput
	r.must(contract.ResolveReviewAccount.Name, contract.ReviewAccountInput{Directory: "salesforce", Kind: contract.EntitlementApp, EmployeeID: e.EmployeeID}, &app)
	if !app.Found || app.AccountID == "" {
		t.Fatalf("salesforce: %+v, want the SCIM account", app)
	}

	j := r.org.Joiners[0] // in HR, not yet in any directory
	for _, d := range dirs {
		var none contract.ReviewAccountOutput
		r.must(contract.ResolveReviewAccount.Name, contract.ReviewAccountInput{Directory: d, Kind: contract.EntitlementGroup, EmployeeID: j.EmployeeID}, &none)
		if none.Found || none.AccountID != "" {
			t.Fatalf("%s: joiner %s has no account yet, got %+v", d, j.EmployeeID, none)
		}
	}
	err = r.run(contract.ResolveReviewAccount.Name, contract.ReviewAccountInput{Directory: "ldap", Kind: contract.EntitlementGroup, EmployeeID: e.EmployeeID}, nil)
	appErr(t, err, domain.ErrBadInput)
}

// VerifyAccessRemoved refuses (retryable: the directory may lag) while the
// group, licence, Okta app or SCIM account is still held, and passes once
// it is gone.
func TestVerifyAccessRemovedAgainstEmulators(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.employee("E0008")
	okta, entra := r.acts.Directories["okta"], r.acts.Directories["entra"]
	oid, eid := accountID(t, okta, e.EmployeeID), accountID(t, entra, e.EmployeeID)
	groups, err := okta.(directory.GroupManager).ListGroups(ctx, oid)
	if err != nil || len(groups) == 0 {
		t.Fatalf("fixture: E0008's Okta groups %v %v", groups, err)
	}
	lic, err := entra.(directory.LicenseManager).ListLicenses(ctx, eid)
	if err != nil || len(lic) == 0 {
		t.Fatalf("fixture: E0008's Entra licences %v %v", lic, err)
	}
	r.set.Okta.AssignApp(oid, "AWS Console")
	r.must(contract.ProvisionApp.Name, contract.AppInput{App: "salesforce", Person: domain.PersonFrom(e.Record)}, nil)

	removed := func(o domain.Outcome, err error) {
		t.Helper()
		if err != nil || o != domain.Removed {
			t.Fatalf("removal: %s %v, want removed", o, err)
		}
	}
	cases := []struct {
		name   string
		in     contract.VerifyRemovedInput
		remove func()
	}{
		{"okta group", contract.VerifyRemovedInput{Directory: "okta", Kind: contract.EntitlementGroup, AccountID: oid, EmployeeID: e.EmployeeID, Entitlement: strings.ToUpper(groups[0])},
			func() { removed(okta.(directory.GroupManager).RemoveFromGroup(ctx, oid, groups[0])) }},
		{"entra licence", contract.VerifyRemovedInput{Directory: "entra", Kind: contract.EntitlementLicense, AccountID: eid, EmployeeID: e.EmployeeID, Entitlement: lic[0]},
			func() { removed(entra.(directory.LicenseManager).RemoveLicense(ctx, eid, lic[0])) }},
		{"okta app", contract.VerifyRemovedInput{Directory: "okta", Kind: contract.EntitlementSSOApp, AccountID: oid, EmployeeID: e.EmployeeID, Entitlement: "AWS Console"},
			func() { removed(okta.(directory.UserAppRemover).RemoveUserApp(ctx, oid, "AWS Console")) }},
		{"scim app", contract.VerifyRemovedInput{Directory: "salesforce", Kind: contract.EntitlementApp, EmployeeID: e.EmployeeID, Entitlement: "salesforce"},
			func() {
				r.must(contract.DeprovisionApp.Name, contract.AppInput{App: "salesforce", Person: domain.PersonFrom(e.Record)}, nil)
			}},
	}
	for _, c := range cases {
		err := r.run(contract.VerifyAccessRemoved.Name, c.in, nil)
		if ae := appErr(t, err, domain.ErrVerifyFailed); ae.NonRetryable() || !strings.Contains(err.Error(), "still") {
			t.Fatalf("%s still held: %v (non-retryable %t), want a retryable read-back failure", c.name, err, ae.NonRetryable())
		}
		c.remove()
		if err := r.run(contract.VerifyAccessRemoved.Name, c.in, nil); err != nil {
			t.Fatalf("%s removed: read back %v", c.name, err)
		}
	}
	err = r.run(contract.VerifyAccessRemoved.Name, contract.VerifyRemovedInput{Directory: "okta", Kind: contract.EntitlementAdminRole, AccountID: oid, EmployeeID: e.EmployeeID, Entitlement: "SUPER_ADMIN"}, nil)
	appErr(t, err, domain.ErrBadInput)
	err = r.run(contract.VerifyAccessRemoved.Name, contract.VerifyRemovedInput{Directory: "okta", Kind: contract.EntitlementGroup, AccountID: "00unosuchuser0000000", EmployeeID: e.EmployeeID, Entitlement: groups[0]}, nil)
	appErr(t, err, domain.ErrDirectoryNotFound)
}

// RemoveSSOApp unassigns a direct Okta app (then was_absent), and answers
// group_assigned, naming the group, for an app a group grants, which stays.
func TestRemoveSSOAppAgainstEmulators(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	e := r.employee("E0008")
	okta := r.acts.Directories["okta"]
	oid := accountID(t, okta, e.EmployeeID)
	groups, err := okta.(directory.GroupManager).ListGroups(ctx, oid)
	if err != nil || len(groups) == 0 {
		t.Fatalf("fixture: E0008's Okta groups %v %v", groups, err)
	}
	r.set.Okta.AssignApp(oid, "AWS Console")
	if !r.set.Okta.AssignAppToGroup(groups[0], "Gong") {
		t.Fatalf("assign Gong to %s", groups[0])
	}
	in := contract.SSOAppInput{Directory: "okta", AccountID: oid, EmployeeID: e.EmployeeID, App: "AWS Console"}
	var out contract.SSOAppOutput
	r.must(contract.RemoveSSOApp.Name, in, &out)
	if out.Outcome != string(domain.Removed) || slices.Contains(r.set.Okta.UserApps(oid), "AWS Console") {
		t.Fatalf("first removal %+v, apps now %v: want removed and gone", out, r.set.Okta.UserApps(oid))
	}
	r.must(contract.RemoveSSOApp.Name, in, &out)
	if out.Outcome != string(domain.WasAbsent) {
		t.Fatalf("repeat %+v, want was_absent", out)
	}
	in.App = "Gong"
	r.must(contract.RemoveSSOApp.Name, in, &out)
	if out.Outcome != contract.SSOAppGroupAssigned || !slices.Equal(out.Groups, []string{groups[0]}) || !strings.Contains(out.Detail, groups[0]) {
		t.Fatalf("group-derived %+v, want group_assigned naming %s", out, groups[0])
	}
	if !slices.Contains(r.set.Okta.UserApps(oid), "Gong") {
		t.Fatal("Gong must stay assigned: Okta refused")
	}
	err = r.run(contract.RemoveSSOApp.Name, contract.SSOAppInput{Directory: "entra", AccountID: accountID(t, r.acts.Directories["entra"], e.EmployeeID), EmployeeID: e.EmployeeID, App: "Gong"}, nil)
	appErr(t, err, domain.ErrDirectoryUnsupported)
}

// PostReviewMessage DMs the reviewer at their HR email with Keep, Remove
// and Keep all, rewrites the same DM with the decisions, and answers "not
// delivered" (not an error) for a reviewer Slack does not know; a Slack
// failure is an error the activity's retries see.
func TestPostReviewMessageAgainstSlackEmulator(t *testing.T) {
	r := newRig(t)
	n, ok := r.acts.Notifier.(workers.Notifier)
	if !ok {
		t.Fatalf("notifier %T", r.acts.Notifier)
	}
	r.acts.Reviews = n
	reviewee := r.employee("E0008")
	mgr := r.employee(reviewee.ManagerEmployeeID)
	items := []contract.ReviewItem{
		{Key: 0, Access: contract.AccessItem{ID: "okta/group/dept-engineering", Directory: "okta", Kind: contract.EntitlementGroup, Entitlement: "dept-engineering", Catalog: true}},
		{Key: 1, Access: contract.AccessItem{ID: "okta/sso_app/AWS Console", Directory: "okta", Kind: contract.EntitlementSSOApp, Entitlement: "AWS Console"}},
	}
	in := contract.ReviewMessageInput{Campaign: "q4", ReviewerEmployeeID: mgr.EmployeeID, RevieweeEmployeeID: reviewee.EmployeeID, Items: items}
	var out contract.ReviewMessageOutput
	r.must(contract.PostReviewMessage.Name, in, &out)
	u, _ := r.set.Slack.UserByEmail(mgr.Email)
	if !out.Delivered || out.Message.TS == "" || out.ReviewerSlackUserID != u.ID {
		t.Fatalf("post %+v, want delivered to %s", out, u.ID)
	}
	m, ok := r.set.Slack.Message(out.Message.TS)
	if !ok || m.Recipient != mgr.Email {
		t.Fatalf("message %+v, want a DM to the manager's HR email", m)
	}
	values := map[string]bool{}
	for _, b := range m.Buttons {
		values[b.Value] = true
	}
	for _, v := range []string{"q4|E0008|0|keep", "q4|E0008|0|remove", "q4|E0008|1|remove", "q4|E0008|all|keep"} {
		if !values[v] {
			t.Fatalf("button %q missing from %+v", v, m.Buttons)
		}
	}

	items[0].Decision, items[0].DecidedBy, items[0].Result = contract.ReviewRemove, mgr.EmployeeID, contract.ReviewApplied
	items[1].Decision, items[1].DecidedBy = contract.ReviewKeep, mgr.EmployeeID
	in.Items, in.Message = items, out.Message
	var again contract.ReviewMessageOutput
	r.must(contract.PostReviewMessage.Name, in, &again)
	m2, _ := r.set.Slack.Message(out.Message.TS)
	if again.Message != out.Message || !m2.Edited || len(m2.Buttons) != 0 || len(r.set.Slack.MessagesTo(mgr.Email)) != 1 {
		t.Fatalf("rewrite %+v, message %+v: want the same DM edited, no buttons left", again, m2)
	}

	// A Slack failure (5xx) is an error the activity's retries see.
	r.set.Slack.AddFault(emulator.Fault{Family: "chat.postMessage", Status: 500, Times: 20})
	in.Message, in.Items = contract.ReviewMessageRef{}, items[:1]
	in.Items[0].Result, in.Items[0].Decision = "", ""
	err := r.run(contract.PostReviewMessage.Name, in, nil)
	if ae := appErr(t, err, domain.ErrDirectoryTransient); ae.NonRetryable() {
		t.Fatalf("slack 5xx: %v, want retryable", err)
	}
	r.set.Slack.ClearFaults()
	// Rewriting a DM Slack does not have (message_not_found): not retried.
	in.Message = contract.ReviewMessageRef{Channel: out.Message.Channel, TS: "1.000001"}
	err = r.run(contract.PostReviewMessage.Name, in, nil)
	if ae := appErr(t, err, domain.ErrDirectoryNotFound); !ae.NonRetryable() {
		t.Fatalf("chat.update of an unknown message: %v, want non-retryable", err)
	}

	// A reviewer Slack does not know: not delivered, recorded, no error.
	r.set.Slack.Deactivate(mgr.Email)
	in.Message = contract.ReviewMessageRef{}
	var gone contract.ReviewMessageOutput
	r.must(contract.PostReviewMessage.Name, in, &gone)
	if gone.Delivered || !strings.Contains(gone.Detail, "not found in Slack") {
		t.Fatalf("deactivated reviewer: %+v, want not delivered", gone)
	}
	// A reviewer jml holds no HR record for.
	in.ReviewerEmployeeID = "E9999"
	r.must(contract.PostReviewMessage.Name, in, &gone)
	if gone.Delivered || !strings.Contains(gone.Detail, "HR email unknown") {
		t.Fatalf("unknown reviewer: %+v, want not delivered", gone)
	}
}

package domain

import (
	"strings"
	"testing"
)

func TestWeakMethodsAreSMSVoiceEmail(t *testing.T) {
	for _, m := range []string{"sms", "voice", "call", "email", "SMS"} {
		if !IsWeakMFAMethod(m) {
			t.Errorf("%s should be weak", m)
		}
	}
	for _, m := range []string{"fido2", "microsoftAuthenticator", "softwareOath", "push", "token:software:totp", "webauthn"} {
		if IsWeakMFAMethod(m) {
			t.Errorf("%s should be strong", m)
		}
	}
}

func caMFA() AuthPolicy {
	return AuthPolicy{ID: "p1", Name: "Require MFA for all users", Kind: PolicyConditionalAccess, Enabled: true, AllUsers: true, ClientApps: []string{"all"}, RequireMFA: true}
}

func TestMFAEnforcedByCoverage(t *testing.T) {
	u := PolicySubject{UserID: "u1", Groups: []string{"g1"}, Roles: []string{"r1"}}
	p := caMFA()
	if got := MFAEnforcedBy([]AuthPolicy{p}, u); len(got) != 1 {
		t.Fatalf("all-users MFA policy: %v", got)
	}
	ex := p
	ex.ExcludeGroups = []string{"g1"}
	if got := MFAEnforcedBy([]AuthPolicy{ex}, u); len(got) != 0 {
		t.Fatalf("excluded by group yet enforced: %v", got)
	}
	ro := p
	ro.ReportOnly = true
	if got := MFAEnforcedBy([]AuthPolicy{ro}, u); len(got) != 0 {
		t.Fatalf("report-only enforces nothing: %v", got)
	}
	legacy := p
	legacy.ClientApps = []string{"exchangeActiveSync", "other"}
	if got := MFAEnforcedBy([]AuthPolicy{legacy}, u); len(got) != 0 {
		t.Fatalf("a legacy-clients-only policy does not enforce MFA on every sign-in: %v", got)
	}
	// Okta: the first matching rule of a policy decides.
	noMFA := AuthPolicy{ID: "pol/r1", Name: "Contractors", Kind: PolicyOktaSignOn, Parent: "pol", Enabled: true, Priority: 1001, IncludeGroups: []string{"g1"}}
	mfa := AuthPolicy{ID: "pol/r2", Name: "Everyone MFA", Kind: PolicyOktaSignOn, Parent: "pol", Enabled: true, Priority: 1002, AllUsers: true, RequireMFA: true}
	if got := MFAEnforcedBy([]AuthPolicy{mfa, noMFA}, u); len(got) != 0 {
		t.Fatalf("an earlier rule without MFA matched first: %v", got)
	}
	if got := MFAEnforcedBy([]AuthPolicy{mfa, noMFA}, PolicySubject{UserID: "u2"}); len(got) != 1 {
		t.Fatalf("someone outside g1 reaches the MFA rule: %v", got)
	}
}

func TestBaselineEntra(t *testing.T) {
	b := Baseline{MFAAllUsers: true, LegacyAuthBlocked: true, AdminsCompliantDevice: true}
	p := caMFA()
	p.ExcludeUsers = []string{"bg-1"}
	r := b.EvaluateEntra("entra", []AuthPolicy{p})
	if len(r) != 3 || r[0].ControlID != "MS.AAD.3.2" || r[0].Result != ResultFail || !strings.Contains(r[0].Reason, "bg-1") {
		t.Fatalf("an undeclared exclusion fails 3.2: %+v", r)
	}
	if r[1].ControlID != "MS.AAD.1.1" || r[1].Result != ResultFail || r[2].ControlID != "MS.AAD.3.7" || r[2].Result != ResultFail {
		t.Fatalf("no legacy or device policy: %+v", r[1:])
	}
	b.Exceptions = []BaselineException{{User: "bg-1", Reason: "break-glass account"}}
	r = b.EvaluateEntra("entra", []AuthPolicy{p})
	if r[0].Result != ResultPass || len(r[0].Exceptions) != 1 || !strings.Contains(r[0].Exceptions[0], "break-glass account") {
		t.Fatalf("a declared exclusion passes with its reason: %+v", r[0])
	}
	off := caMFA()
	off.Enabled = false
	r = b.EvaluateEntra("entra", []AuthPolicy{off})
	if r[0].Result != ResultFail || !strings.Contains(r[0].Reason, "disabled") {
		t.Fatalf("a disabled policy fails and says so: %+v", r[0])
	}
	b.Exceptions = []BaselineException{{Policy: "Require MFA for all users", Reason: "rollout until March"}}
	if r = b.EvaluateEntra("entra", []AuthPolicy{off}); r[0].Result != ResultException {
		t.Fatalf("a policy exception: %+v", r[0])
	}
}

func TestDiffSnapshotsIsFieldLevel(t *testing.T) {
	old := PolicySnapshot{Raw: map[string]map[string]any{
		"p1": {"displayName": "Require MFA", "state": "enabled", "conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{}}}, "modifiedDateTime": "a"},
		"p2": {"displayName": "Gone"},
	}}
	new := PolicySnapshot{Raw: map[string]map[string]any{
		"p1": {"displayName": "Require MFA", "state": "disabled", "conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{"u9"}}}, "modifiedDateTime": "b"},
		"p3": {"displayName": "New one"},
	}}
	cs := DiffSnapshots(old, new)
	got := DiffText(cs)
	for _, want := range []string{
		`Require MFA (p1): conditions.users.excludeUsers: [] → ["u9"]`,
		`Require MFA (p1): state: "enabled" → "disabled"`,
		"Gone (p2): removed", "New one (p3): added",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("diff lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "modifiedDateTime") || len(cs) != 4 {
		t.Errorf("volatile fields are not drift (%d changes):\n%s", len(cs), got)
	}
	if len(DiffSnapshots(new, new)) != 0 {
		t.Error("no change, no diff")
	}
}

func TestPerUserMFARequires(t *testing.T) {
	for s, want := range map[string]bool{PerUserMFAEnforced: true, PerUserMFAEnabled: true, PerUserMFADisabled: false, "": false, "unknownFutureValue": false} {
		if got := PerUserMFARequires(s); got != want {
			t.Errorf("%q: got %v, want %v", s, got, want)
		}
	}
}

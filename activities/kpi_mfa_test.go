package activities_test

import (
	"strings"
	"testing"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// TestKPIReportDistinguishesRegisteredEnforcedUsed: the report's MFA lines
// keep the three numbers apart and name the blind spots and the baseline.
func TestKPIReportDistinguishesRegisteredEnforcedUsed(t *testing.T) {
	f := contract.KPIFacts{Month: "2026-11", MFA: &contract.MFAPosture{Employees: 10, StrongInAll: 7, EnforcedInAll: 9, UsedInAll: 5,
		Directories: []contract.MFADirectory{{Directory: "entra", Enabled: 10, Strong: 7, WeakOnly: 2, None: 1, Enforced: 9, Used: 5, SignedIn: 8, NotEnforced: []string{"E0003"}}},
		Legacy:      []contract.LegacySignIn{{Directory: "entra", Actor: "pat@demo.jml.test", ClientApp: "IMAP4", Time: "2026-11-03T10:00:00Z"}}, LegacyTotal: 1,
		Service:  []contract.ServiceAccountMFA{{Directory: "entra", Account: "svc-backup@demo.jml.test", Owner: "E0001", Found: true, Detail: "only weak methods: sms"}},
		Controls: []domain.ControlResult{{ControlID: "MS.AAD.3.2", Directory: "entra", Requirement: "MFA shall be required for all users", Result: domain.ResultFail, Reason: "no enabled policy meets it"}},
	}}
	r := activities.BuildKPIReport(f)
	by := map[string]activities.KPI{}
	for _, k := range r.KPIs {
		by[k.ID] = k
	}
	checks := map[string][]string{
		activities.KPIMFARegistered: {"7 / 10 (70.00%)", "registered-weak (SMS, voice or email only) 2", "none 1"},
		activities.KPIMFAEnforced:   {"9 / 10 (90.00%)", "9 by Conditional Access", "not enforced for E0003"},
		activities.KPIMFAUsed:       {"5 / 10 (50.00%)", "8 signed in at all"},
		activities.KPIMFABlindSpots: {"1 legacy-protocol sign-ins, 1 service accounts without MFA", "pat@demo.jml.test via IMAP4", "svc-backup@demo.jml.test"},
		activities.KPIMFABaseline:   {"0 pass, 1 fail", "MS.AAD.3.2 (entra)"},
	}
	for id, wants := range checks {
		k, ok := by[id]
		if !ok {
			t.Fatalf("no %s line: %+v", id, r.KPIs)
		}
		text := k.Value + "\n" + strings.Join(k.Details, "\n")
		for _, w := range wants {
			if !strings.Contains(text, w) {
				t.Errorf("%s lacks %q:\n%s", id, w, text)
			}
		}
		if len(k.Controls) == 0 {
			t.Errorf("%s has no control mapping", id)
		}
	}
	if _, ok := by[activities.KPIMFARegistered]; ok && len(activities.BuildKPIReport(contract.KPIFacts{Month: "2026-11"}).KPIs) != len(r.KPIs)-5 {
		t.Error("a report without posture facts has no MFA posture lines")
	}
}

// TestKPIEnforcedByMechanism: batches' per-user counts add up, and the
// enforced line splits Conditional Access from per-user MFA only where
// per-user MFA was read; Okta's line names its policies.
func TestKPIEnforcedByMechanism(t *testing.T) {
	a := contract.MFAPosture{Employees: 3, EnforcedInAll: 3, Directories: []contract.MFADirectory{
		{Directory: "entra", Enabled: 3, Enforced: 3, EnforcedPerUser: 1, PerUserRead: 1},
		{Directory: "okta", Enabled: 3, Enforced: 2, NotEnforced: []string{"E0007"}}}}
	b := contract.MFAPosture{Employees: 2, EnforcedInAll: 1, Directories: []contract.MFADirectory{
		{Directory: "entra", Enabled: 2, Enforced: 1, EnforcedPerUser: 1, PerUserEnabled: 1, PerUserRead: 2, NotEnforced: []string{"E0009"}}}}
	m := contract.MergeMFA(a, b)
	if d := m.Directories[0]; d.EnforcedPerUser != 2 || d.PerUserEnabled != 1 || d.PerUserRead != 3 {
		t.Fatalf("merged per-user counts: %+v", d)
	}
	r := activities.BuildKPIReport(contract.KPIFacts{Month: "2026-11", MFA: &m})
	var enf activities.KPI
	for _, k := range r.KPIs {
		if k.ID == activities.KPIMFAEnforced {
			enf = k
		}
	}
	want := []string{
		"entra: 4 / 5 (80.00%) of enabled accounts: 2 by Conditional Access, 2 by per-user MFA (1 of them enabled, not yet enforced: MFA at their next sign-in); per-user MFA read for the 3 accounts no policy covers; not enforced for E0009",
		"okta: 2 / 3 (66.67%) of enabled accounts: 2 by sign-on or authentication policy; not enforced for E0007",
	}
	if strings.Join(enf.Details, "\n") != strings.Join(want, "\n") {
		t.Fatalf("enforced details:\n%s\nwant:\n%s", strings.Join(enf.Details, "\n"), strings.Join(want, "\n"))
	}
}

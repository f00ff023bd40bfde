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
		activities.KPIMFAEnforced:   {"9 / 10 (90.00%)", "not enforced for E0003"},
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

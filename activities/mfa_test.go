package activities_test

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/domain"
)

func dirFacts(t *testing.T, p contract.MFAPosture, name string) contract.MFADirectory {
	t.Helper()
	for _, d := range p.Directories {
		if d.Directory == name {
			return d
		}
	}
	t.Fatalf("no facts for %s: %+v", name, p)
	return contract.MFADirectory{}
}

// TestMFANumbersAgainstSeededEnrolments: a strong method counts as
// registered; SMS-only (seeded for the demo's employees without MFA) and
// voice + email count as registered-weak, not strong, in both the MFA
// posture and the KPI's old coverage count; enforcement follows the
// Conditional Access policy; use comes from the exported sign-ins.
func TestMFANumbersAgainstSeededEnrolments(t *testing.T) {
	r := newRig(t)
	strong, sms, voice := r.org.Employees[1], r.org.Employees[12], r.org.Employees[3] // E0002 MFA, E0013 no MFA
	if !strong.MFA || sms.MFA || !voice.MFA {
		t.Fatal("demo org changed: pick other employees")
	}
	g := r.set.Graph
	vu, _ := g.UserByEmployeeID(voice.EmployeeID)
	if !g.SetAuthMethods(vu.ID, "voice", "email") {
		t.Fatal("set methods")
	}
	ids := []string{strong.EmployeeID, sms.EmployeeID, voice.EmployeeID}
	month := time.Now().UTC().Format(contract.MonthLayout)
	var lf contract.LogFile
	r.must("ExportIdentityLog", contract.ExportLogInput{Directory: "entra", Month: month, From: time.Now().Add(-40 * 24 * time.Hour), To: time.Now().Add(time.Hour)}, &lf)
	p := contract.PostureInput{Directories: []string{"entra", "okta"}, Baseline: domain.Baseline{MFAAllUsers: true}}
	var read contract.PostureRead
	r.must("ReadPosture", contract.ReadPostureInput{Month: month, Posture: p}, &read)
	if _, ok := read.SignedIn["okta"]; ok {
		t.Fatal("no Okta export was written, so its use must be unknown")
	}
	in := contract.AssessMFAInput{Directories: p.Directories, EmployeeIDs: ids, Policies: read.Policies, UsedMFA: read.UsedMFA, SignedIn: read.SignedIn}
	var out contract.MFAPosture
	r.must("AssessMFA", in, &out)
	e := dirFacts(t, out, "entra")
	if e.Enabled != 3 || e.Strong != 1 || e.WeakOnly != 2 || e.None != 0 {
		t.Fatalf("entra: want 1 strong, 2 registered-weak of 3: %+v", e)
	}
	if !slices.Equal(e.WeakOnlyIDs, []string{sms.EmployeeID, voice.EmployeeID}) {
		t.Fatalf("weak-only named: %v", e.WeakOnlyIDs)
	}
	if e.Enforced != 3 {
		t.Fatalf("the all-users MFA policy enforces MFA for everyone: %+v", e)
	}
	// E0004 signed in with Authenticator before the methods changed; the
	// SMS-only E0013 never satisfied MFA.
	if e.LogMissing || e.Used != 2 || e.SignedIn != 3 {
		t.Fatalf("MFA used by 2 of the 3 who signed in: %+v", e)
	}
	o := dirFacts(t, out, "okta")
	if o.Strong != 2 || o.WeakOnly != 1 || !o.LogMissing {
		t.Fatalf("okta: push for the MFA users, an ACTIVE SMS factor only for %s: %+v", sms.EmployeeID, o)
	}
	if out.StrongInAll != 1 || out.Employees != 3 {
		t.Fatalf("strong wherever enabled: %+v", out)
	}
	// The KPI's coverage count no longer takes SMS, voice or email.
	var as contract.AssessOutput
	r.must("AssessEmployees", contract.AssessInput{Directories: []string{"entra"}, EmployeeIDs: ids}, &as)
	if as.Directories[0].MFAEnrolled != 1 || as.MFAInAll != 1 {
		t.Fatalf("coverage counts weak methods: %+v", as)
	}
	// Legacy-protocol sign-ins are named.
	if read.Posture.LegacyTotal == 0 || !slices.ContainsFunc(read.Posture.Legacy, func(l contract.LegacySignIn) bool { return l.ClientApp == "IMAP4" }) {
		t.Fatalf("seeded IMAP4 sign-ins not found: %+v", read.Posture.Legacy)
	}

	// Excluding the strong user from the policy: MFA no longer enforced for them.
	su, _ := g.UserByEmployeeID(strong.EmployeeID)
	g.PatchCAPolicy(graphemu.CAPolicyRequireMFA, map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{su.ID}}}})
	r.must("ReadPosture", contract.ReadPostureInput{Month: month, Posture: p}, &read)
	in.Policies = read.Policies
	r.must("AssessMFA", in, &out)
	if e = dirFacts(t, out, "entra"); e.Enforced != 2 || !slices.Equal(e.NotEnforced, []string{strong.EmployeeID}) {
		t.Fatalf("excluded user still enforced: %+v", e)
	}
}

// TestActionPlanFlagsBaselineFailure: a disabled MFA policy fails
// MS.AAD.3.2; a policy exception is stated with its reason; a hostile
// policy name is escaped against CSV formula injection.
func TestActionPlanFlagsBaselineFailure(t *testing.T) {
	r := newRig(t)
	g := r.set.Graph
	g.PatchCAPolicy(graphemu.CAPolicyRequireMFA, map[string]any{"state": "disabled"})
	g.PatchCAPolicy(graphemu.CAPolicyBlockLegacy, map[string]any{"displayName": "=HYPERLINK(\"http://x\")", "state": "enabledForReportingButNotEnforced"})
	month := time.Now().UTC().Format(contract.MonthLayout)
	p := contract.PostureInput{Directories: []string{"entra"}, Baseline: domain.Baseline{MFAAllUsers: true, LegacyAuthBlocked: true, AdminsCompliantDevice: true,
		Exceptions: []domain.BaselineException{{Policy: "=HYPERLINK(\"http://x\")", Reason: "report-only while EAS devices migrate"}}}}
	var read contract.PostureRead
	r.must("ReadPosture", contract.ReadPostureInput{Month: month, Posture: p}, &read)
	sms := r.org.Employees[12] // SMS only
	var batch contract.MFAPosture
	r.must("AssessMFA", contract.AssessMFAInput{Directories: p.Directories, EmployeeIDs: []string{sms.EmployeeID}, Policies: read.Policies}, &batch)
	var plan contract.ActionPlanResult
	r.must("WriteActionPlan", contract.ActionPlanInput{Month: month, Posture: contract.MergeMFA(read.Posture, batch)}, &plan)
	want, _ := activities.ActionPlanPath(month)
	if plan.File != want {
		t.Fatalf("plan at %s, want %s", plan.File, want)
	}
	f, err := os.Open(filepath.Join(r.acts.EvidenceDir, plan.File))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], activities.ActionPlanHeader) {
		t.Fatalf("header %v", rows[0])
	}
	by := map[string][]string{}
	for _, row := range rows[1:] {
		by[row[0]] = row
	}
	if row := by["MS.AAD.3.2"]; row == nil || row[3] != domain.ResultFail || !strings.Contains(row[4], `"Require MFA for all users" is disabled`) {
		t.Fatalf("3.2 should fail naming the disabled policy: %v", row)
	}
	if row := by["MS.AAD.1.1"]; row == nil || row[3] != domain.ResultException || row[5] != `'=HYPERLINK("http://x"): report-only while EAS devices migrate` {
		t.Fatalf("1.1 is an exception with its reason, escaped: %v", row)
	}
	if row := by["MS.AAD.3.7"]; row == nil || row[3] != domain.ResultPass {
		t.Fatalf("3.7 passes on the admins' device policy: %v", row)
	}
	if row := by["MS.AAD.3.5"]; row == nil || row[3] != domain.ResultFail || !strings.Contains(row[4], sms.EmployeeID) {
		t.Fatalf("the SMS-only employee fails the weak-method row: %v", rows)
	}
}

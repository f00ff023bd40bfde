package activities_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/domain"
)

// TestMFAEnforcedPerUser: three employees excluded from the all-users
// Conditional Access MFA policy are judged by their per-user MFA
// (enforced and enabled count, disabled does not); the employee the policy
// covers costs no per-user call; the KPI line says which mechanism.
func TestMFAEnforcedPerUser(t *testing.T) {
	r := newRig(t)
	g := r.set.Graph
	emps := r.org.Employees[1:5]
	var ids, uids []string
	for _, e := range emps {
		u, ok := g.UserByEmployeeID(e.EmployeeID)
		if !ok {
			t.Fatalf("%s not in Entra", e.EmployeeID)
		}
		ids, uids = append(ids, e.EmployeeID), append(uids, u.ID)
	}
	enforced, enabled, disabled, covered := uids[0], uids[1], uids[2], uids[3]
	g.PatchCAPolicy(graphemu.CAPolicyRequireMFA, map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{enforced, enabled, disabled}}}})
	g.SetAuthMethods(enabled) // nothing registered: stays enabled until they register
	if !g.SetPerUserMFA(enforced, "enforced") || !g.SetPerUserMFA(enabled, "enabled") || !g.SetPerUserMFA(covered, "enforced") {
		t.Fatal("set per-user MFA")
	}
	month := time.Now().UTC().Format(contract.MonthLayout)
	p := contract.PostureInput{Directories: []string{"entra"}, Baseline: domain.Baseline{MFAAllUsers: true}}
	var read contract.PostureRead
	r.must("ReadPosture", contract.ReadPostureInput{Month: month, Posture: p}, &read)
	g.ResetLog()
	var out contract.MFAPosture
	r.must("AssessMFA", contract.AssessMFAInput{Directories: p.Directories, EmployeeIDs: ids, Policies: read.Policies}, &out)
	e := dirFacts(t, out, "entra")
	if e.Enabled != 4 || e.Enforced != 3 || e.EnforcedPerUser != 2 || e.PerUserEnabled != 1 || e.PerUserRead != 3 {
		t.Fatalf("want 3 of 4 enforced, 2 of them per-user (1 enabled), 3 per-user reads: %+v", e)
	}
	if !slices.Equal(e.NotEnforced, []string{ids[2]}) || out.EnforcedInAll != 3 {
		t.Fatalf("per-user disabled and outside the policy: not enforced: %+v", out)
	}
	var beta []string
	for _, q := range g.Requests() {
		if strings.HasPrefix(q.Path, "/beta/") {
			beta = append(beta, q.Path)
		}
	}
	if len(beta) != 3 || slices.ContainsFunc(beta, func(p string) bool { return strings.Contains(p, covered) }) {
		t.Fatalf("per-user MFA read only for the 3 accounts the policy does not cover: %v", beta)
	}

	rep := activities.BuildKPIReport(contract.KPIFacts{Month: month, MFA: &out})
	i := slices.IndexFunc(rep.KPIs, func(k activities.KPI) bool { return k.ID == activities.KPIMFAEnforced })
	if i < 0 {
		t.Fatal("no enforced line")
	}
	text := strings.Join(rep.KPIs[i].Details, "\n")
	for _, want := range []string{"1 by Conditional Access, 2 by per-user MFA", "1 of them enabled, not yet enforced", "per-user MFA read for the 3 accounts no policy covers", "not enforced for " + ids[2]} {
		if !strings.Contains(text, want) {
			t.Errorf("enforced line lacks %q:\n%s", want, text)
		}
	}
}

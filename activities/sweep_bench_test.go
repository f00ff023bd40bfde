package activities_test

import (
	"testing"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// BenchmarkSweepInventoryCalls measures what one sweep inventory costs in
// API calls per directory (admin holders and the orphan join) over a
// 1,000-employee demo tenant, at each API's default page sizes:
//
//	go test ./activities -run '^$' -bench SweepInventoryCalls -benchtime 1x
func BenchmarkSweepInventoryCalls(b *testing.B) {
	r := newSweepRigOf(b, 1000)
	hr := map[string]string{demoorg.FormerEmployee: "terminated"}
	for _, e := range r.org.Employees {
		hr[e.EmployeeID] = "active"
	}
	in := r.cfg.SweepInput()
	inv := contract.SweepInventoryInput{Date: "2026-12-02", Directories: []string{"entra", "okta", "google", "jumpcloud"}, Apps: []string{"zoom"},
		ElevationRoles: in.ElevationRoles, BreakGlass: in.BreakGlass, ServiceAccounts: in.ServiceAccounts, HR: hr}
	emus := map[string]*emulator.Server{"entra": r.set.Graph.Server, "okta": r.set.Okta.Server, "google": r.set.Google.Server,
		"jumpcloud": r.set.JumpCloud.Server, "scim": r.set.SCIM.Server}
	total := func(s *emulator.Server) int {
		n := 0
		for _, c := range s.Counts() {
			n += c
		}
		return n
	}
	before, fams := map[string]int{}, map[string]map[string]int{}
	for k, s := range emus {
		before[k], fams[k] = total(s), s.Counts()
	}
	var out contract.SweepInventoryOutput
	b.ResetTimer()
	for range b.N {
		r.must(contract.SweepInventory.Name, inv, &out)
	}
	b.StopTimer()
	for k, s := range emus {
		b.ReportMetric(float64(total(s)-before[k])/float64(b.N), k+"-calls/op")
		for f, n := range s.Counts() {
			if d := n - fams[k][f]; d > 0 {
				b.Logf("%s %s: %d calls", k, f, d/b.N)
			}
		}
	}
	b.ReportMetric(float64(len(out.Holders)), "holders")
	accounts := 0
	for _, d := range out.Directories {
		accounts += d.Accounts
	}
	b.ReportMetric(float64(accounts), "accounts")
}

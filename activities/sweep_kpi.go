package activities

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/jml-dev/jml/contract"
)

// KPI ids of the privilege sweep.
const (
	KPISweepStanding    = "sweep_standing_admins"
	KPISweepGlobalAdmin = "sweep_global_admins"
)

// latestSweep reads the newest sweep evidence file of the month (nil when
// no sweep ran or its file cannot be read: the report says "no sweep").
func (a *Activities) latestSweep(month string) *contract.SweepSummary {
	from, _, err := contract.MonthRange(month)
	if err != nil || a.EvidenceDir == "" {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(a.EvidenceDir, SweepsDir, from.Format("2006"), from.Format("01"), "*", "*.json"))
	var best *contract.SweepSummary
	var bestAt string
	sort.Strings(files)
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var f contract.SweepFacts
		if json.Unmarshal(b, &f) != nil || f.Date == "" {
			continue
		}
		at := f.Date + f.GeneratedAt.UTC().Format("T15:04:05.000")
		if best == nil || at > bestAt {
			rel, _ := filepath.Rel(a.EvidenceDir, p)
			best, bestAt = &contract.SweepSummary{Date: f.Date, Path: filepath.ToSlash(rel), KPI: f.KPI}, at
		}
	}
	return best
}

// sweepKPIs are the report's tenant-wide admin lines, from the month's
// latest sweep: every principal holding an admin role in the directories,
// not only the employees jml has workflows for.
func sweepKPIs(f contract.KPIFacts) []KPI {
	if f.Sweep == nil {
		return nil
	}
	k := f.Sweep.KPI
	standing := KPI{ID: KPISweepStanding, Title: "Standing admins outside JIT and break-glass (tenant-wide)",
		Meaning:   "Principals (users, guests, service principals, groups) holding an admin role in any directory, read from the directories by the privilege sweep, outside an active JIT elevation and outside the declared break-glass and service accounts. Target: 0.",
		Value:     fmt.Sprintf("%d of %d principals holding an admin role (sweep %s)", k.StandingOutsideJIT, k.Population, f.Sweep.Date),
		Numerator: k.StandingOutsideJIT, Denominator: k.Population, Controls: ControlMapping[KPIStandingAdmins],
		Details: []string{fmt.Sprintf("%d break-glass, %d orphan accounts; evidence %s", k.BreakGlass, k.Orphans, f.Sweep.Path)}}
	met := "not met"
	if k.GlobalAdminsOK {
		met = "met"
	}
	ga := KPI{ID: KPISweepGlobalAdmin, Title: "Entra Global Administrators",
		Meaning: "Global Administrator assignments in Entra, break-glass included (CISA ScubaGear MS.AAD.7.1: two to eight).",
		Value:   fmt.Sprintf("%d (target 2-8: %s)", k.GlobalAdmins, met), Numerator: k.GlobalAdmins, Controls: ControlMapping[KPIStandingAdmins]}
	return []KPI{standing, ga}
}

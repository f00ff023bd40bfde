package activities

import (
	"fmt"

	"github.com/jml-dev/jml/contract"
)

// dashboardFields gives each KPI line what the dashboard shows besides
// its number: the population it counted, the measure held against the
// guide's target, and met or not. It runs after BuildKPIReport, so the
// KPI funcs (this file's and other files') stay as they are.
func dashboardFields(r *KPIReport) {
	f := r.Facts
	for i := range r.KPIs {
		k := &r.KPIs[i]
		switch k.ID {
		case KPIProvisioning, KPIMFA:
			k.Population = or(k.Population, hrPopulation(f))
		case KPIStandingAdmins:
			k.Population = or(k.Population, hrPopulation(f)+", their accounts only: an admin outside HR is not seen by this line")
		case KPIDeprovisioning:
			o := f.Offboarding
			k.Population = or(k.Population, fmt.Sprintf("%d leavers with an effective time in %s (offboarding log; leavers with no account anywhere left out)", o.Leavers, f.Month))
			if o.Leavers > 0 && k.Measured == nil {
				// The guide's target is on the slowest leaver, whatever the configured SLA.
				k.Measured = ptr(float64(o.MaxSeconds))
				if len(o.Buckets) > 0 {
					k.Details = append(k.Details, fmt.Sprintf("%d of %d within the guide's 1 hour", o.WithinHour, o.Leavers))
				}
			}
		case KPIIdentityLogs:
			lg := f.IdentityLogs
			k.Population = or(k.Population, fmt.Sprintf("the identity-log export of %s: %d directories", f.Month, len(lg.Directories)))
			if k.Measured == nil {
				k.Measured = ptr(0.0)
				if lg.Present && lg.Verified && lg.Problem == "" {
					k.Measured = ptr(1.0)
				}
			}
		}
		evaluate(k)
	}
}

func or(s, def string) string {
	if s != "" {
		return s
	}
	return def
}

// hrPopulation states the population of the KPIs counted over HR.
func hrPopulation(f contract.KPIFacts) string {
	src := map[string]string{"visibility": "running Employee workflows in status active", "input": "a given list"}[f.PopulationSource]
	if src == "" {
		src = f.PopulationSource
	}
	return fmt.Sprintf("%d active employees jml holds from HR (%s)", f.Assessment.Employees, src)
}

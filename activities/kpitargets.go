package activities

import (
	"fmt"
	"math"
)

// Units of a target, which say how Measured is read and shown.
const (
	UnitPercent = "percent"
	UnitCount   = "count"
	UnitSeconds = "seconds"
	UnitYesNo   = "yes_no" // 1 yes, 0 no
)

// Target is one of the IAM guide's "what good looks like" KPIs.
type Target struct {
	Guide string  `json:"guide"` // the guide's words
	Op    string  `json:"op"`    // >=, <= or =
	Value float64 `json:"value"`
	Unit  string  `json:"unit"`
}

// Meets says whether v meets the target.
func (t Target) Meets(v float64) bool {
	switch t.Op {
	case ">=":
		return v >= t.Value
	case "<=":
		return v <= t.Value
	default:
		return v == t.Value
	}
}

// Text is the target as the page states it.
func (t Target) Text() string {
	op := map[string]string{">=": "≥ ", "<=": "≤ ", "=": ""}[t.Op]
	if t.Unit == UnitYesNo {
		return "every month"
	}
	return op + formatMeasure(t.Value, t.Unit)
}

// The guide's targets (iam-guide.txt, section 10, "What good looks like").
var (
	TargetAppCoverage    = Target{Guide: "Automated provisioning coverage: ≥ 70% of apps", Op: ">=", Value: 70, Unit: UnitPercent}
	TargetDeprovisioning = Target{Guide: "Deprovisioning SLA: ≤ 1 hour", Op: "<=", Value: GuideDeprovisioningSeconds, Unit: UnitSeconds}
	TargetStandingAdmins = Target{Guide: "Privileged standing access: 0 permanent admins outside break-glass", Op: "<=", Value: 0, Unit: UnitCount}
	TargetMFA            = Target{Guide: "MFA coverage: ≥ 98%", Op: ">=", Value: 98, Unit: UnitPercent}
	TargetAuditArtifacts = Target{Guide: "Audit artifacts updated: monthly", Op: "=", Value: 1, Unit: UnitYesNo}
)

// GuideTargetOrder is the scorecard's order.
var GuideTargetOrder = []Target{TargetAppCoverage, TargetDeprovisioning, TargetStandingAdmins, TargetMFA, TargetAuditArtifacts}

// GuideTargets is the target of each KPI id that measures one; a KPI func
// may set its own Target instead.
var GuideTargets = map[string]Target{
	KPIDeprovisioning:      TargetDeprovisioning,
	KPIStandingAdmins:      TargetStandingAdmins,
	KPIPermanentPrivileged: TargetStandingAdmins,
	KPIMFA:                 TargetMFA,
	KPIIdentityLogs:        TargetAuditArtifacts,
	// Other files' KPI lines, by id (a report without them has none):
	// the catalog's app coverage and the MFA posture's strong and
	// enforced lines ("used" depends on who signed in: no target).
	AppCoverageKPI:   TargetAppCoverage,
	"mfa_registered": TargetMFA,
	"mfa_enforced":   TargetMFA,
	KPISweepStanding: TargetStandingAdmins,
}

// Populations states, by KPI id, what the denominator of another file's
// KPI line counts, for a line that does not say so itself.
var Populations = map[string]string{
	KPIPermanentPrivileged: "%d accounts in the privileged groups, read from the directory itself",
	AppCoverageKPI:         "%d apps in the catalog",
	AccessReviewKPI:        "%d items of the access-review campaigns completed this month",
	"mfa_registered":       "%d active employees jml holds from HR",
	"mfa_enforced":         "%d active employees jml holds from HR",
	"mfa_used":             "%d active employees jml holds from HR",
	KPISweepStanding:       "%d principals holding an admin role in the directories the privilege sweep read (users in HR or not, guests, service principals, groups)",
}

// Previous is the KPI in last month's report, and the change since.
type Previous struct {
	Month    string   `json:"month"`
	Value    string   `json:"value,omitempty"` // as that report showed it
	Measured *float64 `json:"measured,omitempty"`
	Met      *bool    `json:"met,omitempty"`
	Change   string   `json:"change"`          // as shown; says why when there is none
	Trend    string   `json:"trend,omitempty"` // better, worse or same against the target
}

func ptr[T any](v T) *T { return &v }

// evaluate fills a KPI's target, measured value and met from what the
// KPI func set. A percentage over nothing, or a KPI with no measure, is
// not assessed: Met stays nil and the page says so.
func evaluate(k *KPI) {
	if p, ok := Populations[k.ID]; ok && k.Population == "" {
		k.Population = fmt.Sprintf(p, k.Denominator)
	}
	if k.Target == nil {
		if t, ok := GuideTargets[k.ID]; ok {
			k.Target = &t
		}
	}
	if k.Target == nil {
		return
	}
	if k.Measured == nil {
		switch k.Target.Unit {
		case UnitPercent:
			if k.Denominator > 0 {
				k.Measured = ptr(pct(k.Numerator, k.Denominator))
			}
		case UnitCount:
			k.Measured = ptr(float64(k.Numerator))
		}
	}
	if k.Measured != nil {
		k.Met = ptr(k.Target.Meets(*k.Measured))
	}
}

// compare fills k.Previous from the same KPI of last month's report (nil
// when there is none: found says whether the report was).
func compare(k *KPI, month string, prev *KPI, found bool) {
	p := &Previous{Month: month}
	k.Previous = p
	switch {
	case !found:
		p.Change = "no report for " + month
		return
	case prev == nil:
		p.Change = "not in " + month + "'s report"
		return
	}
	p.Value, p.Measured, p.Met = prev.Value, prev.Measured, prev.Met
	if k.Target == nil || k.Measured == nil || p.Measured == nil {
		p.Change = "not comparable"
		return
	}
	d := *k.Measured - *p.Measured
	switch {
	case math.Abs(d) < 0.005:
		p.Change, p.Trend = "no change", "same"
		return
	case k.Target.Op == ">=" && d > 0, k.Target.Op == "<=" && d < 0,
		k.Target.Op == "=" && *k.Measured == k.Target.Value:
		p.Trend = "better"
	default:
		p.Trend = "worse"
	}
	sign := "+"
	if d < 0 {
		sign = "−"
	}
	switch k.Target.Unit {
	case UnitPercent:
		p.Change = fmt.Sprintf("%s%.2f pp", sign, math.Abs(d))
	case UnitSeconds:
		p.Change = sign + formatMeasure(math.Abs(d), UnitSeconds)
	case UnitYesNo:
		p.Change = fmt.Sprintf("was %s, now %s", formatMeasure(*p.Measured, UnitYesNo), formatMeasure(*k.Measured, UnitYesNo))
	default:
		p.Change = fmt.Sprintf("%s%g", sign, math.Abs(d))
	}
}

// formatMeasure shows a measured value in its unit.
func formatMeasure(v float64, unit string) string {
	switch unit {
	case UnitPercent:
		return fmt.Sprintf("%.2f%%", v)
	case UnitSeconds:
		return humanSeconds(int64(v))
	case UnitYesNo:
		if v == 1 {
			return "yes"
		}
		return "no"
	default:
		return fmt.Sprintf("%g", v)
	}
}

// Status is the page's word for a KPI against its target.
func (k KPI) Status() string {
	switch {
	case k.Target == nil:
		return "no guide target"
	case k.Met == nil:
		return "not assessed"
	case *k.Met:
		return "met"
	default:
		return "not met"
	}
}

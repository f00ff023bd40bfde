package activities

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"slices"
	"strconv"
	"strings"
)

// Chart ids: each is a section of the page and the file
// Reports/KPI-YYYY-MM-<id>.csv.
const (
	ChartDeprovisioning = "deprovisioning"
	ChartMFA            = "mfa"
	ChartStandingAdmins = "standing-admins"
	ChartAccessReviews  = "access-reviews"
	ChartAppCoverage    = "app-coverage"
)

// ChartOrder is the page's order.
var ChartOrder = []string{ChartDeprovisioning, ChartMFA, ChartStandingAdmins, ChartAccessReviews, ChartAppCoverage}

// The KPI ids the trend charts read, besides this file's own. Other
// helpers' KPI funcs name theirs; until one is in a report, its chart
// says it has no data.
var (
	StandingAdminKPIs = []string{KPIStandingAdmins, KPIPermanentPrivileged, KPISweepStanding}
	AccessReviewKPI   = "access_reviews"
	AppCoverageKPI    = KPIAppCoverage
)

// ChartInfo is what the JSON report says of a chart.
type ChartInfo struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	CSV    string `json:"csv"`               // file name beside the HTML
	NoData string `json:"no_data,omitempty"` // why there is nothing to draw
	Note   string `json:"note,omitempty"`
}

// chart is a chart with its drawing and its CSV rows.
type chart struct {
	ChartInfo
	SVG    []template.HTML
	Header []string
	Rows   [][]string
}

// ChartCSVPath is Reports/KPI-YYYY-MM-<chart>.csv.
func ChartCSVPath(evidenceDir, month, id string) string {
	j, _ := KPIReportPaths(evidenceDir, month)
	return strings.TrimSuffix(j, ".json") + "-" + id + ".csv"
}

// buildCharts draws every chart from this month's report and the months
// before it.
func buildCharts(r *KPIReport, h history) []chart {
	months := append(slices.Clone(h.Months), r.Month)
	reports := append(slices.Clone(h.Reports), r)
	out := []chart{deprovisioningChart(r), mfaChart(months, reports), standingAdminChart(months, reports),
		kpiTrendChart(ChartAccessReviews, "Access-review completion (items decided by a reviewer), last 12 months", AccessReviewKPI, months, reports, 100, "every item",
			"No access-review KPI in this report or the 11 before it: no campaign has completed in these months."),
		kpiTrendChart(ChartAppCoverage, "Apps provisioned automatically, last 12 months, against the guide's 70%", AppCoverageKPI, months, reports, TargetAppCoverage.Value, "70% target",
			"No app-coverage KPI in this report or the 11 before it: the catalog's provisioning modes are not counted yet.")}
	for i := range out {
		out[i].CSV = strings.TrimPrefix(ChartCSVPath("", r.Month, out[i].ID), ReportsDir+"/")
	}
	return out
}

func bucketLabel(up int64) string {
	if up == 0 {
		return "> 24h"
	}
	if up < 3600 {
		return fmt.Sprintf("≤ %dm", up/60)
	}
	return fmt.Sprintf("≤ %dh", up/3600)
}

func deprovisioningChart(r *KPIReport) chart {
	o := r.Facts.Offboarding
	c := chart{ChartInfo: ChartInfo{ID: ChartDeprovisioning, Title: "Time to deprovision, leavers of " + r.Month + ", against the guide's 1 hour"},
		Header: []string{"month", "bucket", "from_seconds", "up_to_seconds", "leavers", "within_1h"}}
	switch {
	case o.Leavers == 0:
		c.NoData = "No leavers with an effective time in " + r.Month + ": no deprovisioning times to show."
		return c
	case len(o.Buckets) == 0:
		c.NoData = fmt.Sprintf("%d leavers, but this month's offboarding summary has no distribution (written before the dashboard).", o.Leavers)
		return c
	}
	spec := barSpec{ID: c.ID, Title: c.Title, RefLabel: "1 h target"}
	from := int64(0)
	for i, bk := range o.Buckets {
		within := bk.UpToSeconds != 0 && bk.UpToSeconds <= GuideDeprovisioningSeconds
		color := colorBad
		if within {
			color, spec.RefAfter = colorGood, i
		}
		spec.Bars = append(spec.Bars, bar{Label: bucketLabel(bk.UpToSeconds), Value: float64(bk.Leavers), Color: color})
		up := ""
		if bk.UpToSeconds != 0 {
			up = strconv.FormatInt(bk.UpToSeconds, 10)
		}
		c.Rows = append(c.Rows, []string{r.Month, bucketLabel(bk.UpToSeconds), strconv.FormatInt(from, 10), up, strconv.Itoa(bk.Leavers), strconv.FormatBool(within)})
		from = bk.UpToSeconds
	}
	c.SVG = []template.HTML{barChart(spec)}
	c.Note = fmt.Sprintf("%d of %d leavers within 1 hour; slowest %s.", o.WithinHour, o.Leavers, formatMeasure(float64(o.MaxSeconds), UnitSeconds))
	return c
}

// ratio is n of d.
type ratioND struct{ N, D int }

// MFA measures, in the chart's series order.
const (
	MFARegisteredStrong = "registered (strong)"
	MFARegisteredAny    = "registered (any method)"
	MFAEnforced         = "enforced"
	MFAUsed             = "used"
)

// MFAMeasures are the series every directory's chart shows.
var MFAMeasures = []string{MFARegisteredStrong, MFARegisteredAny, MFAEnforced, MFAUsed}

// mfaFacts is one report's MFA ratios by directory and measure: enrolment
// (any method) from the assessment, and registered-strong, enforced and
// used from the MFA posture's facts where the report has them.
func mfaFacts(r *KPIReport) map[string]map[string]ratioND {
	out := map[string]map[string]ratioND{}
	for _, d := range r.Facts.Assessment.Directories {
		if den := d.Enabled - d.MFAUnknown; den > 0 {
			out[d.Directory] = map[string]ratioND{MFARegisteredAny: {d.MFAEnrolled, den}}
		}
	}
	if b, err := json.Marshal(r.Facts); err == nil {
		for dir, m := range mfaPostureRatios(b) {
			if out[dir] == nil {
				out[dir] = map[string]ratioND{}
			}
			for k, v := range m {
				out[dir][k] = v
			}
		}
	}
	return out
}

// mfaPostureView is the part of a report's facts.mfa (the MFA posture:
// strong, enforced, used per directory) the chart reads, by its JSON
// names: this month's facts and earlier months' files read the same way,
// and a report without it has none.
type mfaPostureView struct {
	MFA *struct {
		Directories []struct {
			Directory          string `json:"directory"`
			Enabled            int    `json:"enabled"`
			Strong             int    `json:"strong"`
			Unknown            int    `json:"unknown"`
			Enforced           int    `json:"enforced"`
			EnforcementUnknown int    `json:"enforcement_unknown"`
			Used               int    `json:"used"`
			LogMissing         bool   `json:"log_missing"`
		} `json:"directories"`
	} `json:"mfa"`
}

// mfaPostureRatios reads the posture's ratios from facts as JSON.
func mfaPostureRatios(facts []byte) map[string]map[string]ratioND {
	var v mfaPostureView
	if err := json.Unmarshal(facts, &v); err != nil || v.MFA == nil {
		return nil
	}
	out := map[string]map[string]ratioND{}
	for _, d := range v.MFA.Directories {
		m := map[string]ratioND{}
		if den := d.Enabled - d.Unknown; den > 0 {
			m[MFARegisteredStrong] = ratioND{d.Strong, den}
		}
		if den := d.Enabled - d.EnforcementUnknown; den > 0 {
			m[MFAEnforced] = ratioND{d.Enforced, den}
		}
		if d.Enabled > 0 && !d.LogMissing {
			m[MFAUsed] = ratioND{d.Used, d.Enabled}
		}
		if len(m) > 0 {
			out[d.Directory] = m
		}
	}
	return out
}

func mfaChart(months []string, reports []*KPIReport) chart {
	c := chart{ChartInfo: ChartInfo{ID: ChartMFA, Title: "MFA per directory, last 12 months, against the guide's 98%"},
		Header: []string{"month", "directory", "measure", "numerator", "denominator", "percent"}}
	facts := make([]map[string]map[string]ratioND, len(reports))
	var dirs []string
	for i, r := range reports {
		if r == nil {
			continue
		}
		facts[i] = mfaFacts(r)
		for d := range facts[i] {
			if !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
	}
	slices.Sort(dirs)
	if len(dirs) == 0 {
		c.NoData = "No directory reported MFA enrolment in this report or the 11 before it."
		return c
	}
	missing := map[string]bool{}
	for _, m := range MFAMeasures {
		missing[m] = true
	}
	x := make([]string, len(months))
	for i, m := range months {
		x[i] = shortMonth(m)
	}
	for _, d := range dirs {
		spec := lineSpec{ID: ChartMFA + "-" + d, Title: "MFA in " + d, Label: d, YUnit: "%", X: x, YMax: 100, Ref: ptr(TargetMFA.Value), RefLabel: "98% target"}
		for _, m := range MFAMeasures {
			s := series{Name: m, Points: make([]*float64, len(months))}
			has := false
			for i := range months {
				if v, ok := facts[i][d][m]; ok {
					p := pct(v.N, v.D)
					s.Points[i], has = &p, true
					c.Rows = append(c.Rows, []string{months[i], d, m, strconv.Itoa(v.N), strconv.Itoa(v.D), fmt.Sprintf("%.2f", p)})
				}
			}
			if has {
				spec.Series = append(spec.Series, s)
				missing[m] = false
			}
		}
		c.SVG = append(c.SVG, lineChart(spec))
	}
	var none []string
	for _, m := range MFAMeasures {
		if missing[m] {
			none = append(none, m)
		}
	}
	if len(none) > 0 {
		c.Note = "Not measured in any of these reports yet: " + strings.Join(none, ", ") + "."
	}
	slices.SortStableFunc(c.Rows, func(a, b []string) int { return cmpRows(a, b, 2) })
	return c
}

// chartValue is what a trend draws of a KPI: its measured value, or for
// a KPI with no target its percentage; nil when it counted nothing.
func chartValue(k *KPI) *float64 {
	switch {
	case k == nil:
		return nil
	case k.Measured != nil:
		return k.Measured
	case k.Target == nil && k.Denominator > 0:
		return ptr(pct(k.Numerator, k.Denominator))
	}
	return nil
}

// trend is a KPI's value in each month's report.
func trend(id string, reports []*KPIReport) (s series, has bool) {
	s.Points = make([]*float64, len(reports))
	for i, r := range reports {
		if k := kpiOf(r, id); k != nil {
			if s.Name == "" {
				s.Name = k.Title
			}
			if v := chartValue(k); v != nil {
				s.Points[i], has = v, true
			}
		}
	}
	return s, has
}

func standingAdminChart(months []string, reports []*KPIReport) chart {
	c := chart{ChartInfo: ChartInfo{ID: ChartStandingAdmins, Title: "Standing admins outside JIT and break-glass, last 12 months (target 0)"},
		Header: []string{"month", "kpi_id", "kpi", "count"}}
	spec := lineSpec{ID: c.ID, Title: c.Title, X: shortMonths(months), Ref: ptr(0.0), RefLabel: "target 0"}
	for _, id := range StandingAdminKPIs {
		s, has := trend(id, reports)
		if !has {
			continue
		}
		spec.Series = append(spec.Series, s)
		for i, p := range s.Points {
			if p != nil {
				c.Rows = append(c.Rows, []string{months[i], id, s.Name, num(*p)})
			}
		}
	}
	if len(spec.Series) == 0 {
		c.NoData = "No standing-admin count in this report or the 11 before it."
		return c
	}
	slices.SortStableFunc(c.Rows, func(a, b []string) int { return cmpRows(a, b, 1) })
	c.SVG = []template.HTML{lineChart(spec)}
	return c
}

// kpiTrendChart is a percentage KPI's line over the months, against a target.
func kpiTrendChart(id, title, kpiID string, months []string, reports []*KPIReport, ref float64, refLabel, noData string) chart {
	c := chart{ChartInfo: ChartInfo{ID: id, Title: title},
		Header: []string{"month", "kpi_id", "numerator", "denominator", "percent"}}
	s, has := trend(kpiID, reports)
	if !has {
		c.NoData = noData
		return c
	}
	for i, r := range reports {
		if k := kpiOf(r, kpiID); chartValue(k) != nil {
			c.Rows = append(c.Rows, []string{months[i], kpiID, strconv.Itoa(k.Numerator), strconv.Itoa(k.Denominator), fmt.Sprintf("%.2f", *chartValue(k))})
		}
	}
	c.SVG = []template.HTML{lineChart(lineSpec{ID: id, Title: c.Title, YUnit: "%", X: shortMonths(months), YMax: 100,
		Series: []series{s}, Ref: &ref, RefLabel: refLabel})}
	if k := kpiOf(reports[len(reports)-1], kpiID); k != nil && len(k.Details) > 0 {
		c.Note = strings.Join(k.Details, "; ")
	}
	return c
}

func shortMonths(ms []string) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = shortMonth(m)
	}
	return out
}

// chartCSV is a chart's rows as CSV, every cell escaped against formula
// injection (a directory or KPI name is data from outside).
func chartCSV(c chart) []byte {
	var b strings.Builder
	w := csv.NewWriter(&b)
	_ = w.Write(c.Header)
	for _, row := range c.Rows {
		esc := make([]string, len(row))
		for i, v := range row {
			esc[i] = EscapeCSVField(v)
		}
		_ = w.Write(esc)
	}
	w.Flush()
	return []byte(b.String())
}

// scoreLine is one guide target on the scorecard and the KPIs that measure it.
type scoreLine struct {
	Target Target
	KPIs   []KPI
	Status string // met, not met, not assessed, not measured
}

func scorecard(r *KPIReport) []scoreLine {
	var out []scoreLine
	for _, t := range GuideTargetOrder {
		l := scoreLine{Target: t, Status: "not measured"}
		for _, k := range r.KPIs {
			if k.Target != nil && k.Target.Guide == t.Guide {
				l.KPIs = append(l.KPIs, k)
			}
		}
		for _, k := range l.KPIs {
			switch st := k.Status(); {
			case st == "not met":
				l.Status = st
			case st == "met" && l.Status != "not met":
				l.Status = st
			case l.Status == "not measured":
				l.Status = st
			}
		}
		out = append(out, l)
	}
	return out
}

// cmpRows orders rows by their first n cells.
func cmpRows(a, b []string, n int) int {
	for i := range n {
		if c := strings.Compare(a[i], b[i]); c != 0 {
			return c
		}
	}
	return 0
}

// buildDashboard adds the change since last month, the charts and the
// history read to the report, and returns the charts to draw and export.
func buildDashboard(r *KPIReport, h history) []chart {
	dashboardFields(r)
	applyPrevious(r, h)
	charts := buildCharts(r, h)
	r.Charts = nil
	for _, c := range charts {
		r.Charts = append(r.Charts, c.ChartInfo)
	}
	r.History = h.Notes
	return charts
}

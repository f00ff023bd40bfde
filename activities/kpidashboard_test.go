package activities

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

// dashFacts is a month of facts: employees, of whom mfa have MFA, one
// directory, the given standing admins and leaver durations (seconds).
func dashFacts(month string, employees, mfa int, admins []string, durations []int64) contract.KPIFacts {
	from, to, _ := contract.MonthRange(month)
	f := contract.KPIFacts{Month: month, From: from, To: to, WorkflowID: contract.KPIReportWorkflowID(month), RunID: "run-" + month,
		GeneratedAt: to.Add(2 * time.Hour), PopulationSource: "visibility",
		Assessment: contract.AssessOutput{Employees: employees, EnabledInAll: employees, MFAInAll: mfa,
			Directories: []contract.DirectoryFacts{{Directory: "entra", Accounts: employees, Enabled: employees, MFAEnrolled: mfa},
				{Directory: "okta", Accounts: employees, Enabled: employees, MFAEnrolled: employees}}},
		IdentityLogs: contract.LogManifestSummary{Present: true, Verified: true, Directories: []string{"entra", "okta"}, TotalEvents: 10}}
	for _, a := range admins {
		f.Assessment.StandingAdmins = append(f.Assessment.StandingAdmins, contract.StandingAdmin{EmployeeID: a, Directory: "entra", Role: "Global Administrator"})
	}
	for _, d := range durations {
		f.Offboarding.Leavers++
		if d <= 3600 {
			f.Offboarding.Met++
		} else {
			f.Offboarding.Breached++
		}
		f.Offboarding.MaxSeconds = max(f.Offboarding.MaxSeconds, d)
	}
	if len(durations) > 0 {
		f.Offboarding.WithinHour, f.Offboarding.Buckets = DeprovisioningBuckets(durations)
	}
	return f
}

// built is the report as WriteKPIReport fills it, before any history.
func built(f contract.KPIFacts) KPIReport {
	r := BuildKPIReport(f)
	dashboardFields(&r)
	return r
}

func byID(r KPIReport) map[string]KPI {
	m := map[string]KPI{}
	for _, k := range r.KPIs {
		m[k.ID] = k
	}
	return m
}

// TestKPIsCarryTheGuidesTargets: each guide target is held against its
// KPI, met or not met, with the population stated; a percentage over
// nobody is not assessed rather than met.
func TestKPIsCarryTheGuidesTargets(t *testing.T) {
	r := built(dashFacts("2026-11", 100, 99, []string{"E0007"}, []int64{120, 4000}))
	k := byID(r)
	require.NotNil(t, k[KPIMFA].Met)
	assert.True(t, *k[KPIMFA].Met, "99%% against 98%%")
	assert.Equal(t, "met", k[KPIMFA].Status())
	assert.Equal(t, "not met", k[KPIStandingAdmins].Status(), "one standing admin against 0")
	assert.Equal(t, "not met", k[KPIDeprovisioning].Status(), "the slowest leaver took 4000 s")
	assert.Equal(t, 4000.0, *k[KPIDeprovisioning].Measured)
	assert.Equal(t, "met", k[KPIIdentityLogs].Status())
	assert.Equal(t, "no guide target", k[KPIProvisioning].Status(), "the guide's 70%% is over apps, not employees")
	assert.Contains(t, k[KPIMFA].Population, "100 active employees")
	assert.Contains(t, k[KPIDeprovisioning].Population, "2 leavers")
	assert.Contains(t, k[KPIStandingAdmins].Population, "an admin outside HR is not seen")

	empty := byID(built(dashFacts("2026-11", 0, 0, nil, nil)))
	assert.Nil(t, empty[KPIMFA].Met)
	assert.Equal(t, "not assessed", empty[KPIMFA].Status())
	assert.Equal(t, "not assessed", empty[KPIDeprovisioning].Status(), "no leavers: nothing to hold against the hour")
	noLogs := dashFacts("2026-11", 1, 1, nil, nil)
	noLogs.IdentityLogs = contract.LogManifestSummary{}
	assert.Equal(t, "not met", byID(built(noLogs))[KPIIdentityLogs].Status())

	// A KPI func written before the dashboard (no target fields) still
	// shows, with no target.
	plain := KPI{ID: "some_other", Title: "Other", Numerator: 1, Denominator: 2}
	evaluate(&plain)
	assert.Nil(t, plain.Target)
	assert.Equal(t, "no guide target", plain.Status())
}

func TestDeprovisioningBuckets(t *testing.T) {
	within, b := DeprovisioningBuckets([]int64{0, 300, 301, 3600, 3601, 86400, 86401})
	assert.Equal(t, 4, within)
	require.Len(t, b, len(DeprovisioningBucketEdges))
	got := map[int64]int{}
	for _, x := range b {
		got[x.UpToSeconds] = x.Leavers
	}
	assert.Equal(t, map[int64]int{300: 2, 900: 1, 1800: 0, 3600: 1, 7200: 1, 14400: 0, 86400: 1, 0: 1}, got)
}

// writeReport runs the activity for a month's facts.
func writeReport(t *testing.T, dir string, f contract.KPIFacts) contract.KPIReportResult {
	t.Helper()
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	res, err := a.WriteKPIReport(context.Background(), f)
	require.NoError(t, err)
	return res
}

func readReport(t *testing.T, path string) KPIReport {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var r KPIReport
	require.NoError(t, json.Unmarshal(b, &r))
	return r
}

func readChartCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	return rows
}

// TestDashboardComparesWithLastMonthAndDrawsTrends: three months of
// reports; the third states each KPI's change since the second, its
// charts draw the months there are, its CSVs hold the same numbers, and a
// re-run writes the same bytes.
func TestDashboardComparesWithLastMonthAndDrawsTrends(t *testing.T) {
	dir := t.TempDir()
	writeReport(t, dir, dashFacts("2026-09", 100, 90, []string{"E1", "E2", "E3"}, nil))
	writeReport(t, dir, dashFacts("2026-10", 100, 95, []string{"E1", "E2"}, []int64{600}))
	res := writeReport(t, dir, dashFacts("2026-11", 100, 99, []string{"E1"}, []int64{120, 2000, 5000}))
	r := readReport(t, res.JSON)
	k := byID(r)

	mfa := k[KPIMFA].Previous
	require.NotNil(t, mfa)
	assert.Equal(t, "2026-10", mfa.Month)
	assert.Equal(t, "+4.00 pp", mfa.Change)
	assert.Equal(t, "better", mfa.Trend)
	assert.Equal(t, "−1", k[KPIStandingAdmins].Previous.Change)
	assert.Equal(t, "better", k[KPIStandingAdmins].Previous.Trend)
	assert.Equal(t, "+1h 13m", k[KPIDeprovisioning].Previous.Change, "slowest 10m then, 1h 23m now")
	assert.Equal(t, "worse", k[KPIDeprovisioning].Previous.Trend)
	assert.Equal(t, "no change", k[KPIIdentityLogs].Previous.Change)

	html := mustRead(t, res.HTML)
	assert.Contains(t, html, "2 of the guide&#39;s 5 targets met, 2 not met, 1 with nothing to measure yet.")
	for _, id := range []string{"chart-deprovisioning", "chart-mfa-entra", "chart-mfa-okta", "chart-standing-admins"} {
		assert.Contains(t, html, `<svg id="`+id+`"`)
	}
	assert.Contains(t, html, `id="nodata-access-reviews"`)
	assert.Contains(t, html, `id="nodata-app-coverage"`)
	assert.Contains(t, html, "No data yet.")
	assert.Contains(t, html, "Not measured in any of these reports yet: registered (strong), enforced, used.")
	for _, ext := range []string{"http://", "https://", "src=", "@import", "<link", "<script", "href="} {
		assert.NotContains(t, html, ext)
	}
	// The standing-admin trend has a point per month with a report: 3, 2, 1.
	std := chartSVG(t, html, "chart-standing-admins")
	assert.Equal(t, 3, strings.Count(std, `class="point"`))
	assert.Contains(t, std, "Sep 26: 3")
	assert.Contains(t, std, "Nov 26: 1")

	require.Len(t, res.CSVs, len(ChartOrder))
	for i, id := range ChartOrder {
		assert.Equal(t, filepath.Join(dir, ReportsDir, "KPI-2026-11-"+id+".csv"), res.CSVs[i])
	}
	dep := readChartCSV(t, res.CSVs[0])
	assert.Equal(t, []string{"month", "bucket", "from_seconds", "up_to_seconds", "leavers", "within_1h"}, dep[0])
	require.Len(t, dep, 1+len(DeprovisioningBucketEdges))
	assert.Equal(t, []string{"2026-11", "≤ 5m", "0", "300", "1", "true"}, dep[1])
	assert.Equal(t, []string{"2026-11", "≤ 2h", "3600", "7200", "1", "false"}, dep[5])
	assert.Equal(t, []string{"2026-11", "> 24h", "86400", "", "0", "false"}, dep[8])
	adm := readChartCSV(t, res.CSVs[2])
	assert.Equal(t, [][]string{{"month", "kpi_id", "kpi", "count"}, {"2026-09", KPIStandingAdmins, "Standing admins", "3"},
		{"2026-10", KPIStandingAdmins, "Standing admins", "2"}, {"2026-11", KPIStandingAdmins, "Standing admins", "1"}}, adm)
	mfaRows := readChartCSV(t, res.CSVs[1])
	assert.Contains(t, mfaRows, []string{"2026-10", "entra", MFARegisteredAny, "95", "100", "95.00"})
	assert.Len(t, readChartCSV(t, res.CSVs[3]), 1, "no access-review data: the header only")

	// Deterministic: the same facts and history give the same bytes.
	before := map[string]string{}
	for _, p := range append([]string{res.JSON, res.HTML}, res.CSVs...) {
		before[p] = mustRead(t, p)
	}
	again := writeReport(t, dir, dashFacts("2026-11", 100, 99, []string{"E1"}, []int64{120, 2000, 5000}))
	for _, p := range append([]string{again.JSON, again.HTML}, again.CSVs...) {
		assert.Equal(t, before[p], mustRead(t, p), p)
	}
}

// TestDashboardWithoutHistoryAndWithABadMonth: the first month says there
// is no earlier report; a corrupt earlier report is named, not fatal.
func TestDashboardWithoutHistoryAndWithABadMonth(t *testing.T) {
	dir := t.TempDir()
	res := writeReport(t, dir, dashFacts("2026-11", 10, 10, nil, nil))
	r := readReport(t, res.JSON)
	assert.Equal(t, "no report for 2026-10", byID(r)[KPIMFA].Previous.Change)
	html := mustRead(t, res.HTML)
	assert.Contains(t, html, "None: this is the first month with a report.")
	assert.Contains(t, html, `id="nodata-deprovisioning"`, "no leavers")
	assert.Contains(t, html, "No leavers with an effective time in 2026-11")

	bad, _ := KPIReportPaths(dir, "2026-10")
	require.NoError(t, os.WriteFile(bad, []byte("{not json"), 0o640))
	res = writeReport(t, dir, dashFacts("2026-12", 10, 10, nil, nil))
	r = readReport(t, res.JSON)
	require.Len(t, r.History, 2)
	assert.Equal(t, "2026-10", r.History[0].Month)
	assert.Contains(t, r.History[0].Problem, "Reports/KPI-2026-10.json is not a KPI report")
	assert.Equal(t, "Reports/KPI-2026-11.json", r.History[1].Report)
	assert.Equal(t, "no change", byID(r)[KPIMFA].Previous.Change)
}

// TestDashboardReadsAReportWrittenBeforeIt: last month's report has no
// measured values (written by the earlier code); they are recomputed from
// its facts, so the change is stated.
func TestDashboardReadsAReportWrittenBeforeIt(t *testing.T) {
	dir := t.TempDir()
	old := BuildKPIReport(dashFacts("2026-10", 50, 40, []string{"E1", "E2"}, nil))
	for i := range old.KPIs {
		old.KPIs[i].Target, old.KPIs[i].Measured, old.KPIs[i].Met, old.KPIs[i].Population = nil, nil, nil, ""
	}
	b, err := json.Marshal(old)
	require.NoError(t, err)
	assert.NotContains(t, string(b), `"measured"`)
	p, _ := KPIReportPaths(dir, "2026-10")
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
	require.NoError(t, os.WriteFile(p, b, 0o640))
	r := readReport(t, writeReport(t, dir, dashFacts("2026-11", 50, 49, nil, nil)).JSON)
	assert.Equal(t, "+18.00 pp", byID(r)[KPIMFA].Previous.Change)
	assert.Equal(t, "−2", byID(r)[KPIStandingAdmins].Previous.Change)
}

// TestChartCSVIsFormulaSafe: a directory named like a formula is a
// quoted text cell in the CSV and escaped in the SVG.
func TestChartCSVIsFormulaSafe(t *testing.T) {
	dir := t.TempDir()
	f := dashFacts("2026-11", 10, 5, nil, nil)
	f.Assessment.Directories[0].Directory = `=HYPERLINK("x")<b>`
	res := writeReport(t, dir, f)
	rows := readChartCSV(t, ChartCSVPath(dir, "2026-11", ChartMFA))
	var dirs []string
	for _, r := range rows[1:] {
		dirs = append(dirs, r[1])
	}
	assert.Contains(t, dirs, `'=HYPERLINK("x")<b>`)
	html := mustRead(t, res.HTML)
	assert.NotContains(t, html, "<b>")
	assert.Contains(t, html, "&lt;b&gt;")
}

func mustRead(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return string(b)
}

// chartSVG cuts one chart's SVG out of the page.
func chartSVG(t *testing.T, html, id string) string {
	t.Helper()
	i := strings.Index(html, `<svg id="`+id+`"`)
	require.GreaterOrEqual(t, i, 0, id)
	j := strings.Index(html[i:], "</svg>")
	require.Greater(t, j, 0)
	return html[i : i+j]
}

// TestTrendChartsOfOtherKPIs: the access-review and app-coverage charts
// draw those KPIs' lines from whichever months have them (the review line
// has no guide target: its percentage is drawn), and their CSVs hold the
// numbers.
func TestTrendChartsOfOtherKPIs(t *testing.T) {
	months := []string{"2026-09", "2026-10", "2026-11"}
	var reports []*KPIReport
	for i, m := range months {
		r := built(dashFacts(m, 10, 10, nil, nil))
		app := KPI{ID: AppCoverageKPI, Title: "Automated provisioning coverage (apps)", Numerator: 3 + i, Denominator: 5, Target: &TargetAppCoverage}
		evaluate(&app)
		r.KPIs = append(r.KPIs, app)
		if i != 1 { // a campaign completed in September and November only
			r.KPIs = append(r.KPIs, KPI{ID: AccessReviewKPI, Title: "Access reviews", Numerator: 8 + i, Denominator: 10, Details: []string{"q3: 8 / 10"}})
		}
		reports = append(reports, &r)
	}
	h := history{Months: months[:2], Reports: reports[:2]}
	charts := buildCharts(reports[2], h)
	byChart := map[string]chart{}
	for _, c := range charts {
		byChart[c.ID] = c
	}
	app := byChart[ChartAppCoverage]
	require.Empty(t, app.NoData)
	require.Len(t, app.SVG, 1)
	assert.Equal(t, 3, strings.Count(string(app.SVG[0]), `class="point"`))
	assert.Contains(t, string(app.SVG[0]), "Nov 26: 100%")
	assert.Equal(t, [][]string{{"2026-09", AppCoverageKPI, "3", "5", "60.00"}, {"2026-10", AppCoverageKPI, "4", "5", "80.00"}, {"2026-11", AppCoverageKPI, "5", "5", "100.00"}}, app.Rows)
	rev := byChart[ChartAccessReviews]
	require.Empty(t, rev.NoData)
	assert.Equal(t, 2, strings.Count(string(rev.SVG[0]), `class="point"`), "October had no campaign: a gap")
	assert.Equal(t, [][]string{{"2026-09", AccessReviewKPI, "8", "10", "80.00"}, {"2026-11", AccessReviewKPI, "10", "10", "100.00"}}, rev.Rows)
	assert.Equal(t, "q3: 8 / 10", rev.Note)
}

// TestMFAChartReadsThePosturesThreeNumbers: facts carrying the MFA
// posture (strong, enforced, used per directory, as its JSON names them)
// give the chart its three series; a directory with no sign-in log has
// no "used" point, and unknowns are left out of the denominators. Other
// files' KPI lines get their targets and populations by id.
func TestMFAChartReadsThePosturesThreeNumbers(t *testing.T) {
	got := mfaPostureRatios([]byte(`{"month":"2026-11","mfa":{"directories":[
		{"directory":"entra","enabled":10,"strong":7,"weak_only":2,"none":1,"unknown":0,"enforced":9,"enforcement_unknown":0,"used":6,"signed_in":8},
		{"directory":"google","enabled":4,"strong":2,"unknown":2,"enforced":3,"enforcement_unknown":1,"used":0,"log_missing":true}]}}`))
	assert.Equal(t, map[string]map[string]ratioND{
		"entra":  {MFARegisteredStrong: {7, 10}, MFAEnforced: {9, 10}, MFAUsed: {6, 10}},
		"google": {MFARegisteredStrong: {2, 2}, MFAEnforced: {3, 3}},
	}, got)
	assert.Nil(t, mfaPostureRatios([]byte(`{"month":"2026-11"}`)), "a report without the posture")

	// The posture's strong and enforced lines are held against the 98%.
	k := KPI{ID: "mfa_enforced", Numerator: 97, Denominator: 100}
	evaluate(&k)
	assert.Equal(t, "not met", k.Status())
	app := KPI{ID: AppCoverageKPI, Numerator: 3, Denominator: 4}
	evaluate(&app)
	assert.Equal(t, "met", app.Status(), "75%% of apps against 70%%")
	assert.Equal(t, "4 apps in the catalog", app.Population)
	sweep := KPI{ID: "sweep_standing_admins", Numerator: 2, Denominator: 9}
	evaluate(&sweep)
	assert.Equal(t, "not met", sweep.Status(), "two standing principals tenant-wide against 0")
	assert.Contains(t, sweep.Population, "9 principals holding an admin role")
}

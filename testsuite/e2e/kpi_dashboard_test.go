package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestKPIDashboardRendersItsCharts is issue 14's dashboard proof: two
// months of KPIReport runs through the dev server and the worker (the
// second with three leavers in the offboarding log, one past the hour),
// then the second month's HTML opened in headless Chromium. Its charts are
// SVG elements with bars and points, each drawn (its screenshot is not
// blank), the charts without data say so in words, and the page states
// every KPI against its target with the change since last month.
func TestKPIDashboardRendersItsCharts(t *testing.T) {
	// Chromium starts while the stack and the two months run: on a busy
	// machine its start is most of this test's time.
	bctx := emutest.Browser(t, 120*time.Second)
	warm := make(chan error, 1)
	go func() { warm <- chromedp.Do(bctx, chromedp.Navigate("about:blank")) }()
	e := harness.Start(t, harness.EnvOptions{Employees: 12, Joiners: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var ids []string
	for _, emp := range e.Org.Employees {
		ids = append(ids, emp.EmployeeID)
	}
	now := time.Now().UTC()
	month, last := now.Format(contract.MonthLayout), contract.PreviousMonth(now)
	start := time.Now()
	_, err := evidence.RunNow(ctx, e.Client, e.Config, last, evidence.KindKPI, ids)
	require.NoError(t, err)
	t.Logf("last month's report in %s", time.Since(start))

	// Leavers of this month, through the real log writer.
	from, _, err := contract.MonthRange(month)
	require.NoError(t, err)
	log := &activities.Activities{EvidenceDir: e.Config.Evidence.Dir, Logger: zerolog.Nop()}
	for i, d := range []time.Duration{4 * time.Minute, 40 * time.Minute, 90 * time.Minute} {
		eff := from.Add(time.Duration(i+1) * time.Hour)
		_, err := log.AppendOffboardingLog(ctx, contract.OffboardingLogInput{EmployeeID: fmt.Sprintf("E09%02d", i), EffectiveAt: eff, CompletedAt: eff.Add(d),
			SLAMet: d <= time.Hour, WorkflowID: fmt.Sprintf("employee/E09%02d/leaver/1", i), RunID: "run-1"})
		require.NoError(t, err)
	}
	res, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindKPI, ids)
	require.NoError(t, err)
	require.Len(t, res.KPI.CSVs, len(activities.ChartOrder))
	var rep activities.KPIReport
	b, err := os.ReadFile(res.KPI.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	for _, k := range rep.KPIs {
		require.NotNil(t, k.Previous, k.ID)
		assert.Equal(t, last, k.Previous.Month, k.ID)
		assert.NotContains(t, k.Previous.Change, "no report", "%s: last month's report was written", k.ID)
	}
	require.Len(t, rep.History, 1)
	assert.Equal(t, last, rep.History[0].Month)

	t.Logf("this month's report at %s", time.Since(start))
	require.NoError(t, <-warm, "Chromium started")
	require.NoError(t, chromedp.Do(bctx, chromedp.EmulateViewport(1400, 1000), chromedp.Navigate("file://"+res.KPI.HTML)))
	t.Logf("page open at %s", time.Since(start))
	charts, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("svg.chart")].map(s => s.id)`))
	require.NoError(t, err)
	want := []string{"chart-deprovisioning", "chart-standing-admins"}
	for _, d := range e.Config.EnabledDirectories() {
		want = append(want, "chart-mfa-"+d)
	}
	var empty []string // the charts the report says have no data
	for _, c := range rep.Charts {
		if c.NoData != "" {
			empty = append(empty, "nodata-"+c.ID)
		} else if c.ID == activities.ChartAccessReviews || c.ID == activities.ChartAppCoverage {
			want = append(want, "chart-"+c.ID)
		}
	}
	assert.Subset(t, charts, want)
	bars, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-deprovisioning rect.bar[height]:not([height='0'])").length`))
	require.NoError(t, err)
	assert.Equal(t, 3, bars, "three leavers in three buckets: ≤ 5m, ≤ 1h, ≤ 2h")
	points, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll("#chart-standing-admins circle.point").length`))
	require.NoError(t, err)
	assert.Equal(t, 2, points, "last month and this one")
	noData, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("p.nodata")].map(p => p.id + ": " + p.innerText)`))
	require.NoError(t, err)
	require.Len(t, noData, len(empty), "the charts with no data say so in words: %v", noData)
	for i, n := range noData {
		assert.True(t, strings.HasPrefix(n, empty[i]+": No data yet."), n)
	}
	if !slices.ContainsFunc(rep.KPIs, func(k activities.KPI) bool { return k.ID == activities.AppCoverageKPI }) {
		assert.Contains(t, empty, "nodata-"+activities.ChartAppCoverage)
	}
	score, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#scorecard .status")].map(s => s.innerText)`))
	require.NoError(t, err)
	require.Len(t, score, len(activities.GuideTargetOrder))
	appStatus := "not measured" // unless the report has the app-coverage line
	for _, k := range rep.KPIs {
		if k.ID == activities.AppCoverageKPI {
			appStatus = k.Status()
		}
	}
	assert.Equal(t, appStatus, score[0])
	assert.Equal(t, "not met", score[1], "one leaver took 90 minutes")
	assert.Equal(t, "not met", score[4], "no identity-log export this month")
	// The page's KPI lines say what the JSON says, and state a population.
	lines, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#kpis tr[id]")].map(r => r.id + "|" + r.querySelector(".status").innerText + "|" + r.cells[5].innerText)`))
	require.NoError(t, err)
	require.Len(t, lines, len(rep.KPIs))
	for i, k := range rep.KPIs {
		assert.Equal(t, k.ID+"|"+k.Status()+"|"+k.Population, lines[i])
		assert.NotEmpty(t, k.Population, k.ID)
	}

	t.Logf("page checked at %s", time.Since(start))
	// One screenshot of the charts, saved; each chart's box cut out of it.
	shot, err := chromedp.Run(bctx, chromedp.Screenshot(chromedp.CSS("div.charts")))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "kpi-dashboard-charts.png")
	require.NoError(t, os.WriteFile(path, shot, 0o644))
	t.Logf("screenshot %s at %s", path, time.Since(start))
	boxes, err := chromedp.Run(bctx, chromedp.Evaluate[map[string][4]float64](`(() => { const c = document.querySelector("div.charts").getBoundingClientRect();
		return Object.fromEntries([...document.querySelectorAll("svg.chart")].map(s => { const r = s.getBoundingClientRect();
			return [s.id, [r.left - c.left, r.top - c.top, r.width, r.height]]; })); })()`))
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(shot))
	require.NoError(t, err)
	for _, id := range want {
		bx, ok := boxes[id]
		require.True(t, ok, id)
		box := image.Rect(int(bx[0]), int(bx[1]), int(bx[0]+bx[2]), int(bx[1]+bx[3]))
		require.True(t, box.In(img.Bounds()), "%s at %v is inside the %v screenshot", id, box, img.Bounds())
		assert.Greater(t, inkedShare(img, box), 0.01, "%s is drawn, not a blank box", id)
	}
}

// inkedShare is the share of a region's pixels that are not white.
func inkedShare(img image.Image, r image.Rectangle) float64 {
	inked := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if !white(img, x, y) {
				inked++
			}
		}
	}
	return float64(inked) / float64(max(r.Dx()*r.Dy(), 1))
}

func white(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r > 0xf000 && g > 0xf000 && b > 0xf000
}

package activities

import (
	"fmt"
	"html/template"
)

// dashboardPage is what the HTML template renders.
type dashboardPage struct {
	KPIReport
	Score  []scoreLine
	Charts []chart
}

// MeasuredText is the measured value as the page shows it.
func (k KPI) MeasuredText() string {
	if k.Target == nil || k.Measured == nil {
		return ""
	}
	if k.Target.Unit == UnitSeconds {
		return "slowest " + formatMeasure(*k.Measured, UnitSeconds)
	}
	return formatMeasure(*k.Measured, k.Target.Unit)
}

// humanSeconds is a duration as people write it: 45s, 12m, 1h 5m.
func humanSeconds(s int64) string {
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		if s%60 == 0 {
			return fmt.Sprintf("%dm", s/60)
		}
		return fmt.Sprintf("%dm %ds", s/60, s%60)
	case s%3600 == 0:
		return fmt.Sprintf("%dh", s/3600)
	default:
		return fmt.Sprintf("%dh %dm", s/3600, s%3600/60)
	}
}

// Summary is the scorecard in one sentence.
func (p dashboardPage) Summary() string {
	n := map[string]int{}
	for _, l := range p.Score {
		n[l.Status]++
	}
	s := fmt.Sprintf("%d of the guide's %d targets met, %d not met", n["met"], len(p.Score), n["not met"])
	if k := n["not assessed"] + n["not measured"]; k > 0 {
		s += fmt.Sprintf(", %d with nothing to measure yet", k)
	}
	return s + "."
}

// statusClass is the CSS class of a status word.
func statusClass(s string) string {
	switch s {
	case "met", "better":
		return "good"
	case "not met", "worse":
		return "bad"
	}
	return "none"
}

// reportHTML is self-contained (inline style, inline SVG charts, no
// script, no font, no external reference); html/template escapes every
// value, and the charts escape their own labels.
var reportHTML = template.Must(template.New("kpi").Funcs(template.FuncMap{"class": statusClass}).Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Identity KPIs {{.Month}}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222;max-width:1400px}
table{border-collapse:collapse;width:100%;margin-bottom:2rem}
th,td{border:1px solid #ccc;padding:.4rem .6rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
small{color:#666}
.status{font-weight:600;padding:.1rem .4rem;border-radius:.3rem;white-space:nowrap}
.good{color:#1b5e20;background:#e8f5e9}.bad{color:#b71c1c;background:#ffebee}.none{color:#555;background:#eee}
.charts{display:flex;flex-wrap:wrap;gap:1.5rem}
.charts section{border:1px solid #ddd;padding:.6rem;flex:0 0 auto;max-width:640px}
.charts section.wide{max-width:none;flex:1 1 100%}
.charts h3{margin:.2rem 0 .6rem;font-size:1rem}
.nodata{width:600px;padding:1.5rem 0;color:#555;font-style:italic}
</style></head><body>
<h1>Identity KPIs: {{.Month}}</h1>
<p><small>Period {{.Facts.From.Format "2006-01-02T15:04:05Z07:00"}} to {{.Facts.To.Format "2006-01-02T15:04:05Z07:00"}} (end exclusive).
Generated {{.Facts.GeneratedAt.Format "2006-01-02T15:04:05Z07:00"}} by workflow {{.Facts.WorkflowID}} (run {{.Facts.RunID}}).
Population: {{.Facts.Assessment.Employees}} active employees (source: {{.Facts.PopulationSource}}); each KPI states what it counted.</small></p>
<h2>Against the guide's targets</h2>
<p id="summary">{{.Summary}}</p>
<table id="scorecard">
<tr><th>The guide's target</th><th>Status</th><th>Measured by</th></tr>
{{range .Score}}<tr><td>{{.Target.Guide}}</td><td><span class="status {{class .Status}}">{{.Status}}</span></td><td>{{range .KPIs}}{{.Title}}: {{.MeasuredText}} (target {{.Target.Text}}){{with .Previous}}, {{.Change}} since {{.Month}}{{end}}<br>{{else}}no KPI in this report measures it yet{{end}}</td></tr>
{{end}}</table>
<h2>KPIs</h2>
<table id="kpis">
<tr><th>KPI</th><th>Value</th><th>Target</th><th>Status</th><th>Change since last month</th><th>Population counted</th><th>What it means</th><th>Details</th></tr>
{{range .KPIs}}<tr id="{{.ID}}"><td>{{.Title}}</td><td>{{.Value}}{{with .MeasuredText}}<br><small>{{.}}</small>{{end}}</td><td>{{with .Target}}{{.Text}}{{else}}none in the guide{{end}}</td><td><span class="status {{class .Status}}">{{.Status}}</span></td><td>{{with .Previous}}<span class="{{class .Trend}}">{{.Change}}</span>{{if .Value}}<br><small>{{.Month}}: {{.Value}}</small>{{end}}{{end}}</td><td>{{or .Population "not stated by this KPI"}}</td><td>{{.Meaning}}</td><td>{{range .Details}}{{.}}<br>{{end}}</td></tr>
{{end}}</table>
<h2>Charts</h2>
<p><small>Each chart's numbers are in the CSV named under it, beside this page, for Power BI or Looker Studio.</small></p>
<div class="charts">
{{range .Charts}}<section id="section-{{.ID}}"{{if gt (len .SVG) 1}} class="wide"{{end}}><h3>{{.Title}}</h3>
{{if .NoData}}<p class="nodata" id="nodata-{{.ID}}">No data yet. {{.NoData}}</p>{{else}}{{range .SVG}}{{.}}
{{end}}{{end}}{{with .Note}}<p><small>{{.}}</small></p>{{end}}<p><small>Data: {{.CSV}}</small></p></section>
{{end}}</div>
<h2>Earlier reports read</h2>
<p><small>{{range .History}}{{.Month}}: {{if .Problem}}not read: {{.Problem}}{{else}}{{.Report}}{{end}}<br>{{else}}None: this is the first month with a report.{{end}}</small></p>
<h2>Control mapping</h2>
<table>
<tr><th>KPI</th><th>Framework</th><th>Control</th><th>Title</th></tr>
{{range $k := .KPIs}}{{range .Controls}}<tr><td>{{$k.Title}}</td><td>{{.Framework}}</td><td>{{.ID}}</td><td>{{.Title}}</td></tr>
{{end}}{{end}}</table>
</body></html>
`))

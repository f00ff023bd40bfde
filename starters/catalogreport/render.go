package catalogreport

import (
	"encoding/csv"
	"html/template"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the CSV's first row: one row per rule grant, per app and per
// JIT role, the section saying which.
var CSVHeader = []string{"section", "rule", "match", "directory", "kind", "entitlement", "provisioning_mode", "active_employees", "detail", "controls"}

// CSV sections.
const (
	SectionRule   = "rule"
	SectionApp    = "app"
	SectionJIT    = "jit_role"
	SectionUnused = "unused"
)

// escapeCSV neutralises spreadsheet formula injection (a leading = + - @
// tab or CR gets a quote), as the offboarding log does.
func escapeCSV(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// WriteCSV writes the report as CSV.
func WriteCSV(w io.Writer, r Report) error {
	cw := csv.NewWriter(w)
	controls := ""
	for i, c := range r.Controls {
		if i > 0 {
			controls += "; "
		}
		controls += c.Framework + " " + c.ID
	}
	row := func(f ...string) error {
		for i := range f {
			f[i] = escapeCSV(f[i])
		}
		return cw.Write(f)
	}
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	n := strconv.Itoa
	for _, ru := range r.Rules {
		for _, g := range ru.Grants {
			if err := row(SectionRule, ru.Name, ru.Match, g.Directory, g.Kind, g.Entitlement, g.Mode, n(ru.Matching), "", controls); err != nil {
				return err
			}
		}
	}
	for _, a := range r.Apps {
		if err := row(SectionApp, strings.Join(a.Rules, " "), "", "", KindApp, a.App, a.Mode, n(a.Entitled), a.Detail, controls); err != nil {
			return err
		}
	}
	for _, j := range r.JIT {
		detail := j.Policy
		if detail == "" {
			detail = "no elevation policy: not reachable through jml"
		}
		if err := row(SectionJIT, strings.Join(j.Rules, " "), "", j.Directory, KindJIT, j.Role, "", n(j.Eligible), detail, controls); err != nil {
			return err
		}
	}
	for _, u := range r.Unused {
		if err := row(SectionUnused, "", "", u.Directory, u.Kind, u.Entitlement, "", "0", "declared, granted by no rule", controls); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteHTML writes the report as one self-contained page: inline style, no
// script, font, image or link; html/template escapes every value.
func WriteHTML(w io.Writer, r Report) error {
	return page.Execute(w, r)
}

var page = template.Must(template.New("catalog").Funcs(template.FuncMap{
	"join": strings.Join,
	"when": func(t time.Time) string { return t.Format(time.RFC3339) },
	"dir": func(g Grant) string {
		if g.Directory == "" {
			return "app"
		}
		return g.Directory
	},
}).Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Role catalog report</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f2f2f2}
td.n{text-align:right}
.muted{color:#666}
</style></head><body>
<h1>Role catalog report</h1>
<p>Generated {{when .GeneratedAt}}. Population: <b>{{.Population}}</b> active employees ({{.PopulationSource}}).</p>
<h2>Controls</h2>
<table><tr><th>Framework</th><th>ID</th><th>Criterion</th></tr>
{{range .Controls}}<tr><td>{{.Framework}}</td><td>{{.ID}}</td><td>{{.Text}}</td></tr>
{{end}}</table>
<p>Access is granted only by these rules, evaluated on each employee's HR record (department, title, location,
employment type). A rule with no criterion matches nobody. No rule grants a standing admin role: admin roles in the
catalog are eligibility to request a time-bound JIT elevation.</p>
<h2>Rules</h2>
<table id="rules"><tr><th>Rule</th><th>Matches</th><th>Active employees matched</th><th>Grants</th></tr>
{{range .Rules}}<tr><td>{{.Name}}</td><td>{{.Match}}</td><td class="n">{{.Matching}}</td><td>{{range .Grants}}<div>{{dir .}} {{.Kind}}: {{.Entitlement}}{{if .Mode}} <span class="muted">({{.Mode}})</span>{{end}}</div>{{end}}</td></tr>
{{end}}</table>
<h2>Apps by provisioning mode</h2>
<table id="apps"><tr><th>App</th><th>Mode</th><th>Detail</th><th>Granted by</th><th>Active employees entitled</th></tr>
{{range .Apps}}<tr><td>{{.App}}</td><td>{{.Mode}}</td><td>{{.Detail}}</td><td>{{join .Rules ", "}}</td><td class="n">{{.Entitled}}</td></tr>
{{end}}</table>
<h2>Admin roles reachable only through JIT elevation</h2>
<table id="jit"><tr><th>Directory</th><th>Role</th><th>Requestable under</th><th>Active employees eligible</th><th>Elevation policy</th></tr>
{{range .JIT}}<tr><td>{{.Directory}}</td><td>{{.Role}}</td><td>{{if .Rules}}{{join .Rules ", "}}{{else}}<span class="muted">no rule</span>{{end}}</td><td class="n">{{.Eligible}}</td><td>{{if .Policy}}{{.Policy}}{{else}}<span class="muted">no elevation policy: not reachable through jml</span>{{end}}</td></tr>
{{end}}</table>
{{if .Unused}}<h2>Declared, granted by no rule</h2>
<table id="unused"><tr><th>Directory</th><th>Kind</th><th>Entitlement</th></tr>
{{range .Unused}}<tr><td>{{.Directory}}</td><td>{{.Kind}}</td><td>{{.Entitlement}}</td></tr>
{{end}}</table>{{end}}
</body></html>
`))

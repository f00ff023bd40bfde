package activities

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The dashboard's charts are inline SVG written here: no script, no font,
// no external reference, every label escaped, and the same bytes for the
// same numbers (the report is hashed as evidence).

const (
	svgW, svgH                    = 580, 240
	padL, padR, padT, padB        = 48, 16, 18, 46
	plotW, plotH                  = svgW - padL - padR, svgH - padT - padB
	colorGood, colorBad, colorRef = "#2e7d32", "#c62828", "#555"
)

// SeriesColors are the line colours, in series order.
var SeriesColors = []string{"#1565c0", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457"}

func esc(s string) string { return template.HTMLEscapeString(s) }

// num writes a coordinate with one decimal, the same way every time.
func num(v float64) string { return strings.TrimSuffix(fmt.Sprintf("%.1f", v), ".0") }

// svgOpen starts a chart: the id is what the browser test finds.
func svgOpen(b *strings.Builder, id, title string) {
	fmt.Fprintf(b, `<svg id="chart-%s" class="chart" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-label="%s">`,
		esc(id), svgW, svgH, svgW, svgH, esc(title))
	fmt.Fprintf(b, `<title>%s</title><rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`, esc(title), svgW, svgH)
}

// yAxis draws four grid lines from 0 to max with labels in unit.
func yAxis(b *strings.Builder, max float64, unit string) {
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		y := padT + plotH - plotH*float64(i)/4
		fmt.Fprintf(b, `<line x1="%d" y1="%s" x2="%d" y2="%s" stroke="#e0e0e0"/>`, padL, num(y), padL+plotW, num(y))
		fmt.Fprintf(b, `<text x="%d" y="%s" font-size="10" text-anchor="end" fill="#444">%s%s</text>`, padL-4, num(y+3), num(v), esc(unit))
	}
	fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>`, padL, padT+plotH, padL+plotW, padT+plotH)
}

// niceMax rounds a maximum up to a value whose quarters read well.
func niceMax(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 4, 5, 8, 10} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// bar is one bar of a bar chart.
type bar struct {
	Label string
	Value float64
	Color string
}

// barSpec is a vertical bar chart, with an optional vertical reference
// line drawn after bar RefAfter (0-based).
type barSpec struct {
	ID, Title, YUnit string
	Bars             []bar
	RefAfter         int
	RefLabel         string
}

func barChart(s barSpec) template.HTML {
	var b strings.Builder
	svgOpen(&b, s.ID, s.Title)
	max := 0.0
	for _, x := range s.Bars {
		max = math.Max(max, x.Value)
	}
	max = niceMax(max)
	yAxis(&b, max, s.YUnit)
	slot := float64(plotW) / float64(len(s.Bars))
	for i, x := range s.Bars {
		h := plotH * x.Value / max
		bx := padL + slot*float64(i) + slot*0.15
		fmt.Fprintf(&b, `<rect class="bar" x="%s" y="%s" width="%s" height="%s" fill="%s"><title>%s: %s</title></rect>`,
			num(bx), num(padT+plotH-h), num(slot*0.7), num(h), esc(x.Color), esc(x.Label), num(x.Value))
		fmt.Fprintf(&b, `<text x="%s" y="%s" font-size="10" text-anchor="middle" fill="#222">%s</text>`, num(bx+slot*0.35), num(padT+plotH-h-3), num(x.Value))
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="10" text-anchor="middle" fill="#444">%s</text>`, num(bx+slot*0.35), padT+plotH+14, esc(x.Label))
	}
	if s.RefLabel != "" {
		rx := padL + slot*float64(s.RefAfter+1)
		fmt.Fprintf(&b, `<line class="ref" x1="%s" y1="%d" x2="%s" y2="%d" stroke="%s" stroke-width="2" stroke-dasharray="6 4"/>`, num(rx), padT, num(rx), padT+plotH, colorRef)
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="11" fill="%s">%s</text>`, num(rx+4), padT+10, colorRef, esc(s.RefLabel))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203: every value above is escaped or a number
}

// series is one line of a line chart; a nil point is a month with no value.
type series struct {
	Name   string
	Points []*float64
}

// lineSpec is a line chart over months, with an optional horizontal
// reference line (a target).
type lineSpec struct {
	ID, Title, YUnit string
	Label            string // drawn above the plot (a directory's name)
	X                []string
	YMax             float64 // 0: from the data
	Series           []series
	Ref              *float64
	RefLabel         string
}

func lineChart(s lineSpec) template.HTML {
	var b strings.Builder
	svgOpen(&b, s.ID, s.Title)
	max := s.YMax
	if max == 0 {
		for _, sr := range s.Series {
			for _, p := range sr.Points {
				if p != nil {
					max = math.Max(max, *p)
				}
			}
		}
		if s.Ref != nil {
			max = math.Max(max, *s.Ref)
		}
		max = niceMax(max)
	}
	yAxis(&b, max, s.YUnit)
	step := float64(plotW) / float64(max1(len(s.X)))
	xAt := func(i int) float64 { return padL + step*float64(i) + step/2 }
	yAt := func(v float64) float64 { return padT + plotH - plotH*v/max }
	for i, m := range s.X {
		fmt.Fprintf(&b, `<text x="%s" y="%d" font-size="9" text-anchor="middle" fill="#444">%s</text>`, num(xAt(i)), padT+plotH+13, esc(m))
	}
	if s.Label != "" {
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" font-weight="bold" fill="#222">%s</text>`, padL+4, padT-4, esc(s.Label))
	}
	if s.Ref != nil {
		y := yAt(*s.Ref)
		ly := y - 4
		if ly < padT+10 {
			ly = y + 12 // a target near the top is labelled under its line
		}
		fmt.Fprintf(&b, `<line class="ref" x1="%d" y1="%s" x2="%d" y2="%s" stroke="%s" stroke-width="1.5" stroke-dasharray="6 4"/>`, padL, num(y), padL+plotW, num(y), colorRef)
		fmt.Fprintf(&b, `<text x="%d" y="%s" font-size="10" text-anchor="end" fill="%s">%s</text>`, padL+plotW, num(ly), colorRef, esc(s.RefLabel))
	}
	for si, sr := range s.Series {
		c := SeriesColors[si%len(SeriesColors)]
		var pts []string
		flush := func() {
			if len(pts) > 1 {
				fmt.Fprintf(&b, `<polyline class="line" points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), c)
			}
			pts = nil
		}
		for i, p := range sr.Points {
			if p == nil {
				flush() // a gap: the month has no report
				continue
			}
			pts = append(pts, num(xAt(i))+","+num(yAt(*p)))
		}
		flush()
		for i, p := range sr.Points {
			if p != nil {
				fmt.Fprintf(&b, `<circle class="point" cx="%s" cy="%s" r="3.5" fill="%s"><title>%s %s: %s%s</title></circle>`,
					num(xAt(i)), num(yAt(*p)), c, esc(sr.Name), esc(s.X[i]), num(*p), esc(s.YUnit))
			}
		}
		lx := padL + 4 + si*150
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="10" height="10" fill="%s"/><text x="%d" y="%d" font-size="10" fill="#222">%s</text>`,
			lx, svgH-14, c, lx+14, svgH-5, esc(sr.Name))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // #nosec G203: every value above is escaped or a number
}

func max1(n int) int { return max(n, 1) }

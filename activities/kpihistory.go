package activities

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/jml-dev/jml/contract"
)

// TrendMonths is how many months the dashboard's trends show, this one
// included.
const TrendMonths = 12

// HistoryMonth is one earlier month the dashboard looked for.
type HistoryMonth struct {
	Month   string `json:"month"`
	Report  string `json:"report,omitempty"`  // the file read
	Problem string `json:"problem,omitempty"` // why it could not be read
}

// history is the reports of the months before this one, oldest first;
// Reports[i] is nil where a month has none.
type history struct {
	Months  []string     // TrendMonths-1 months before, oldest first
	Reports []*KPIReport // aligned with Months
	Notes   []HistoryMonth
}

// previous is last month's report, or nil.
func (h history) previous() *KPIReport {
	if len(h.Reports) == 0 {
		return nil
	}
	return h.Reports[len(h.Reports)-1]
}

// monthsBefore lists the n months before month, oldest first.
func monthsBefore(month string, n int) ([]string, error) {
	from, _, err := contract.MonthRange(month)
	if err != nil {
		return nil, err
	}
	out := make([]string, n)
	for i := range n {
		out[n-1-i] = from.AddDate(0, -(i + 1), 0).Format(contract.MonthLayout)
	}
	return out, nil
}

// readHistory reads Reports/KPI-YYYY-MM.json of the TrendMonths-1 months
// before month. A missing month is a gap in the trend; a file that is
// not a report is named with its error and is a gap too, so one bad file
// does not stop this month's report.
func readHistory(evidenceDir, month string) (history, error) {
	months, err := monthsBefore(month, TrendMonths-1)
	if err != nil {
		return history{}, err
	}
	h := history{Months: months, Reports: make([]*KPIReport, len(months))}
	for i, m := range months {
		path, _ := KPIReportPaths(evidenceDir, m)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			h.Notes = append(h.Notes, HistoryMonth{Month: m, Problem: err.Error()})
			continue
		}
		var r KPIReport
		if err := json.Unmarshal(b, &r); err != nil || r.Month != m {
			if err == nil {
				err = fmt.Errorf("its month is %q", r.Month)
			}
			h.Notes = append(h.Notes, HistoryMonth{Month: m, Problem: fmt.Sprintf("Reports/KPI-%s.json is not a KPI report of %s: %v", m, m, err)})
			continue
		}
		rebuildMeasures(&r)
		h.Reports[i] = &r
		h.Notes = append(h.Notes, HistoryMonth{Month: m, Report: fmt.Sprintf("Reports/KPI-%s.json", m)})
	}
	return h, nil
}

// rebuildMeasures gives a report written before the dashboard its
// measured values, recomputed from its facts with today's definitions;
// a KPI that carries its own measure keeps it.
func rebuildMeasures(r *KPIReport) {
	re := BuildKPIReport(r.Facts)
	dashboardFields(&re)
	byID := map[string]KPI{}
	for _, k := range re.KPIs {
		byID[k.ID] = k
	}
	for i := range r.KPIs {
		k := &r.KPIs[i]
		if k.Measured != nil {
			continue
		}
		if n, ok := byID[k.ID]; ok {
			k.Target, k.Measured, k.Met = n.Target, n.Measured, n.Met
		}
	}
}

// kpiOf finds a KPI of a report by id.
func kpiOf(r *KPIReport, id string) *KPI {
	if r == nil {
		return nil
	}
	for i := range r.KPIs {
		if r.KPIs[i].ID == id {
			return &r.KPIs[i]
		}
	}
	return nil
}

// applyPrevious fills each KPI's change since last month.
func applyPrevious(r *KPIReport, h history) {
	if len(h.Months) == 0 {
		return
	}
	last := h.Months[len(h.Months)-1]
	prev := h.previous()
	for i := range r.KPIs {
		compare(&r.KPIs[i], last, kpiOf(prev, r.KPIs[i].ID), prev != nil)
	}
}

// shortMonth is a chart's axis label: "Nov 26".
func shortMonth(m string) string {
	t, err := time.Parse(contract.MonthLayout, m)
	if err != nil {
		return m
	}
	return t.Format("Jan 06")
}

package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/jml-dev/jml/contract"
)

// KPI ids.
const (
	KPIProvisioning   = "provisioning_coverage"
	KPIDeprovisioning = "deprovisioning_sla"
	KPIStandingAdmins = "standing_admins"
	KPIMFA            = "mfa_coverage"
	KPIIdentityLogs   = "identity_log_export"
)

// Control is one framework control a KPI gives evidence for.
type Control struct {
	Framework string `json:"framework"` // NIST CSF 2.0 or SOC 2
	ID        string `json:"id"`
	Title     string `json:"title"`
}

func nist(id, title string) Control { return Control{"NIST CSF 2.0", id, title} }
func soc2(id, title string) Control { return Control{"SOC 2", id, title} }

// ControlMapping is the table the report states: which NIST CSF 2.0
// subcategories and SOC 2 criteria each KPI evidences.
var ControlMapping = map[string][]Control{
	KPIProvisioning: {
		nist("PR.AA-01", "Identities and credentials for authorized users are managed"),
		soc2("CC6.1", "Logical access security: identification and authentication of users"),
		soc2("CC6.2", "Users are registered and authorized before credentials are issued"),
	},
	KPIDeprovisioning: {
		nist("PR.AA-05", "Access permissions are managed, enforced and reviewed"),
		soc2("CC6.2", "Credentials are removed when access is no longer authorized"),
		soc2("CC6.3", "Access is modified or removed on role change and termination"),
	},
	KPIStandingAdmins: {
		nist("PR.AA-05", "Access permissions incorporate least privilege"),
		soc2("CC6.1", "Privileged access is restricted"),
		soc2("CC6.3", "Role-based access with least privilege"),
	},
	KPIMFA: {
		nist("PR.AA-03", "Users are authenticated (multi-factor)"),
		nist("PR.AA-01", "Identities and credentials are managed"),
		soc2("CC6.1", "Authentication of users before access"),
	},
	KPIIdentityLogs: {
		nist("DE.CM-03", "Personnel activity and technology usage are monitored"),
		nist("DE.CM-09", "Computing activity is monitored for adverse events"),
		soc2("CC7.2", "System components are monitored for anomalies"),
	},
}

// KPIOrder is the order of the report.
var KPIOrder = []string{KPIProvisioning, KPIDeprovisioning, KPIStandingAdmins, KPIMFA, KPIIdentityLogs}

// KPI is one line of the report.
type KPI struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Meaning     string    `json:"meaning"`
	Value       string    `json:"value"` // as shown
	Numerator   int       `json:"numerator"`
	Denominator int       `json:"denominator"`
	Percent     float64   `json:"percent,omitempty"`
	Details     []string  `json:"details,omitempty"`
	Controls    []Control `json:"controls"`

	// The dashboard's fields, all optional: a KPI func that sets none of
	// them still compiles, and its line says it has no target. Target
	// defaults from GuideTargets by id; Measured (the number held against
	// the target) from Percent or Numerator; Met is nil when nothing was
	// counted; Previous is filled from last month's report.
	Target     *Target   `json:"target,omitempty"`
	Measured   *float64  `json:"measured,omitempty"`
	Met        *bool     `json:"met,omitempty"`
	Population string    `json:"population,omitempty"`
	Previous   *Previous `json:"previous,omitempty"`
}

// KPIReport is Reports/KPI-YYYY-MM.json.
type KPIReport struct {
	Month string            `json:"month"`
	KPIs  []KPI             `json:"kpis"`
	Facts contract.KPIFacts `json:"facts"`
	// Charts are the dashboard's charts, each with its CSV beside the HTML.
	Charts []ChartInfo `json:"charts,omitempty"`
	// History names the earlier reports the trends were read from, and
	// any that could not be read.
	History []HistoryMonth `json:"history,omitempty"`
}

func pct(n, d int) float64 {
	if d == 0 {
		return 0
	}
	return float64(int(float64(n)*10000/float64(d)+0.5)) / 100
}

func ratio(n, d int) string { return fmt.Sprintf("%d / %d (%.2f%%)", n, d, pct(n, d)) }

// BuildKPIReport turns the facts into the KPIs, each with its controls.
func BuildKPIReport(f contract.KPIFacts) KPIReport {
	as := f.Assessment
	r := KPIReport{Month: f.Month, Facts: f}
	prov := KPI{ID: KPIProvisioning, Title: "Provisioning coverage",
		Meaning:   "Active HR employees with an enabled account in every enabled directory.",
		Numerator: as.EnabledInAll, Denominator: as.Employees}
	mfa := KPI{ID: KPIMFA, Title: "MFA coverage",
		Meaning:   "Active employees with a strong MFA method enrolled in every directory where their account is enabled (SMS, voice and email do not count).",
		Numerator: as.MFAInAll, Denominator: as.Employees}
	for _, d := range as.Directories {
		prov.Details = append(prov.Details, fmt.Sprintf("%s: %s enabled", d.Directory, ratio(d.Enabled, as.Employees)))
		line := fmt.Sprintf("%s: %s of enabled accounts", d.Directory, ratio(d.MFAEnrolled, d.Enabled-d.MFAUnknown))
		if d.MFAUnknown > 0 {
			line += fmt.Sprintf(", %d not reported by the directory", d.MFAUnknown)
		}
		mfa.Details = append(mfa.Details, line)
	}
	o := f.Offboarding
	deprov := KPI{ID: KPIDeprovisioning, Title: "Deprovisioning SLA",
		Meaning:   "Leavers of the month (offboarding log) whose access was removed within the leaver SLA; p50/p95 time from effective time to completion.",
		Numerator: o.Met, Denominator: o.Leavers,
		Details: []string{fmt.Sprintf("met %d, breached %d", o.Met, o.Breached),
			fmt.Sprintf("p50 %ds, p95 %ds, max %ds", o.P50Seconds, o.P95Seconds, o.MaxSeconds)}}
	people := map[string]bool{}
	admins := KPI{ID: KPIStandingAdmins, Title: "Standing admins",
		Meaning: "People holding an admin role with no expiry in any directory, outside an active JIT elevation. Target: 0."}
	for _, s := range as.StandingAdmins {
		people[s.EmployeeID] = true
		admins.Details = append(admins.Details, fmt.Sprintf("%s: %s in %s", s.EmployeeID, s.Role, s.Directory))
	}
	admins.Numerator, admins.Denominator = len(people), as.Employees
	admins.Value = fmt.Sprintf("%d people (%d role assignments)", len(people), len(as.StandingAdmins))
	lg := f.IdentityLogs
	logs := KPI{ID: KPIIdentityLogs, Title: "Identity-log export",
		Meaning:   "The month's sign-in and audit events of every enabled directory are exported, with a manifest whose SHA-256 hashes match the files.",
		Numerator: lg.TotalEvents, Value: "missing"}
	if lg.Present {
		logs.Value = fmt.Sprintf("%d events from %d directories, verified: %t", lg.TotalEvents, len(lg.Directories), lg.Verified)
	}
	if lg.Problem != "" {
		logs.Details = append(logs.Details, lg.Problem)
	}
	for _, k := range []*KPI{&prov, &deprov, &mfa} {
		k.Percent = pct(k.Numerator, k.Denominator)
		k.Value = ratio(k.Numerator, k.Denominator)
	}
	byID := map[string]KPI{KPIProvisioning: prov, KPIDeprovisioning: deprov, KPIStandingAdmins: admins, KPIMFA: mfa, KPIIdentityLogs: logs}
	for _, id := range KPIOrder {
		k := byID[id]
		k.Controls = ControlMapping[id]
		r.KPIs = append(r.KPIs, k)
		if id == KPIMFA {
			r.KPIs = append(r.KPIs, mfaKPIs(f)...)
		}
		if id == KPIStandingAdmins {
			if pk, ok := privilegedKPI(f); ok {
				r.KPIs = append(r.KPIs, pk)
			}
			r.KPIs = append(r.KPIs, sweepKPIs(f)...)
		}
	}
	if rk, ok := reviewKPI(f); ok { // activities/review_evidence.go
		r.KPIs = append(r.KPIs, rk)
	}
	if k, ok := appCoverageKPI(f); ok { // activities/appcoverage.go
		r.KPIs = append(r.KPIs, k)
	}
	return r
}

// KPIReportPaths are Reports/KPI-YYYY-MM.json and .html.
func KPIReportPaths(evidenceDir, month string) (string, string) {
	base := filepath.Join(evidenceDir, ReportsDir, "KPI-"+month)
	return base + ".json", base + ".html"
}

// WriteKPIReport writes the JSON and the self-contained HTML report.
func (a *Activities) WriteKPIReport(_ context.Context, f contract.KPIFacts) (contract.KPIReportResult, error) {
	if a.EvidenceDir == "" {
		return contract.KPIReportResult{}, badInput("evidence directory is not configured")
	}
	if _, _, err := contract.MonthRange(f.Month); err != nil {
		return contract.KPIReportResult{}, badInput(err.Error())
	}
	if f.Sweep == nil {
		f.Sweep = a.latestSweep(f.Month)
	}
	if f.Reviews == nil {
		rf, err := ReadReviewFacts(a.EvidenceDir, f.From, f.To)
		if err != nil {
			return contract.KPIReportResult{}, temporalError(err)
		}
		f.Reviews = rf
	}
	if f.Apps == nil {
		f.Apps = a.AppModes // the catalog as this worker is configured
	}
	r := BuildKPIReport(f)
	hist, err := readHistory(a.EvidenceDir, f.Month)
	if err != nil {
		return contract.KPIReportResult{}, badInput(err.Error())
	}
	charts := buildDashboard(&r, hist)
	jsonPath, htmlPath := KPIReportPaths(a.EvidenceDir, f.Month)
	if err := os.MkdirAll(filepath.Dir(jsonPath), 0o750); err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	res := contract.KPIReportResult{Month: f.Month, JSON: jsonPath, HTML: htmlPath}
	for _, c := range charts {
		p := ChartCSVPath(a.EvidenceDir, f.Month, c.ID)
		if err := writeAtomic(p, chartCSV(c)); err != nil {
			return contract.KPIReportResult{}, temporalError(err)
		}
		res.CSVs = append(res.CSVs, p)
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	if err := writeAtomic(jsonPath, append(b, '\n')); err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	var h bytes.Buffer
	if err := reportHTML.Execute(&h, dashboardPage{KPIReport: r, Score: scorecard(&r), Charts: charts}); err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	if err := writeAtomic(htmlPath, h.Bytes()); err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	if err := a.SealFiles(f.Month, append([]string{jsonPath, htmlPath}, res.CSVs...)...); err != nil {
		return contract.KPIReportResult{}, temporalError(err)
	}
	a.Logger.Info().Str("month", f.Month).Str("json", jsonPath).Msg("KPI report written")
	return res, nil
}

package contract

// Evidence on autopilot: the monthly identity-log export and the monthly
// KPI report. Both are keyed by the month they cover ("2026-11"), which is
// all their workflow ids carry.

import (
	"fmt"
	"time"
)

// Evidence workflow types.
const (
	IdentityLogExportWorkflowName = "IdentityLogExport"
	KPIReportWorkflowName         = "KPIReport"
)

// MonthLayout is how a month is written: "2026-11".
const MonthLayout = "2006-01"

// Evidence activities (directory reads and file writes: long, heartbeating).
var (
	ExportIdentityLog        = Activity[ExportLogInput, LogFile]{Name: "ExportIdentityLog", Options: EvidenceOptions}
	WriteIdentityLogManifest = Activity[LogManifestInput, IdentityLogResult]{Name: "WriteIdentityLogManifest", Options: EvidenceOptions}
	ReadIdentityLogManifest  = Activity[MonthInput, LogManifestSummary]{Name: "ReadIdentityLogManifest", Options: EvidenceOptions}
	ListActiveEmployees      = Activity[Empty, PopulationOutput]{Name: "ListActiveEmployees", Options: EvidenceOptions}
	ListActiveElevations     = Activity[Empty, []ActiveElevation]{Name: "ListActiveElevations", Options: EvidenceOptions}
	AssessEmployees          = Activity[AssessInput, AssessOutput]{Name: "AssessEmployees", Options: EvidenceOptions}
	SummariseOffboarding     = Activity[MonthInput, OffboardingSummary]{Name: "SummariseOffboarding", Options: EvidenceOptions}
	WriteKPIReport           = Activity[KPIFacts, KPIReportResult]{Name: "WriteKPIReport", Options: EvidenceOptions}
)

// IdentityLogExportWorkflowID is "evidence/identity-logs/2026-11".
func IdentityLogExportWorkflowID(month string) string { return "evidence/identity-logs/" + month }

// KPIReportWorkflowID is "evidence/kpi/2026-11".
func KPIReportWorkflowID(month string) string { return "evidence/kpi/" + month }

// MonthRange parses "2026-11" into [first instant, first instant of the
// next month) in UTC.
func MonthRange(month string) (time.Time, time.Time, error) {
	from, err := time.Parse(MonthLayout, month)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("month %q: want YYYY-MM, e.g. 2026-11", month)
	}
	return from.UTC(), from.AddDate(0, 1, 0).UTC(), nil
}

// PreviousMonth is the month before the one t falls in (UTC).
func PreviousMonth(t time.Time) string {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0).Format(MonthLayout)
}

// ElevationRoleRef is a requestable role as configured: where it is granted.
type ElevationRoleRef struct {
	Directory string `json:"directory"`
	Role      string `json:"role"`
}

// EvidenceInput starts IdentityLogExport and KPIReport. The starter fills
// it from the configuration; Month empty means "the month before the
// scheduled time" (the monthly schedule).
type EvidenceInput struct {
	Month       string   `json:"month,omitempty"`
	Directories []string `json:"directories"` // enabled directories
	// KPI only. Employees, when set, is the population; else the active
	// Employee workflows (visibility) are.
	Employees []string `json:"employees,omitempty"`
	// ElevationRoles maps elevation.roles[].name to its directory and role,
	// so an admin role held through an active elevation is not "standing".
	ElevationRoles map[string]ElevationRoleRef `json:"elevation_roles,omitempty"`
	// LogRetentionDays is how long each directory keeps its sign-in and
	// audit logs (evidence.log_retention_days and its defaults): the
	// capture's horizon.
	LogRetentionDays map[string]int `json:"log_retention_days,omitempty"`
	// Posture (KPI only): the baseline and service accounts for the MFA
	// lines (contract/posture.go); nil in runs started before it existed.
	Posture *PostureInput `json:"posture,omitempty"`
}

// ---- identity-log export ----

// ExportLogInput exports one directory's events of [From, To).
type ExportLogInput struct {
	Directory string    `json:"directory"`
	Month     string    `json:"month"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
}

// LogFile is one exported file as the manifest records it.
type LogFile struct {
	Directory string `json:"directory"`
	File      string `json:"file"` // relative to the month folder
	Events    int    `json:"events"`
	Bytes     int64  `json:"bytes"`
	SHA256    string `json:"sha256"`
	Error     string `json:"error,omitempty"` // the export failed: no file
	// NotCollected says why a directory with no sign-in log API has no
	// file (AD: the DCs' Security event logs belong to your SIEM).
	NotCollected string `json:"not_collected,omitempty"`
	// Missing are the month's ranges the capture never covered (past the
	// directory's retention horizon before it got there).
	Missing []TimeRange `json:"missing,omitempty"`
}

// LogRun is what an identity-log manifest is of and by: the month
// [From, To) and the run that wrote it. The export's manifest input, the
// capture's seal input and the manifest itself start with it (embedded,
// so their JSON keeps its flat fields).
type LogRun struct {
	Month       string    `json:"month"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	WorkflowID  string    `json:"workflow_id"`
	RunID       string    `json:"run_id"`
	GeneratedAt time.Time `json:"generated_at"`
}

// UTC is the run with its times in UTC, as a manifest records them.
func (r LogRun) UTC() LogRun {
	r.From, r.To, r.GeneratedAt = r.From.UTC(), r.To.UTC(), r.GeneratedAt.UTC()
	return r
}

// LogManifestInput writes manifest.json of one month.
type LogManifestInput struct {
	LogRun
	Files []LogFile `json:"files"`
}

// IdentityLogResult is what IdentityLogExport returns.
type IdentityLogResult struct {
	Month       string    `json:"month"`
	Folder      string    `json:"folder"`
	Manifest    string    `json:"manifest"`
	Files       []LogFile `json:"files"`
	TotalEvents int       `json:"total_events"`
}

// ---- KPI report ----

// PopulationOutput is the employees the KPIs are computed over.
type PopulationOutput struct {
	EmployeeIDs []string `json:"employee_ids"`
	Source      string   `json:"source"` // input or visibility
}

// ActiveElevation is one granted elevation (employee id and role name).
type ActiveElevation struct {
	EmployeeID string `json:"employee_id"`
	RoleName   string `json:"role_name"`
}

// AssessInput checks a batch of employees in every directory.
type AssessInput struct {
	Directories []string `json:"directories"`
	EmployeeIDs []string `json:"employee_ids"`
	// Elevated: directory and role held through an active elevation, by employee.
	Elevated map[string][]ElevationRoleRef `json:"elevated,omitempty"`
}

// DirectoryFacts are the counts of one directory over a batch.
type DirectoryFacts struct {
	Directory     string `json:"directory"`
	Accounts      int    `json:"accounts"` // found
	Enabled       int    `json:"enabled"`
	MFAEnrolled   int    `json:"mfa_enrolled"` // of the enabled accounts
	MFAUnknown    int    `json:"mfa_unknown"`  // the directory cannot tell
	StandingRoles int    `json:"standing_roles"`
	ElevatedRoles int    `json:"elevated_roles"`
	TimeBound     int    `json:"time_bound_roles"`
}

// StandingAdmin is one person holding an admin role without an end.
type StandingAdmin struct {
	EmployeeID string `json:"employee_id"`
	Directory  string `json:"directory"`
	Role       string `json:"role"`
}

// AssessOutput is what a batch found.
type AssessOutput struct {
	Employees      int              `json:"employees"`
	EnabledInAll   int              `json:"enabled_in_all"`
	MFAInAll       int              `json:"mfa_in_all"` // enrolled wherever they have an enabled account
	Directories    []DirectoryFacts `json:"directories"`
	StandingAdmins []StandingAdmin  `json:"standing_admins,omitempty"`
}

// OffboardingSummary is the deprovisioning SLA of a month, from the
// offboarding log (rows whose effective time falls in the month).
type OffboardingSummary struct {
	Leavers    int   `json:"leavers"`
	Met        int   `json:"met"`
	Breached   int   `json:"breached"`
	P50Seconds int64 `json:"p50_seconds"`
	P95Seconds int64 `json:"p95_seconds"`
	MaxSeconds int64 `json:"max_seconds"`
	// WithinHour is the leavers done within the guide's 1-hour target,
	// whatever the configured SLA; Buckets is the distribution the
	// dashboard charts (empty when there were no leavers).
	WithinHour int              `json:"within_hour"`
	Buckets    []DurationBucket `json:"buckets,omitempty"`
}

// DurationBucket counts the leavers whose time to deprovision is in
// (the previous bucket's UpToSeconds, UpToSeconds]; 0 is unbounded.
type DurationBucket struct {
	UpToSeconds int64 `json:"up_to_seconds"`
	Leavers     int   `json:"leavers"`
}

// MonthInput names a month.
type MonthInput struct {
	Month string `json:"month"`
}

// LogManifestSummary is the month's identity-log export as found on disk.
type LogManifestSummary struct {
	Present     bool     `json:"present"`
	Verified    bool     `json:"verified"` // every file's SHA-256 matches the manifest
	Directories []string `json:"directories,omitempty"`
	TotalEvents int      `json:"total_events"`
	Problem     string   `json:"problem,omitempty"`
}

// KPIFacts is everything the report is built from.
type KPIFacts struct {
	Month            string             `json:"month"`
	From             time.Time          `json:"from"`
	To               time.Time          `json:"to"`
	WorkflowID       string             `json:"workflow_id"`
	RunID            string             `json:"run_id"`
	GeneratedAt      time.Time          `json:"generated_at"`
	PopulationSource string             `json:"population_source"`
	Assessment       AssessOutput       `json:"assessment"`
	Offboarding      OffboardingSummary `json:"offboarding"`
	IdentityLogs     LogManifestSummary `json:"identity_logs"`
	// Privileged is the directories' privileged groups (AD); nil in
	// reports written before it was read.
	Privileged *PrivilegedOutput `json:"privileged,omitempty"`
	// Sweep is the month's latest privilege sweep (tenant-wide admins);
	// nil when none ran.
	Sweep *SweepSummary `json:"sweep,omitempty"`
	// Reviews are the access-review campaigns completed in the month
	// (read from Reviews/*/summary.json by WriteKPIReport).
	Reviews *ReviewFacts `json:"reviews,omitempty"`
	// Apps is the catalog's apps by provisioning mode (the app coverage
	// KPI); nil in reports written before it was read.
	Apps []AppModeEntry `json:"apps,omitempty"`
	// MFA is registered / enforced / used MFA, blind spots and the
	// baseline (activities/kpi_mfa.go); nil in reports written before.
	MFA *MFAPosture `json:"mfa,omitempty"`
}

// KPIReportResult is what KPIReport returns.
type KPIReportResult struct {
	Month string `json:"month"`
	JSON  string `json:"json"`
	HTML  string `json:"html"`
	// CSVs are the dashboard's chart data, one file per chart beside the HTML.
	CSVs []string `json:"csvs,omitempty"`
}

// MergeAssessments adds b's counts to a's, directory by directory.
func MergeAssessments(a, b AssessOutput) AssessOutput {
	a.Employees += b.Employees
	a.EnabledInAll += b.EnabledInAll
	a.MFAInAll += b.MFAInAll
	a.StandingAdmins = append(a.StandingAdmins, b.StandingAdmins...)
	for _, d := range b.Directories {
		found := false
		for i := range a.Directories {
			if a.Directories[i].Directory == d.Directory {
				x := &a.Directories[i]
				x.Accounts += d.Accounts
				x.Enabled += d.Enabled
				x.MFAEnrolled += d.MFAEnrolled
				x.MFAUnknown += d.MFAUnknown
				x.StandingRoles += d.StandingRoles
				x.ElevatedRoles += d.ElevatedRoles
				x.TimeBound += d.TimeBound
				found = true
			}
		}
		if !found {
			a.Directories = append(a.Directories, d)
		}
	}
	return a
}

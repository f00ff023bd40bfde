package contract

// Retention-safe log capture: a daily IdentityLogCapture appends each
// directory's new sign-in and audit events to the month's files from a
// cursor kept in the evidence folder, before the directory's retention
// horizon drops them; the monthly IdentityLogExport then catches up and
// only seals the month.

import "time"

// IdentityLogCaptureWorkflowName is the daily capture's workflow type.
const IdentityLogCaptureWorkflowName = "IdentityLogCapture"

// IdentityLogCaptureWorkflowID is the capture's id: one at a time, the
// schedule skips a run while the last is still going.
const IdentityLogCaptureWorkflowID = "evidence/identity-log-capture"

// Capture activities.
var (
	CaptureIdentityLog   = Activity[CaptureInput, CaptureResult]{Name: "CaptureIdentityLog", Options: EvidenceOptions}
	SealIdentityLogMonth = Activity[SealLogInput, IdentityLogResult]{Name: "SealIdentityLogMonth", Options: EvidenceOptions}
	SealEvidenceMonth    = Activity[MonthInput, SealEvidenceResult]{Name: "SealEvidenceMonth", Options: EvidenceOptions}
)

// TimeRange is [From, To) in UTC.
type TimeRange struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// CaptureInput captures one directory's events from its cursor up to Until.
type CaptureInput struct {
	Directory string `json:"directory"`
	// RetentionDays is how long the directory keeps its logs; what is older
	// than Until minus this cannot be read any more.
	RetentionDays int       `json:"retention_days"`
	Until         time.Time `json:"until"`
}

// CaptureResult is what one capture appended.
type CaptureResult struct {
	Directory string `json:"directory"`
	// Read is the range asked of the directory this time.
	Read      TimeRange `json:"read"`
	Appended  int       `json:"appended"`   // new events written
	Duplicate int       `json:"duplicates"` // already in the month's file
	// Lost is a range the cursor could not reach before the horizon (the
	// directory no longer holds it), this time.
	Lost         *TimeRange `json:"lost,omitempty"`
	Months       []string   `json:"months,omitempty"` // files appended to
	NotCollected string     `json:"not_collected,omitempty"`
}

// SealLogInput seals one month's identity logs: every directory's file,
// the ranges its cursor never covered, and the manifest.
type SealLogInput struct {
	LogRun
	// CapturedUntil is where this run's catch-up stopped: the month is
	// judged up to it (zero: GeneratedAt).
	CapturedUntil time.Time `json:"captured_until,omitempty"`
	// Captures are this run's catch-up results, one per directory; Error
	// set when it failed.
	Captures []CaptureOutcome `json:"captures"`
}

// CaptureOutcome is a directory's catch-up before the seal.
type CaptureOutcome struct {
	Directory    string `json:"directory"`
	NotCollected string `json:"not_collected,omitempty"`
	Error        string `json:"error,omitempty"`
}

// SealEvidenceResult lists what the month's generic manifest gained.
type SealEvidenceResult struct {
	Month    string   `json:"month"`
	Manifest string   `json:"manifest"`
	Sealed   []string `json:"sealed"`
}

// IdentityLogCaptureResult is what the daily capture returns.
type IdentityLogCaptureResult struct {
	Captures []CaptureResult `json:"captures"`
	Failed   []string        `json:"failed,omitempty"`
}

package activities

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/contract"
	"go.temporal.io/sdk/activity"
)

// OffboardingLogPath is the leaver evidence file under the evidence directory.
const OffboardingLogPath = "Governance/Offboarding_Log.csv"

// OffboardingLogHeader is the CSV header, written once. Columns are only
// ever appended: a file started by an older version keeps its header, and
// a column it does not name is at this position.
var OffboardingLogHeader = []string{
	"employee_id", "effective_at", "completed_at", "duration_seconds", "sla_met",
	"results", "actions", "operator_decisions", "workflow_id", "run_id",
	"outcome", "preempted", "held", "manual_apps",
}

// The identity of a row (workflow and run id) and the appended columns.
const (
	colWorkflowID = 8
	colRunID      = 9
	colOutcome    = 10
)

// Outcomes of a leaver run (outcome column).
const (
	OutcomeOffboarded = "offboarded"
	OutcomeNoAccounts = "no_accounts" // nothing anywhere to offboard
)

// offboardingMu serialises writers in this process; flock serialises
// processes (two workers on one evidence volume).
var offboardingMu sync.Mutex

// AppendOffboardingLog writes one row per leaver run. A retried activity
// finds its row (workflow id + run id) and writes nothing.
func (a *Activities) AppendOffboardingLog(ctx context.Context, in contract.OffboardingLogInput) (contract.OffboardingLogOutput, error) {
	if in.WorkflowID == "" && activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		in.WorkflowID, in.RunID = info.WorkflowExecution.ID, info.WorkflowExecution.RunID
	}
	if in.EmployeeID == "" || in.WorkflowID == "" {
		return contract.OffboardingLogOutput{}, badInput("employee id and workflow id are required for the offboarding log")
	}
	if a.EvidenceDir == "" {
		return contract.OffboardingLogOutput{}, badInput("evidence directory is not configured")
	}
	path := filepath.Join(a.EvidenceDir, OffboardingLogPath)
	appended, err := appendOffboardingRow(path, offboardingRow(in))
	if err != nil {
		return contract.OffboardingLogOutput{}, temporalError(err)
	}
	a.Logger.Info().Str("employee_id", in.EmployeeID).Bool("appended", appended).Msg("offboarding log")
	return contract.OffboardingLogOutput{Path: path, Appended: appended}, nil
}

func offboardingRow(in contract.OffboardingLogInput) []string {
	var results, actions, decisions []string
	for _, d := range in.Directories {
		r := d.Directory + "=" + string(d.Result)
		if d.Verified {
			r += " (verified)"
		}
		if len(d.Skipped) > 0 {
			r += " skipped:" + strings.Join(d.Skipped, "+")
		}
		results = append(results, r)
		var acts []string
		for _, a := range d.Actions {
			s := a.Step
			if a.Target != "" {
				s += " " + a.Target
			}
			acts = append(acts, s+": "+a.Outcome)
		}
		actions = append(actions, d.Directory+": "+strings.Join(acts, ", "))
	}
	for _, d := range in.Decisions {
		decisions = append(decisions, fmt.Sprintf("%s %s %s by %s at %s", d.Directory, d.Step, d.Action, d.Operator, d.At.UTC().Format(time.RFC3339)))
	}
	dur := in.CompletedAt.Sub(in.EffectiveAt)
	if dur < 0 {
		dur = 0 // finished before the effective time (e.g. an immediate leaver recorded with a later date)
	}
	outcome := OutcomeOffboarded
	if in.NoAccounts {
		// Nothing to disable: no time to offboard, no SLA to miss.
		outcome, dur, in.SLAMet = OutcomeNoAccounts, 0, true
	}
	return []string{
		in.EmployeeID,
		in.EffectiveAt.UTC().Format(time.RFC3339),
		in.CompletedAt.UTC().Format(time.RFC3339),
		fmt.Sprintf("%d", int64(dur/time.Second)),
		fmt.Sprintf("%t", in.SLAMet),
		strings.Join(results, "; "),
		strings.Join(actions, " | "),
		strings.Join(decisions, "; "),
		in.WorkflowID,
		in.RunID,
		outcome,
		in.Preempted,
		in.Held,
		manualAppsColumn(in.ManualApps), // activities/apptask_row.go
	}
}

// EscapeCSVField neutralises spreadsheet formula injection: a field a
// spreadsheet would evaluate (leading = + - @ tab CR) gets a leading quote.
func EscapeCSVField(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// readOffboardingRows reads the log; rows may be wider than the header of
// a file an older version started.
func readOffboardingRows(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return cr.ReadAll()
}

// appendOffboardingRow appends row unless a row with the same workflow and
// run id is there; the header goes in when the file has no row yet. O_APPEND plus
// fsync: a row is on disk when the activity reports success.
func appendOffboardingRow(path string, row []string) (bool, error) {
	return appendKeyedRow(path, OffboardingLogHeader, row, colWorkflowID, colRunID)
}

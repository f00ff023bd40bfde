package activities

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/okta"
	"github.com/jml-dev/jml/manifest"
)

// Evidence folders under the evidence directory (IAM guide, section 6).
const (
	IdentityLogsDir = "IdentityLogs" // IdentityLogs/YYYY/MM/<directory>.jsonl + manifest.json
	ReportsDir      = "Reports"      // Reports/KPI-YYYY-MM.json and .html
	ManifestFile    = "manifest.json"
)

// Visibility is the part of the Temporal client the KPI report needs to
// find the active employees and elevations (client.Client has it).
type Visibility interface {
	ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
}

// IdentityLogFolder is <evidence>/IdentityLogs/YYYY/MM of a month.
func IdentityLogFolder(evidenceDir, month string) (string, error) {
	from, _, err := contract.MonthRange(month)
	if err != nil {
		return "", err
	}
	return filepath.Join(evidenceDir, IdentityLogsDir, from.Format("2006"), from.Format("01")), nil
}

// exportedEvent is one line of <directory>.jsonl.
type exportedEvent struct {
	Directory string         `json:"directory"`
	ID        string         `json:"id"`
	Time      time.Time      `json:"time"`
	Actor     string         `json:"actor,omitempty"`
	Action    string         `json:"action"`
	Result    string         `json:"result,omitempty"`
	App       string         `json:"app,omitempty"`
	IP        string         `json:"ip,omitempty"`
	Raw       map[string]any `json:"raw,omitempty"`
}

// exportProgress is the heartbeat of an export: how far the attempt got.
type exportProgress struct {
	Events int       `json:"events"`
	Last   time.Time `json:"last"`
}

// ExportIdentityLog writes one directory's events of the month to
// <month folder>/<directory>.jsonl. Each attempt writes a temp file of its
// own and renames it over the old file when complete, so a reader never
// sees a half file and a re-run rewrites the month atomically. A retry
// restarts the file from the start of the month: directories page their
// logs by opaque cursors that expire, so resuming from a cursor is not
// reliable, and a month of events is bounded.
func (a *Activities) ExportIdentityLog(ctx context.Context, in contract.ExportLogInput) (contract.LogFile, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.LogFile{}, err
	}
	folder, err := a.logFolder(in.Month)
	if err != nil {
		return contract.LogFile{}, err
	}
	sl, ok := d.(directory.SignInLogReader)
	if !ok {
		// Not a failure of the export: the directory keeps no sign-in log
		// an API can read (AD's are the domain controllers' Security event
		// logs). The manifest says so instead of holding an empty file.
		return contract.LogFile{Directory: in.Directory, NotCollected: notCollected(in.Directory)}, nil
	}
	if activity.IsActivity(ctx) && activity.HasHeartbeatDetails(ctx) {
		var prev exportProgress
		if activity.GetHeartbeatDetails(ctx, &prev) == nil {
			a.Logger.Info().Str("directory", in.Directory).Str("month", in.Month).Int("previous_events", prev.Events).Msg("identity-log export restarts the file")
		}
	}
	name := in.Directory + ".jsonl"
	final := filepath.Join(folder, name)
	tmp, err := os.CreateTemp(folder, "."+name+".tmp-*")
	if err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	defer os.Remove(tmp.Name()) // gone after the rename; a failed attempt leaves nothing
	defer tmp.Close()
	h := sha256.New()
	w := bufio.NewWriter(io.MultiWriter(tmp, h))
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var p exportProgress
	err = sl.SignInEvents(ctx, in.From, in.To, func(ev domain.AuditEvent) error {
		if err := enc.Encode(exportedEvent{Directory: in.Directory, ID: ev.ID, Time: ev.Time.UTC(), Actor: ev.Actor, Action: ev.Action,
			Result: ev.Result, App: ev.App, IP: ev.IP, Raw: ev.Raw}); err != nil {
			return err
		}
		p.Events++
		p.Last = ev.Time
		if p.Events%500 == 0 {
			heartbeat(ctx, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	if err := w.Flush(); err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	if err := tmp.Sync(); err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	st, err := tmp.Stat()
	if err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	if err := tmp.Close(); err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return contract.LogFile{}, temporalError(err)
	}
	heartbeat(ctx, p)
	a.Logger.Info().Str("directory", in.Directory).Str("month", in.Month).Int("events", p.Events).Msg("identity log exported")
	return contract.LogFile{Directory: in.Directory, File: name, Events: p.Events, Bytes: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func (a *Activities) logFolder(month string) (string, error) {
	if a.EvidenceDir == "" {
		return "", badInput("evidence directory is not configured")
	}
	folder, err := IdentityLogFolder(a.EvidenceDir, month)
	if err != nil {
		return "", badInput(err.Error())
	}
	if err := os.MkdirAll(folder, 0o750); err != nil {
		return "", temporalError(err)
	}
	return folder, nil
}

// LogManifest is manifest.json: what an auditor checks the files against.
type LogManifest struct {
	contract.LogRun
	Complete    bool               `json:"complete"` // every directory exported
	TotalEvents int                `json:"total_events"`
	Files       []contract.LogFile `json:"files"`
	HashAlgo    string             `json:"hash_algorithm"`
	// Missing is every range a directory's capture never covered (it was
	// past the retention horizon when capture reached it); complete is
	// false when there is one. Months sealed by the capture only.
	Missing []MissingRange `json:"missing,omitempty"`
	// EvidenceManifest is the Manifests/YYYY-MM.json this month's files
	// are sealed into (months sealed by the capture).
	EvidenceManifest string     `json:"evidence_manifest,omitempty"`
	ResealedAt       *time.Time `json:"resealed_at,omitempty"`
}

// MissingRange is a directory's range of a month that no capture holds.
type MissingRange struct {
	Directory string    `json:"directory"`
	From      time.Time `json:"from"`
	To        time.Time `json:"to"`
	Reason    string    `json:"reason"`
}

// WriteIdentityLogManifest writes manifest.json of the month (atomically).
func (a *Activities) WriteIdentityLogManifest(ctx context.Context, in contract.LogManifestInput) (contract.IdentityLogResult, error) {
	folder, err := a.logFolder(in.Month)
	if err != nil {
		return contract.IdentityLogResult{}, err
	}
	m := LogManifest{LogRun: in.LogRun.UTC(), Complete: true, Files: in.Files, HashAlgo: "SHA-256"}
	for _, f := range in.Files {
		m.TotalEvents += f.Events
		if f.Error != "" {
			m.Complete = false
		}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return contract.IdentityLogResult{}, temporalError(err)
	}
	path := filepath.Join(folder, ManifestFile)
	if err := writeAtomic(path, append(b, '\n')); err != nil {
		return contract.IdentityLogResult{}, temporalError(err)
	}
	return contract.IdentityLogResult{Month: in.Month, Folder: folder, Manifest: path, Files: in.Files, TotalEvents: m.TotalEvents}, nil
}

// ReadIdentityLogManifest reads the month's manifest and checks every
// file against its SHA-256, for the KPI report's monitoring line.
func (a *Activities) ReadIdentityLogManifest(_ context.Context, in contract.MonthInput) (contract.LogManifestSummary, error) {
	if a.EvidenceDir == "" {
		return contract.LogManifestSummary{}, badInput("evidence directory is not configured")
	}
	folder, err := IdentityLogFolder(a.EvidenceDir, in.Month)
	if err != nil {
		return contract.LogManifestSummary{}, badInput(err.Error())
	}
	b, err := os.ReadFile(filepath.Join(folder, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return contract.LogManifestSummary{Problem: "no identity-log export for this month"}, nil
	}
	if err != nil {
		return contract.LogManifestSummary{}, temporalError(err)
	}
	var m LogManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return contract.LogManifestSummary{Present: true, Problem: "manifest.json is not valid JSON"}, nil
	}
	out := contract.LogManifestSummary{Present: true, Verified: m.Complete, TotalEvents: m.TotalEvents}
	if !m.Complete {
		out.Problem = "the export is incomplete"
		if len(m.Missing) > 0 {
			out.Problem += ": " + missingText(m.Missing)
		}
	}
	for _, f := range m.Files {
		out.Directories = append(out.Directories, f.Directory)
		if f.Error != "" || f.NotCollected != "" {
			continue
		}
		sum, err := FileSHA256(filepath.Join(folder, f.File))
		if err != nil || sum != f.SHA256 {
			out.Verified = false
			out.Problem = f.File + ": SHA-256 does not match the manifest"
		}
	}
	return out, nil
}

// FileSHA256 is the hex SHA-256 of a file.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeAtomic writes a temp file in the same folder, fsyncs, and renames:
// the evidence writers share the manifest package's one implementation.
func writeAtomic(path string, b []byte) error { return manifest.WriteAtomic(path, b) }

// ---- KPI facts ----

// listWorkflows pages a visibility query.
func (a *Activities) listWorkflows(ctx context.Context, query string, fn func(id string, sa map[string]string)) error {
	if a.Visibility == nil {
		return badInput("no Temporal client for visibility: give the report an employee list")
	}
	var token []byte
	dc := converter.GetDefaultDataConverter()
	for {
		resp, err := a.Visibility.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: a.Namespace, Query: query, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return temporalError(err)
		}
		for _, ex := range resp.GetExecutions() {
			sa := map[string]string{}
			for k, p := range ex.GetSearchAttributes().GetIndexedFields() {
				var s string
				if dc.FromPayload(p, &s) == nil {
					sa[k] = s
				}
			}
			fn(ex.GetExecution().GetWorkflowId(), sa)
		}
		heartbeat(ctx)
		if token = resp.GetNextPageToken(); len(token) == 0 {
			return nil
		}
	}
}

// ListActiveEmployees is the KPI population: every running Employee
// workflow whose LifecycleStatus is active, i.e. jml's view of HR.
func (a *Activities) ListActiveEmployees(ctx context.Context, _ contract.Empty) (contract.PopulationOutput, error) {
	out := contract.PopulationOutput{Source: "visibility", EmployeeIDs: []string{}}
	q := fmt.Sprintf(`WorkflowType = %q AND ExecutionStatus = "Running" AND %s = %q`, contract.EmployeeWorkflowName, contract.LifecycleStatusKey.GetName(), domain.StatusActive)
	err := a.listWorkflows(ctx, q, func(id string, _ map[string]string) {
		if e, ok := strings.CutPrefix(id, contract.EmployeeWorkflowID("")); ok && !strings.Contains(e, "/") {
			out.EmployeeIDs = append(out.EmployeeIDs, e)
		}
	})
	slices.Sort(out.EmployeeIDs)
	out.EmployeeIDs = slices.Compact(out.EmployeeIDs)
	return out, err
}

// ListActiveElevations lists granted JIT elevations (employee id, role name).
func (a *Activities) ListActiveElevations(ctx context.Context, _ contract.Empty) ([]contract.ActiveElevation, error) {
	out := []contract.ActiveElevation{}
	if a.Visibility == nil {
		return out, nil // no client (a test rig): nobody is elevated
	}
	q := fmt.Sprintf(`WorkflowType = %q AND ExecutionStatus = "Running" AND %s = %q`, contract.ElevationWorkflowName, contract.ElevationStatusKey.GetName(), domain.ElevationActive)
	err := a.listWorkflows(ctx, q, func(_ string, sa map[string]string) {
		if sa[contract.EmployeeIDKey.GetName()] != "" {
			out = append(out, contract.ActiveElevation{EmployeeID: sa[contract.EmployeeIDKey.GetName()], RoleName: sa[contract.ElevationRoleKey.GetName()]})
		}
	})
	return out, err
}

// roleMatches compares a configured role name with a directory's
// assignment (Okta answers with its role type, USER_ADMIN).
func roleMatches(configured, held string) bool {
	if strings.EqualFold(configured, held) {
		return true
	}
	t, ok := okta.RoleType(configured)
	return ok && t == held
}

// AssessEmployees looks each employee up in every directory: an enabled
// account, MFA enrolment, and admin roles (standing when the directory
// holds them without an end and no active elevation explains them).
func (a *Activities) AssessEmployees(ctx context.Context, in contract.AssessInput) (contract.AssessOutput, error) {
	out := contract.AssessOutput{}
	facts := make([]contract.DirectoryFacts, len(in.Directories))
	for i, name := range in.Directories {
		if _, err := a.dir(name); err != nil {
			return out, err
		}
		facts[i].Directory = name
	}
	for _, id := range in.EmployeeIDs {
		heartbeat(ctx, id)
		out.Employees++
		enabledAll, mfaAll, enabledAny := true, true, false
		for i, name := range in.Directories {
			d := a.Directories[name]
			f := &facts[i]
			acct, err := d.FindUser(ctx, id, "")
			if directory.IsNotFound(err) {
				enabledAll = false
				continue
			}
			if err != nil {
				return out, temporalError(err)
			}
			f.Accounts++
			if acct.Enabled {
				f.Enabled++
				enabledAny = true
				if mr, ok := d.(directory.MFAReader); ok {
					m, err := mr.MFAStatus(ctx, acct.ID)
					if err != nil {
						return out, temporalError(err)
					}
					if m.Enrolled {
						f.MFAEnrolled++
					} else {
						mfaAll = false
					}
				} else {
					f.MFAUnknown++
				}
			} else {
				enabledAll = false
			}
			rm, ok := d.(directory.AdminRoleManager)
			if !ok {
				continue
			}
			roles, err := rm.ListAdminRoles(ctx, acct.ID)
			if err != nil {
				return out, temporalError(err)
			}
			for _, r := range roles {
				switch {
				case !r.ExpiresAt.IsZero():
					f.TimeBound++
				case slices.ContainsFunc(in.Elevated[id], func(e contract.ElevationRoleRef) bool {
					return e.Directory == name && roleMatches(e.Role, r.Role)
				}):
					f.ElevatedRoles++
				default:
					f.StandingRoles++
					out.StandingAdmins = append(out.StandingAdmins, contract.StandingAdmin{EmployeeID: id, Directory: name, Role: r.Role})
				}
			}
		}
		if enabledAll && len(in.Directories) > 0 {
			out.EnabledInAll++
		}
		if enabledAny && mfaAll {
			out.MFAInAll++
		}
	}
	out.Directories = facts
	return out, nil
}

// SummariseOffboarding reads Governance/Offboarding_Log.csv and summarises
// the leavers whose effective time falls in the month.
func (a *Activities) SummariseOffboarding(_ context.Context, in contract.MonthInput) (contract.OffboardingSummary, error) {
	if a.EvidenceDir == "" {
		return contract.OffboardingSummary{}, badInput("evidence directory is not configured")
	}
	from, to, err := contract.MonthRange(in.Month)
	if err != nil {
		return contract.OffboardingSummary{}, badInput(err.Error())
	}
	f, err := os.Open(filepath.Join(a.EvidenceDir, OffboardingLogPath))
	if errors.Is(err, os.ErrNotExist) {
		return contract.OffboardingSummary{}, nil
	}
	if err != nil {
		return contract.OffboardingSummary{}, temporalError(err)
	}
	defer f.Close()
	offboardingMu.Lock() // a consistent read against this process's writers
	rows, err := readOffboardingRows(f)
	offboardingMu.Unlock()
	if err != nil {
		return contract.OffboardingSummary{}, temporalError(fmt.Errorf("offboarding log is not valid CSV: %w", err))
	}
	return SummariseOffboardingRows(rows, from, to)
}

// SummariseOffboardingRows computes the SLA summary of the log's rows
// (header first) whose effective time is in [from, to).
func SummariseOffboardingRows(rows [][]string, from, to time.Time) (contract.OffboardingSummary, error) {
	var out contract.OffboardingSummary
	if len(rows) == 0 {
		return out, nil
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, need := range []string{"effective_at", "duration_seconds", "sla_met"} {
		if _, ok := col[need]; !ok {
			return out, badInput("offboarding log has no column " + need)
		}
	}
	if _, ok := col["outcome"]; !ok && len(rows[0]) <= colOutcome {
		col["outcome"] = colOutcome // appended after this file's header was written
	}
	var durations []int64
	for _, r := range rows[1:] {
		if len(r) < len(rows[0]) {
			continue
		}
		if i, ok := col["outcome"]; ok && i < len(r) && unescapeCSVField(r[i]) == OutcomeNoAccounts {
			continue // nobody to deprovision: not a leaver of the SLA
		}
		at, err := time.Parse(time.RFC3339, unescapeCSVField(r[col["effective_at"]]))
		if err != nil || at.Before(from) || !at.Before(to) {
			continue
		}
		sec, err := strconv.ParseInt(unescapeCSVField(r[col["duration_seconds"]]), 10, 64)
		if err != nil {
			continue
		}
		out.Leavers++
		if unescapeCSVField(r[col["sla_met"]]) == "true" {
			out.Met++
		} else {
			out.Breached++
		}
		durations = append(durations, sec)
	}
	if len(durations) > 0 {
		slices.Sort(durations)
		out.P50Seconds = Percentile(durations, 50)
		out.P95Seconds = Percentile(durations, 95)
		out.MaxSeconds = durations[len(durations)-1]
		out.WithinHour, out.Buckets = DeprovisioningBuckets(durations)
	}
	return out, nil
}

// Percentile is the nearest-rank percentile of sorted values.
func Percentile(sorted []int64, p int) int64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// unescapeCSVField undoes EscapeCSVField's leading quote.
func unescapeCSVField(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(s[1])) {
		return s[1:]
	}
	return s
}

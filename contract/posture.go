package contract

// Sign-in posture: the daily policy snapshot with its drift alert, and the
// MFA numbers, blind spots and baseline the monthly KPI report adds.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jml-dev/jml/domain"
)

// PostureSnapshotWorkflowName is the daily policy snapshot.
const PostureSnapshotWorkflowName = "PostureSnapshot"

// PostureSnapshotWorkflowID is "posture/policies/2026-11-30".
func PostureSnapshotWorkflowID(date string) string { return "posture/policies/" + date }

// Posture activities.
var (
	SnapshotPolicies = Activity[SnapshotPoliciesInput, PolicySnapshotResult]{Name: "SnapshotPolicies", Options: EvidenceOptions}
	ReadPosture      = Activity[ReadPostureInput, PostureRead]{Name: "ReadPosture", Options: EvidenceOptions}
	AssessMFA        = Activity[AssessMFAInput, MFAPosture]{Name: "AssessMFA", Options: EvidenceOptions}
	WriteActionPlan  = Activity[ActionPlanInput, ActionPlanResult]{Name: "WriteActionPlan", Options: EvidenceOptions}
)

// ServiceAccountRef is a declared service account (governance.service_accounts).
type ServiceAccountRef struct {
	Directory string `json:"directory"`
	Account   string `json:"account"`
	Owner     string `json:"owner"`
}

// PostureInput starts PostureSnapshot and rides in EvidenceInput for the
// KPI report. Date empty means the day the workflow runs (UTC).
type PostureInput struct {
	Date            string              `json:"date,omitempty"`
	Directories     []string            `json:"directories"`
	Baseline        domain.Baseline     `json:"baseline"`
	ServiceAccounts []ServiceAccountRef `json:"service_accounts,omitempty"`
	SecurityChannel string              `json:"security_channel,omitempty"`
}

// SnapshotPoliciesInput snapshots one directory's policies on a day.
type SnapshotPoliciesInput struct {
	Directory string `json:"directory"`
	Date      string `json:"date"`
}

// PolicySnapshotResult is one directory's snapshot and its drift.
type PolicySnapshotResult struct {
	Directory string `json:"directory"`
	File      string `json:"file,omitempty"` // relative to the evidence directory
	SHA256    string `json:"sha256,omitempty"`
	Policies  int    `json:"policies"`
	// Previous is the snapshot diffed against; empty on the first one.
	Previous string                `json:"previous,omitempty"`
	Changes  []domain.PolicyChange `json:"changes,omitempty"`
	// PreviousTampered: the previous file no longer matches its .sha256.
	PreviousTampered bool `json:"previous_tampered,omitempty"`
	// NotSupported says why a directory has no snapshot (no policy API).
	NotSupported string `json:"not_supported,omitempty"`
}

// PostureResult is what PostureSnapshot returns.
type PostureResult struct {
	Date        string                 `json:"date"`
	Directories []PolicySnapshotResult `json:"directories"`
	Changes     int                    `json:"changes"`
	Alerted     bool                   `json:"alerted"`
}

// ReadPostureInput reads the month's posture facts that do not depend on
// the population: policies, baseline, exported sign-ins, service accounts.
type ReadPostureInput struct {
	Month   string       `json:"month"`
	Posture PostureInput `json:"posture"`
}

// AssessMFAInput counts a batch of employees' MFA in every directory.
type AssessMFAInput struct {
	Directories []string                       `json:"directories"`
	EmployeeIDs []string                       `json:"employee_ids"`
	Policies    map[string][]domain.AuthPolicy `json:"policies,omitempty"` // by directory, from ReadPosture
	// UsedMFA and SignedIn are account ids and logins (lower case) seen in
	// the month's exported sign-ins, by directory; a directory absent from
	// SignedIn had no exported log.
	UsedMFA  map[string][]string `json:"used_mfa,omitempty"`
	SignedIn map[string][]string `json:"signed_in,omitempty"`
}

// MFADirectory is one directory's three numbers over enabled accounts.
type MFADirectory struct {
	Directory string `json:"directory"`
	Enabled   int    `json:"enabled"`
	Strong    int    `json:"strong"`    // a strong method registered
	WeakOnly  int    `json:"weak_only"` // only SMS, voice or email
	None      int    `json:"none"`
	Unknown   int    `json:"unknown"` // the directory reports no methods
	Enforced  int    `json:"enforced"`
	// EnforcedPerUser of Enforced: by the account's own per-user MFA
	// (Entra), read only for accounts no policy covers. PerUserRead counts
	// those reads, PerUserEnabled the accounts still "enabled" (MFA, and
	// registration if needed, at their next sign-in).
	EnforcedPerUser int `json:"enforced_per_user,omitempty"`
	PerUserEnabled  int `json:"per_user_enabled,omitempty"`
	PerUserRead     int `json:"per_user_read,omitempty"`
	// EnforcementUnknown: the directory has no policy API jml reads.
	EnforcementUnknown int `json:"enforcement_unknown"`
	Used               int `json:"used"`      // signed in with MFA this month
	SignedIn           int `json:"signed_in"` // signed in at all this month
	// LogMissing: no exported sign-in log for the month.
	LogMissing bool `json:"log_missing,omitempty"`
	// NotEnforced and WeakOnlyIDs name employees (ids) for follow-up.
	NotEnforced []string `json:"not_enforced,omitempty"`
	WeakOnlyIDs []string `json:"weak_only_ids,omitempty"`
}

// LegacySignIn is a sign-in through a legacy protocol (a blind spot: no MFA
// can be asked for).
type LegacySignIn struct {
	Directory string `json:"directory"`
	Actor     string `json:"actor"`
	ClientApp string `json:"client_app"`
	Time      string `json:"time"`
}

// ServiceAccountMFA is a declared service account's MFA state.
type ServiceAccountMFA struct {
	Directory string `json:"directory"`
	Account   string `json:"account"`
	Owner     string `json:"owner"`
	Found     bool   `json:"found"`
	MFA       bool   `json:"mfa"`
	Detail    string `json:"detail"`
}

// MFAPosture is KPIFacts.MFA: the three numbers, blind spots and baseline.
type MFAPosture struct {
	Employees     int                    `json:"employees"`
	StrongInAll   int                    `json:"strong_in_all"`
	EnforcedInAll int                    `json:"enforced_in_all"`
	UsedInAll     int                    `json:"used_in_all"`
	Directories   []MFADirectory         `json:"directories"`
	Legacy        []LegacySignIn         `json:"legacy_sign_ins,omitempty"`
	LegacyTotal   int                    `json:"legacy_total"`
	Service       []ServiceAccountMFA    `json:"service_accounts,omitempty"`
	Controls      []domain.ControlResult `json:"controls,omitempty"`
	ActionPlan    string                 `json:"action_plan,omitempty"` // relative to the evidence directory
}

// PostureRead is what ReadPosture found: the population-free facts, and
// what the AssessMFA batches need (policies, who used MFA, who signed in).
type PostureRead struct {
	Posture  MFAPosture                     `json:"posture"`
	Policies map[string][]domain.AuthPolicy `json:"policies,omitempty"`
	UsedMFA  map[string][]string            `json:"used_mfa,omitempty"`
	SignedIn map[string][]string            `json:"signed_in,omitempty"`
}

// ActionPlanInput writes Posture/YYYY/MM/action-plan.csv.
type ActionPlanInput struct {
	Month   string     `json:"month"`
	Posture MFAPosture `json:"posture"`
}

// ActionPlanResult is the plan written and every row of it.
type ActionPlanResult struct {
	File     string                 `json:"file"`
	SHA256   string                 `json:"sha256"`
	Controls []domain.ControlResult `json:"controls"`
}

// MergeMFA adds a batch's counts to a's, directory by directory.
func MergeMFA(a, b MFAPosture) MFAPosture {
	a.Employees += b.Employees
	a.StrongInAll += b.StrongInAll
	a.EnforcedInAll += b.EnforcedInAll
	a.UsedInAll += b.UsedInAll
	for _, d := range b.Directories {
		i := -1
		for j := range a.Directories {
			if a.Directories[j].Directory == d.Directory {
				i = j
			}
		}
		if i < 0 {
			a.Directories = append(a.Directories, d)
			continue
		}
		x := &a.Directories[i]
		x.Enabled += d.Enabled
		x.Strong += d.Strong
		x.WeakOnly += d.WeakOnly
		x.None += d.None
		x.Unknown += d.Unknown
		x.Enforced += d.Enforced
		x.EnforcedPerUser += d.EnforcedPerUser
		x.PerUserEnabled += d.PerUserEnabled
		x.PerUserRead += d.PerUserRead
		x.EnforcementUnknown += d.EnforcementUnknown
		x.Used += d.Used
		x.SignedIn += d.SignedIn
		x.LogMissing = x.LogMissing || d.LogMissing
		x.NotEnforced = append(x.NotEnforced, d.NotEnforced...)
		x.WeakOnlyIDs = append(x.WeakOnlyIDs, d.WeakOnlyIDs...)
	}
	return a
}

// PostureAlertText is the security channel's drift message.
func PostureAlertText(date string, rs []PolicySnapshotResult) string {
	var b strings.Builder
	b.WriteString(fmt.Sprintf(":rotating_light: Sign-in policy drift on %s\n", date))
	for _, r := range rs {
		if len(r.Changes) == 0 && !r.PreviousTampered {
			continue
		}
		b.WriteString(fmt.Sprintf("*%s* (%d changes since %s):\n", r.Directory, len(r.Changes), r.Previous))
		cs := r.Changes
		if len(cs) > 40 {
			cs = cs[:40]
		}
		b.WriteString(domain.DiffText(cs))
		if n := len(r.Changes) - len(cs); n > 0 {
			b.WriteString(fmt.Sprintf("… and %d more in %s\n", n, r.File))
		}
		if r.PreviousTampered {
			b.WriteString(fmt.Sprintf("The previous snapshot %s no longer matches its SHA-256.\n", r.Previous))
		}
	}
	b.WriteString("Evidence: " + strings.Join(slices.DeleteFunc(files(rs), func(s string) bool { return s == "" }), ", "))
	return b.String()
}

func files(rs []PolicySnapshotResult) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.File)
	}
	return out
}

package contract

// The privilege sweep: every holder of an admin role in every directory,
// classified, and every account joined to the HR records jml holds. Its
// ids carry only the date and opaque hashes.

import (
	"fmt"
	"time"
)

// Sweep workflow types.
const (
	PrivilegeSweepWorkflowName = "PrivilegeSweep"
	StandingAdminWorkflowName  = "SweepStandingAdmin"
	UnknownAdminWorkflowName   = "SweepUnknownAdmin"
	OrphanAccountWorkflowName  = "SweepOrphanAccount"
)

// DateLayout is how a day is written in ids and paths: "2026-12-02"
// (a sweep's date, a posture snapshot's day).
const DateLayout = "2006-01-02"

// PrivilegeSweepWorkflowID is "sweep/2026-12-02".
func PrivilegeSweepWorkflowID(date string) string { return "sweep/" + date }

// SweepChildID is "sweep/standing/<key>": key is an opaque hash of the
// directory, principal and role (SweepHolder.Key). It carries no date, so
// a remediation still in its grace period (or a kept orphan) is not
// started twice by the next day's sweep.
func SweepChildID(kind, key string) string { return fmt.Sprintf("sweep/%s/%s", kind, key) }

// Sweep classes of an admin holder.
const (
	SweepJIT            = "jit"             // an HR employee inside an active JIT elevation: fine
	SweepStanding       = "standing"        // an HR employee holding it outside JIT: notice, grace, removal
	SweepBreakGlass     = "break_glass"     // declared break-glass: kept, its last sign-in recorded
	SweepServiceAccount = "service_account" // declared with an accountable owner: kept
	SweepUnknown        = "unknown"         // nobody answers for it: escalated
)

// Orphan reasons.
const (
	OrphanNoHROwner         = "no_hr_owner"        // no employee id, not declared
	OrphanTerminatedEnabled = "terminated_enabled" // HR says terminated, the account is enabled
)

// Sweep activities.
var (
	SweepInventory     = Activity[SweepInventoryInput, SweepInventoryOutput]{Name: "SweepInventory", Options: EvidenceOptions}
	WriteSweepEvidence = Activity[SweepFacts, SweepEvidence]{Name: "WriteSweepEvidence", Options: EvidenceOptions}
	DeleteAccount      = Activity[AccountInput, StepOutput]{Name: "DeleteAccount", Options: DirectoryOptions}
)

// SweepDeclared is a declared break-glass or service account.
type SweepDeclared struct {
	Directory string `json:"directory"`
	Account   string `json:"account"` // login, or a service principal's app id / object id
	Owner     string `json:"owner,omitempty"`
}

// SweepPolicy is the sweep's configuration (config sweep: and governance:).
type SweepPolicy struct {
	Grace           time.Duration `json:"grace"`          // standing admin: notice to removal
	EscalationSLA   time.Duration `json:"escalation_sla"` // unknown holder: security's deadline
	OrphanGrace     time.Duration `json:"orphan_grace"`   // orphan: notice to disable
	DeleteAfter     time.Duration `json:"delete_after"`   // orphan: disable to delete; 0 never
	MaxKeep         time.Duration `json:"max_keep"`       // the longest "keep" a sponsor may sign
	SecurityChannel string        `json:"security_channel,omitempty"`
	// Owners names the HR employee who answers for each directory's
	// accounts (orphan notices).
	Owners map[string]string `json:"owners,omitempty"`
	// Remediate false only lists and notifies: no child workflow removes
	// or disables anything.
	Remediate bool `json:"remediate"`
	// SecurityApprovers are the HR employee ids who may decide in Slack
	// on unknown admins, and on orphans beside the directory's owner.
	SecurityApprovers []string `json:"security_approvers,omitempty"`
}

// SweepInput starts PrivilegeSweep. Date empty means the scheduled day.
type SweepInput struct {
	Date            string                      `json:"date,omitempty"`
	Directories     []string                    `json:"directories"`
	Apps            []string                    `json:"apps,omitempty"` // SCIM apps joined to HR
	ElevationRoles  map[string]ElevationRoleRef `json:"elevation_roles,omitempty"`
	BreakGlass      []SweepDeclared             `json:"break_glass,omitempty"`
	ServiceAccounts []SweepDeclared             `json:"service_accounts,omitempty"`
	Policy          SweepPolicy                 `json:"policy"`
}

// SweepInventoryInput is what the inventory reads and classifies against.
type SweepInventoryInput struct {
	Date            string                        `json:"date"`
	Directories     []string                      `json:"directories"`
	Apps            []string                      `json:"apps,omitempty"`
	Elevated        map[string][]ElevationRoleRef `json:"elevated,omitempty"` // employee id -> roles held through JIT
	ElevationRoles  map[string]ElevationRoleRef   `json:"elevation_roles,omitempty"`
	BreakGlass      []SweepDeclared               `json:"break_glass,omitempty"`
	ServiceAccounts []SweepDeclared               `json:"service_accounts,omitempty"`
	HR              map[string]string             `json:"hr"` // HRPopulation.Status
}

// SweepHolder is one admin-role assignment and its class.
type SweepHolder struct {
	Key         string    `json:"key"` // hash of directory, principal and role
	Directory   string    `json:"directory"`
	Role        string    `json:"role"`
	PrincipalID string    `json:"principal_id"`
	Kind        string    `json:"kind"` // user, guest, service_principal, group
	Login       string    `json:"login,omitempty"`
	EmployeeID  string    `json:"employee_id,omitempty"`
	Enabled     bool      `json:"enabled"`
	Permanent   bool      `json:"permanent"`
	Until       time.Time `json:"until,omitzero"`
	Class       string    `json:"class"`
	Owner       string    `json:"owner,omitempty"`          // a service account's owner
	Manager     string    `json:"manager,omitempty"`        // a standing employee's HR manager
	Elevation   string    `json:"elevation_role,omitempty"` // the JIT role to request instead
	LastSignIn  time.Time `json:"last_sign_in,omitzero"`    // break-glass evidence
	Note        string    `json:"note,omitempty"`
}

// SweepOrphan is an account no HR record answers for.
type SweepOrphan struct {
	Key        string `json:"key"`
	Directory  string `json:"directory"` // a directory, or scim:<app>
	AccountID  string `json:"account_id"`
	Login      string `json:"login,omitempty"`
	EmployeeID string `json:"employee_id,omitempty"`
	Enabled    bool   `json:"enabled"`
	Reason     string `json:"reason"`
	// KeptUntil and Sponsor: a keep signed in Slack holds it (the sweep
	// decisions log); the sweep starts no child for it until then.
	KeptUntil time.Time `json:"kept_until,omitzero"`
	Sponsor   string    `json:"sponsor,omitempty"`
}

// SweepDirectory counts what one directory held.
type SweepDirectory struct {
	Directory string `json:"directory"`
	Holders   int    `json:"holders"`            // admin-role assignments read
	Accounts  int    `json:"accounts"`           // user accounts joined to HR
	Unmatched int    `json:"unmatched"`          // employee ids jml holds no HR record of
	Error     string `json:"error,omitempty"`    // could not be read (the error's class)
	NoAdmins  bool   `json:"no_admin_api"`       // the client cannot list admin holders
	NoList    bool   `json:"no_account_listing"` // the client cannot list accounts
}

// SweepInventoryOutput is the classified inventory.
type SweepInventoryOutput struct {
	Holders     []SweepHolder    `json:"holders"`
	Orphans     []SweepOrphan    `json:"orphans"`
	Directories []SweepDirectory `json:"directories"`
	HRRecords   int              `json:"hr_records"` // HR records jml holds (the join's other side)
	Warnings    []string         `json:"warnings,omitempty"`
}

// SweepOutcome is what a child workflow did with one finding.
type SweepOutcome struct {
	Key     string `json:"key"`
	Kind    string `json:"kind"` // standing, unknown, orphan
	Outcome string `json:"outcome"`
	Detail  string `json:"detail,omitempty"`
	// Decision is the decision signed in Slack (or sent by an operator),
	// Refusals the presses of anyone else (sweepdecide.go).
	Decision *SweepDecision  `json:"decision,omitempty"`
	Refusals []SweepDecision `json:"refusals,omitempty"`
}

// SweepFacts is everything the evidence file records.
type SweepFacts struct {
	Date        string               `json:"date"`
	WorkflowID  string               `json:"workflow_id"`
	RunID       string               `json:"run_id"`
	GeneratedAt time.Time            `json:"generated_at"`
	Inventory   SweepInventoryOutput `json:"inventory"`
	Outcomes    []SweepOutcome       `json:"outcomes,omitempty"`
	KPI         SweepKPI             `json:"kpi"`
}

// SweepKPI is the sweep's two numbers, tenant-wide.
type SweepKPI struct {
	// StandingOutsideJIT counts distinct principals holding an admin role
	// outside JIT and outside the break-glass list (standing employees,
	// unknown holders; declared service accounts apart). Target 0.
	StandingOutsideJIT int `json:"standing_outside_jit"`
	// Population is every distinct principal holding an admin role in the
	// directories read: the number above is out of it.
	Population int `json:"population"`
	// GlobalAdmins counts Entra Global Administrators (break-glass
	// included); ScubaGear MS.AAD.7.1 wants 2 to 8.
	GlobalAdmins   int  `json:"global_admins"`
	GlobalAdminsOK bool `json:"global_admins_ok"`
	BreakGlass     int  `json:"break_glass"`
	Orphans        int  `json:"orphans"`
}

// SweepEvidence is where the sweep's result was written.
type SweepEvidence struct {
	Path   string `json:"path"`   // relative to the evidence folder
	SHA256 string `json:"sha256"` // of the file at Path
}

// SweepResult is what PrivilegeSweep returns.
type SweepResult struct {
	Date     string         `json:"date"`
	KPI      SweepKPI       `json:"kpi"`
	Evidence SweepEvidence  `json:"evidence"`
	Children []string       `json:"children,omitempty"` // child workflow ids started
	Outcomes []SweepOutcome `json:"outcomes,omitempty"`
}

// StandingAdminInput starts one standing admin's remediation.
type StandingAdminInput struct {
	Date   string      `json:"date"`
	Holder SweepHolder `json:"holder"`
	Policy SweepPolicy `json:"policy"`
}

// OrphanInput starts one orphan account's remediation.
type OrphanInput struct {
	Date   string      `json:"date"`
	Orphan SweepOrphan `json:"orphan"`
	Policy SweepPolicy `json:"policy"`
}

// UpdateKeep is the update that keeps an orphan account: a sponsor signs
// for it until an expiry date.
const UpdateKeep = "keep"

// KeepDecision is the keep update's payload.
type KeepDecision struct {
	Sponsor string    `json:"sponsor"` // the HR employee id who answers for it
	Expires time.Time `json:"expires"`
	Reason  string    `json:"reason,omitempty"`
	By      Actor     `json:"by"` // who signed it (Slack user)
}

// More sweep activities.
var (
	ListHRPopulation     = Activity[Empty, HRPopulation]{Name: "ListHRPopulation", Options: EvidenceOptions}
	DisableOrphanAccount = Activity[AccountInput, StepOutput]{Name: "DisableOrphanAccount", Options: DirectoryOptions}
)

// HRPopulation is every HR record jml holds (an Employee workflow, running
// or closed): employee id -> lifecycle status.
type HRPopulation struct {
	Status map[string]string `json:"status"`
	Source string            `json:"source"`
}

// ComputeSweepKPI counts the sweep's KPI from its inventory: distinct
// principals per directory, so one account holding three roles counts once.
func ComputeSweepKPI(inv SweepInventoryOutput) SweepKPI {
	var k SweepKPI
	all, outside, bg := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, h := range inv.Holders {
		p := h.Directory + "/" + h.PrincipalID
		all[p] = true
		switch h.Class {
		case SweepStanding, SweepUnknown:
			outside[p] = true
		case SweepBreakGlass:
			bg[p] = true
		}
		if h.Directory == "entra" && h.Role == "Global Administrator" {
			k.GlobalAdmins++
		}
	}
	k.Population, k.StandingOutsideJIT, k.BreakGlass, k.Orphans = len(all), len(outside), len(bg), len(inv.Orphans)
	k.GlobalAdminsOK = k.GlobalAdmins >= 2 && k.GlobalAdmins <= 8
	return k
}

// UpdateAcknowledge is the update security sends to own an unknown
// holder's escalation.
const UpdateAcknowledge = "acknowledge"

// Acknowledgement is the acknowledge update's payload.
type Acknowledgement struct {
	By   Actor  `json:"by"`
	Note string `json:"note,omitempty"`
}

// SweepSummary is the month's latest sweep as the KPI report shows it.
type SweepSummary struct {
	Date string   `json:"date"`
	Path string   `json:"path"` // its evidence file, relative to the evidence folder
	KPI  SweepKPI `json:"kpi"`
}

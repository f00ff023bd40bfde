// Package contract is what the worker, the starters, the workflows and the
// activities share, one file per workflow family: the task queue, workflow
// names and ID helpers, signal/update/query names, input and output structs,
// and every activity once as a typed handle (activity.go). It imports only
// the SDK and domain.
//
// IDs, search attributes and memo are not encrypted by the payload codec, so
// they carry only opaque ids, never an email or a name.
package contract

import (
	"fmt"
	"time"

	"github.com/jml-dev/jml/domain"
)

// TaskQueue is the default task queue (config temporal.task_queue overrides).
const TaskQueue = "jml"

// Workflow type names.
const (
	EmployeeWorkflowName = "Employee"
	JoinerWorkflowName   = "Joiner"
	MoverWorkflowName    = "Mover"
	LeaverWorkflowName   = "Leaver"
	RehireWorkflowName   = "Rehire"
)

// Signal, update and query names.
const (
	// SignalHRRecord carries an HRRecordInput, fire-and-forget (signal-with-start).
	SignalHRRecord = "hr-record"
	// UpdateApplyHRRecord carries an HRRecordInput and returns the
	// ApplyHRRecordResult (update-with-start friendly).
	UpdateApplyHRRecord = "apply-hr-record"
	// UpdateRetry and UpdateSkip carry an OperatorDecision; they are handled by
	// the lifecycle child that is blocked (its ID is in EmployeeState.Current).
	UpdateRetry = "retry"
	UpdateSkip  = "skip"
	// QueryState returns EmployeeState (Employee) or LifecycleState (children).
	QueryState = "state"
)

// EmployeeWorkflowID is the one workflow of an employee: "employee/E0042".
func EmployeeWorkflowID(employeeID string) string { return "employee/" + employeeID }

// LifecycleWorkflowID is a child run: "employee/E0042/leaver/7".
func LifecycleWorkflowID(employeeID string, event domain.Event, seq int) string {
	return fmt.Sprintf("employee/%s/%s/%d", employeeID, event, seq)
}

// Policy is the part of the configuration workflows need. It travels in the
// workflow input so workflow code stays pure; the worker fills it from its
// configuration (config.Config.Policy).
type Policy struct {
	Directories     []string      `json:"directories"` // enabled directories, fixed order
	Apps            []string      `json:"apps"`        // configured SCIM apps
	LeaverSLA       time.Duration `json:"leaver_sla"`
	JoinerLeadTime  time.Duration `json:"joiner_lead_time"`
	RetireDevices   bool          `json:"retire_devices"`
	SecurityChannel string        `json:"security_channel"`
	ITChannel       string        `json:"it_channel"`
	// DefaultUsageLocation is the usage location (ISO 3166 alpha-2) of a
	// person whose HR record has no country yet.
	DefaultUsageLocation string `json:"default_usage_location,omitempty"`
	// EntraSyncedFrom names the directory Entra Connect syncs users from
	// ("ad", empty: none). A synced user's mastered attributes (enabled,
	// names, manager...) are written there; the Entra lane waits, at most
	// EntraSyncWait, for the sync to carry them (synced.go in workflows).
	EntraSyncedFrom string        `json:"entra_synced_from,omitempty"`
	EntraSyncWait   time.Duration `json:"entra_sync_wait,omitempty"`
	// HistoryThreshold: continue-as-new past this many history events even
	// when the server does not suggest it (0 = DefaultHistoryThreshold).
	HistoryThreshold int `json:"history_threshold,omitempty"`
	// Login allocates the work email of a joiner HR sends without one
	// (hr.login); nil: an email is required.
	Login *LoginPolicy `json:"login,omitempty"`
	// ManualApps are the catalog apps whose owner adds and removes
	// accounts by hand (contract/apptask.go).
	ManualApps []ManualApp `json:"manual_apps,omitempty"`
}

// DefaultHistoryThreshold is the history length the Employee workflow
// continues-as-new at when the server has not suggested it earlier.
const DefaultHistoryThreshold = 10000

// ---- Employee workflow ----

// EmployeeInput starts (or continues) the Employee workflow.
type EmployeeInput struct {
	EmployeeID string `json:"employee_id"`
	Policy     Policy `json:"policy"`
	// State is set only by continue-as-new.
	State *EmployeeState `json:"state,omitempty"`
}

// HRRecordInput is the payload of the hr-record signal and the
// apply-hr-record update.
type HRRecordInput struct {
	Record domain.HRRecord `json:"record"`
	// Policy, when set, replaces the policy the workflow holds (the worker's
	// configuration changed since the workflow started).
	Policy *Policy `json:"policy,omitempty"`
	// DeliveryID names the signed delivery that carried the record (an
	// opaque hash, never the signature). The workflow remembers the last
	// few and ignores a repeat, so a replayed webhook is a no-op whichever
	// intake replica it reaches, restarted or not.
	DeliveryID string `json:"delivery_id,omitempty"`
	// Hold says the mass-termination guard held this record and who
	// released it; the offboarding row records it.
	Hold string `json:"hold,omitempty"`
}

// ApplyHRRecordResult tells the caller what the record means.
type ApplyHRRecordResult struct {
	Classification domain.Classification `json:"classification"`
	Reason         string                `json:"reason,omitempty"`
	Seq            int                   `json:"seq,omitempty"`   // the work item queued, 0 for none
	DueAt          time.Time             `json:"due_at,omitzero"` // when it runs (future-dated events)
}

// WorkItem is one lifecycle step queued for a child workflow.
type WorkItem struct {
	Seq        int             `json:"seq"`
	Event      domain.Event    `json:"event"`
	DueAt      time.Time       `json:"due_at,omitzero"` // zero = now
	Record     domain.HRRecord `json:"record"`
	AcceptedAt time.Time       `json:"accepted_at"`
	WorkflowID string          `json:"workflow_id,omitempty"` // set once the child starts
	Hold       string          `json:"hold,omitempty"`        // HRRecordInput.Hold
}

// ChangeRecord is what one work item did.
type ChangeRecord struct {
	Seq         int          `json:"seq"`
	Event       domain.Event `json:"event"`
	WorkflowID  string       `json:"workflow_id,omitempty"`
	StartedAt   time.Time    `json:"started_at"`
	CompletedAt time.Time    `json:"completed_at"`
	Error       string       `json:"error,omitempty"`
	SLABreached bool         `json:"sla_breached,omitempty"`
	// Preempted: a termination fell due while this run was going and
	// cancelled it; Directories say what it had done by then.
	Preempted   bool              `json:"preempted,omitempty"`
	Directories []DirectoryResult `json:"directories,omitempty"`
	Changes     []domain.Change   `json:"changes,omitempty"`
}

// EmployeeState is everything the Employee workflow knows; it is carried
// whole across continue-as-new and returned by the state query.
type EmployeeState struct {
	EmployeeID string           `json:"employee_id"`
	Status     domain.Status    `json:"status"`
	Record     *domain.HRRecord `json:"record,omitempty"`  // last accepted HR record
	Applied    *domain.HRRecord `json:"applied,omitempty"` // last record applied to the directories
	// Terminated: a termination has been accepted and not cancelled.
	Terminated bool              `json:"terminated"`
	Accounts   map[string]string `json:"accounts,omitempty"` // directory -> account id
	// Access is what the role catalog granted, as applied. Access granted
	// outside the catalog (JIT elevation) is never recorded here, so a mover
	// diff never removes it.
	Access      domain.Entitlements `json:"access"`
	Pending     []WorkItem          `json:"pending,omitempty"`
	Current     *WorkItem           `json:"current,omitempty"`
	LastChange  *ChangeRecord       `json:"last_change,omitempty"`
	History     []ChangeRecord      `json:"history,omitempty"` // the last few, newest last
	Seq         int                 `json:"seq"`
	SLABreached bool                `json:"sla_breached,omitempty"`
	// ManagerWait: the manager HR names has no account yet in some
	// directories; a durable retry sets it there once it has.
	ManagerWait *ManagerWait `json:"manager_wait,omitempty"`
	// Preempted names the run a due termination cancelled ("joiner
	// employee/E0042/joiner/1"); the leaver that follows records it.
	Preempted string `json:"preempted,omitempty"`
	Received  int    `json:"received"` // HR records received, all runs
	// Deliveries are the ids of the last signed deliveries accepted
	// (HRRecordInput.DeliveryID), newest last, kept across runs.
	Deliveries []string `json:"deliveries,omitempty"`
	Runs       int      `json:"runs"` // continue-as-new count
	// Login is the work email jml allocated for an employee HR sends
	// without one; later records without an email carry it.
	Login string `json:"login,omitempty"`
}

// ManagerWait is a manager still to be set: HR sent the report first.
type ManagerWait struct {
	ManagerEmployeeID string    `json:"manager_employee_id"`
	Directories       []string  `json:"directories"` // where it is still to be set
	Since             time.Time `json:"since"`
	Attempts          int       `json:"attempts"`
}

// ---- Lifecycle children ----

// JoinerInput drives Joiner and Rehire (and the activation at start date).
type JoinerInput struct {
	EmployeeID string            `json:"employee_id"`
	Record     domain.HRRecord   `json:"record"`
	Policy     Policy            `json:"policy"`
	Accounts   map[string]string `json:"accounts,omitempty"` // known account ids
	// Granted is the catalog access already granted (rehire: none).
	Granted domain.Entitlements `json:"granted"`
	// Enable: the start time has come; otherwise accounts are created disabled.
	Enable bool `json:"enable"`
	// ActivateOnly: only enable the accounts (lead-time joiner at start date).
	ActivateOnly bool `json:"activate_only,omitempty"`
	// Login is the work email jml allocated earlier (a rerun keeps it).
	Login string `json:"login,omitempty"`
}

// LifecycleResult is what every lifecycle child returns.
type LifecycleResult struct {
	Accounts    map[string]string   `json:"accounts,omitempty"`
	Granted     domain.Entitlements `json:"granted"`
	Changes     []domain.Change     `json:"changes,omitempty"`
	Directories []DirectoryResult   `json:"directories"`
	Decisions   []DecisionRecord    `json:"decisions,omitempty"`
	StartedAt   time.Time           `json:"started_at"`
	CompletedAt time.Time           `json:"completed_at"`
	// Leaver only.
	EffectiveAt time.Time `json:"effective_at,omitzero"`
	SLADeadline time.Time `json:"sla_deadline,omitzero"`
	SLABreached bool      `json:"sla_breached,omitempty"`
	SLAMet      bool      `json:"sla_met,omitempty"`
	// ManagerPending lists the directories where the manager had no account
	// yet (joiner, rehire, mover); ManagerTried: the run tried to set it.
	ManagerPending []string `json:"manager_pending,omitempty"`
	// AppTasks are the owner tasks of manual apps this run opened
	// (contract/apptask.go); it never waits for them.
	AppTasks     []ManualAppRef `json:"app_tasks,omitempty"`
	ManagerTried bool           `json:"manager_tried,omitempty"`
	// NoAccounts: no directory or app had an account for the person (a
	// termination of someone who never joined): nothing to offboard, no SLA
	// to breach.
	NoAccounts bool `json:"no_accounts,omitempty"`
	// Login is the work email the joiner allocated (HR had none).
	Login string `json:"login,omitempty"`
}

// MoverInput drives Mover.
type MoverInput struct {
	EmployeeID string              `json:"employee_id"`
	Old        domain.HRRecord     `json:"old"`
	New        domain.HRRecord     `json:"new"`
	Policy     Policy              `json:"policy"`
	Accounts   map[string]string   `json:"accounts,omitempty"`
	Granted    domain.Entitlements `json:"granted"` // catalog access held now
}

// LeaverInput drives Leaver.
type LeaverInput struct {
	EmployeeID  string            `json:"employee_id"`
	Record      domain.HRRecord   `json:"record"`
	EffectiveAt time.Time         `json:"effective_at"`
	Policy      Policy            `json:"policy"`
	Accounts    map[string]string `json:"accounts,omitempty"`
	// Granted is the catalog access held before the leaver; what a skipped
	// removal leaves in place stays recorded.
	Granted domain.Entitlements `json:"granted,omitzero"`
	// Preempted names the run this termination cancelled to start at once.
	Preempted string `json:"preempted,omitempty"`
	// Held: the mass-termination guard held it (which hold, who released).
	Held string `json:"held,omitempty"`
}

// DirectoryResult is one directory's (or SCIM app's) lane in a child.
type DirectoryResult struct {
	Directory string        `json:"directory"` // entra, okta, google, or scim:<app>
	AccountID string        `json:"account_id,omitempty"`
	Result    domain.Result `json:"result"` // ok, skipped, no_account
	Actions   []Action      `json:"actions,omitempty"`
	Errors    []string      `json:"errors,omitempty"` // failures seen, retried or skipped
	Skipped   []string      `json:"skipped,omitempty"`
	// Verified: read back disabled and sessions revoked (leaver).
	Verified bool `json:"verified,omitempty"`
}

// Action is one idempotent change and what it did.
type Action struct {
	Step    string `json:"step"`
	Target  string `json:"target,omitempty"`
	Outcome string `json:"outcome"`
}

// OperatorDecision is the payload of the retry and skip updates.
type OperatorDecision struct {
	Directory string `json:"directory"` // the blocked lane
	Operator  string `json:"operator"`  // who decided (recorded)
	Reason    string `json:"reason,omitempty"`
}

// DecisionRecord is an operator decision as recorded.
type DecisionRecord struct {
	Directory string    `json:"directory"`
	Step      string    `json:"step"`
	Action    string    `json:"action"` // retry or skip
	Operator  string    `json:"operator"`
	Reason    string    `json:"reason,omitempty"`
	Error     string    `json:"error"`
	At        time.Time `json:"at"`
}

// BlockedStep is a lane waiting for an operator.
type BlockedStep struct {
	Directory string    `json:"directory"`
	Step      string    `json:"step"`
	Error     string    `json:"error"`
	Since     time.Time `json:"since"`
}

// LifecycleState is the state query of a lifecycle child.
type LifecycleState struct {
	Event       domain.Event      `json:"event"`
	Blocked     []BlockedStep     `json:"blocked,omitempty"`
	Directories []DirectoryResult `json:"directories,omitempty"`
	Decisions   []DecisionRecord  `json:"decisions,omitempty"`
	SLABreached bool              `json:"sla_breached,omitempty"`
}

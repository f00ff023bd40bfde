// Package workflows holds jml's deterministic workflow code. This file is the
// contract the worker, the starters and the activities share: the task queue,
// workflow/activity/signal/update/query names, workflow-ID helpers and one
// input/output struct per workflow and per activity.
//
// IDs, search attributes and memo are not encrypted by the payload codec, so
// they carry only the opaque employee id, never an email or a name.
package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/integrations/hr"
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

// Activity names, registered by activities.Register.
const (
	ActPlanAccess           = "PlanAccess"
	ActEnsureAccount        = "EnsureAccount"
	ActLookupAccount        = "LookupAccount"
	ActEnableAccount        = "EnableAccount"
	ActUpdateProfile        = "UpdateProfile"
	ActSetManager           = "SetManager"
	ActApplyAccess          = "ApplyAccess"
	ActProvisionApp         = "ProvisionApp"
	ActDeprovisionApp       = "DeprovisionApp"
	ActDisableAccount       = "DisableAccount"
	ActRevokeSessions       = "RevokeSessions"
	ActRemoveAllAccess      = "RemoveAllAccess"
	ActRetireDevices        = "RetireDevices"
	ActVerifyDisabled       = "VerifyDisabled"
	ActNotifyManager        = "NotifyManager"
	ActNotifyChannel        = "NotifyChannel"
	ActAppendOffboardingLog = "AppendOffboardingLog"
)

// Error types activities return (temporal.ApplicationError.Type()).
const (
	ErrDirectoryThrottled   = "DirectoryThrottled"
	ErrDirectoryTransient   = "DirectoryTransient"
	ErrDirectoryPermanent   = "DirectoryPermanent"
	ErrDirectoryNotFound    = "DirectoryNotFound"
	ErrDirectoryUnsupported = "DirectoryUnsupported"
	ErrBadInput             = "BadInput"
	ErrVerifyFailed         = "VerifyFailed"
)

// NonRetryableErrorTypes are never retried by the activity retry policies.
var NonRetryableErrorTypes = []string{ErrDirectoryPermanent, ErrDirectoryNotFound, ErrDirectoryUnsupported, ErrBadInput}

// Lifecycle events (LifecycleEvent search attribute, child workflow kinds).
const (
	EventJoiner   = "joiner"
	EventActivate = "activate" // enable accounts created during the joiner lead time
	EventMover    = "mover"
	EventLeaver   = "leaver"
	EventRehire   = "rehire"
)

// Classification of one HR record against the employee's state.
type Classification string

const (
	ClassJoin                 Classification = "join"
	ClassMove                 Classification = "move"
	ClassLeave                Classification = "leave"
	ClassRehire               Classification = "rehire"
	ClassTerminationCancelled Classification = "termination-cancelled"
	ClassNoOp                 Classification = "no-op"
)

// Lifecycle statuses (LifecycleStatus search attribute).
const (
	StatusNew                  = "new"
	StatusPendingStart         = "pending-start"
	StatusActive               = "active"
	StatusTerminationScheduled = "termination-scheduled"
	StatusOffboarding          = "offboarding"
	StatusTerminated           = "terminated"
	StatusBlocked              = "blocked" // a step waits for an operator's retry/skip
)

// Per-directory lane results.
const (
	ResultOK        = "ok"
	ResultSkipped   = "skipped" // an operator skipped a failed step
	ResultNoAccount = "no_account"
)

// EmployeeWorkflowID is the one workflow of an employee: "employee/E0042".
func EmployeeWorkflowID(employeeID string) string { return "employee/" + employeeID }

// LifecycleWorkflowID is a child run: "employee/E0042/leaver/7".
func LifecycleWorkflowID(employeeID, event string, seq int) string {
	return fmt.Sprintf("employee/%s/%s/%d", employeeID, event, seq)
}

// Policy is the part of the configuration workflows need. It travels in the
// workflow input so workflow code stays pure; the worker fills it with
// PolicyFromConfig.
type Policy struct {
	Directories     []string      `json:"directories"` // enabled directories, fixed order
	Apps            []string      `json:"apps"`        // configured SCIM apps
	LeaverSLA       time.Duration `json:"leaver_sla"`
	JoinerLeadTime  time.Duration `json:"joiner_lead_time"`
	RetireDevices   bool          `json:"retire_devices"`
	SecurityChannel string        `json:"security_channel"`
	ITChannel       string        `json:"it_channel"`
	// HistoryThreshold: continue-as-new past this many history events even
	// when the server does not suggest it (0 = DefaultHistoryThreshold).
	HistoryThreshold int `json:"history_threshold,omitempty"`
}

// DefaultHistoryThreshold is the history length the Employee workflow
// continues-as-new at when the server has not suggested it earlier.
const DefaultHistoryThreshold = 10000

// PolicyFromConfig builds the workflow policy from the configuration.
func PolicyFromConfig(c *config.Config) Policy {
	p := Policy{
		Directories:     c.EnabledDirectories(),
		LeaverSLA:       c.SLA.Leaver.D(),
		JoinerLeadTime:  c.SLA.JoinerLeadTime.D(),
		RetireDevices:   c.Leaver.RetireDevices,
		SecurityChannel: c.Slack.SecurityChannel,
		ITChannel:       c.Slack.ITChannel,
	}
	for _, a := range c.SCIMApps {
		p.Apps = append(p.Apps, a.Name)
	}
	if p.LeaverSLA <= 0 {
		p.LeaverSLA = time.Hour
	}
	return p
}

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
	Record hr.Record `json:"record"`
	// Policy, when set, replaces the policy the workflow holds (the worker's
	// configuration changed since the workflow started).
	Policy *Policy `json:"policy,omitempty"`
	// DeliveryID names the signed delivery that carried the record (an
	// opaque hash, never the signature). The workflow remembers the last
	// few and ignores a repeat, so a replayed webhook is a no-op whichever
	// intake replica it reaches, restarted or not.
	DeliveryID string `json:"delivery_id,omitempty"`
}

// ApplyHRRecordResult tells the caller what the record means.
type ApplyHRRecordResult struct {
	Classification Classification `json:"classification"`
	Reason         string         `json:"reason,omitempty"`
	Seq            int            `json:"seq,omitempty"`   // the work item queued, 0 for none
	DueAt          time.Time      `json:"due_at,omitzero"` // when it runs (future-dated events)
}

// WorkItem is one lifecycle step queued for a child workflow.
type WorkItem struct {
	Seq        int       `json:"seq"`
	Event      string    `json:"event"`
	DueAt      time.Time `json:"due_at,omitzero"` // zero = now
	Record     hr.Record `json:"record"`
	AcceptedAt time.Time `json:"accepted_at"`
	WorkflowID string    `json:"workflow_id,omitempty"` // set once the child starts
}

// ChangeRecord is what one work item did.
type ChangeRecord struct {
	Seq         int               `json:"seq"`
	Event       string            `json:"event"`
	WorkflowID  string            `json:"workflow_id,omitempty"`
	StartedAt   time.Time         `json:"started_at"`
	CompletedAt time.Time         `json:"completed_at"`
	Error       string            `json:"error,omitempty"`
	SLABreached bool              `json:"sla_breached,omitempty"`
	Directories []DirectoryResult `json:"directories,omitempty"`
	Changes     []config.Change   `json:"changes,omitempty"`
}

// EmployeeState is everything the Employee workflow knows; it is carried
// whole across continue-as-new and returned by the state query.
type EmployeeState struct {
	EmployeeID string     `json:"employee_id"`
	Status     string     `json:"status"`
	Record     *hr.Record `json:"record,omitempty"`  // last accepted HR record
	Applied    *hr.Record `json:"applied,omitempty"` // last record applied to the directories
	// Terminated: a termination has been accepted and not cancelled.
	Terminated bool              `json:"terminated"`
	Accounts   map[string]string `json:"accounts,omitempty"` // directory -> account id
	// Access is what the role catalog granted, as applied. Access granted
	// outside the catalog (JIT elevation) is never recorded here, so a mover
	// diff never removes it.
	Access      config.Entitlements `json:"access"`
	Pending     []WorkItem          `json:"pending,omitempty"`
	Current     *WorkItem           `json:"current,omitempty"`
	LastChange  *ChangeRecord       `json:"last_change,omitempty"`
	History     []ChangeRecord      `json:"history,omitempty"` // the last few, newest last
	Seq         int                 `json:"seq"`
	SLABreached bool                `json:"sla_breached,omitempty"`
	Received    int                 `json:"received"` // HR records received, all runs
	// Deliveries are the ids of the last signed deliveries accepted
	// (HRRecordInput.DeliveryID), newest last, kept across runs.
	Deliveries []string `json:"deliveries,omitempty"`
	Runs       int      `json:"runs"` // continue-as-new count
}

// ---- Lifecycle children ----

// JoinerInput drives Joiner and Rehire (and the activation at start date).
type JoinerInput struct {
	EmployeeID string            `json:"employee_id"`
	Record     hr.Record         `json:"record"`
	Policy     Policy            `json:"policy"`
	Accounts   map[string]string `json:"accounts,omitempty"` // known account ids
	// Granted is the catalog access already granted (rehire: none).
	Granted config.Entitlements `json:"granted"`
	// Enable: the start time has come; otherwise accounts are created disabled.
	Enable bool `json:"enable"`
	// ActivateOnly: only enable the accounts (lead-time joiner at start date).
	ActivateOnly bool `json:"activate_only,omitempty"`
}

// LifecycleResult is what every lifecycle child returns.
type LifecycleResult struct {
	Accounts    map[string]string   `json:"accounts,omitempty"`
	Granted     config.Entitlements `json:"granted"`
	Changes     []config.Change     `json:"changes,omitempty"`
	Directories []DirectoryResult   `json:"directories"`
	Decisions   []DecisionRecord    `json:"decisions,omitempty"`
	StartedAt   time.Time           `json:"started_at"`
	CompletedAt time.Time           `json:"completed_at"`
	// Leaver only.
	EffectiveAt time.Time `json:"effective_at,omitzero"`
	SLADeadline time.Time `json:"sla_deadline,omitzero"`
	SLABreached bool      `json:"sla_breached,omitempty"`
	SLAMet      bool      `json:"sla_met,omitempty"`
}

// MoverInput drives Mover.
type MoverInput struct {
	EmployeeID string              `json:"employee_id"`
	Old        hr.Record           `json:"old"`
	New        hr.Record           `json:"new"`
	Policy     Policy              `json:"policy"`
	Accounts   map[string]string   `json:"accounts,omitempty"`
	Granted    config.Entitlements `json:"granted"` // catalog access held now
}

// LeaverInput drives Leaver.
type LeaverInput struct {
	EmployeeID  string            `json:"employee_id"`
	Record      hr.Record         `json:"record"`
	EffectiveAt time.Time         `json:"effective_at"`
	Policy      Policy            `json:"policy"`
	Accounts    map[string]string `json:"accounts,omitempty"`
	// Granted is the catalog access held before the leaver; what a skipped
	// removal leaves in place stays recorded.
	Granted config.Entitlements `json:"granted,omitzero"`
}

// DirectoryResult is one directory's (or SCIM app's) lane in a child.
type DirectoryResult struct {
	Directory string   `json:"directory"` // entra, okta, google, or scim:<app>
	AccountID string   `json:"account_id,omitempty"`
	Result    string   `json:"result"` // ok, skipped, no_account
	Actions   []Action `json:"actions,omitempty"`
	Errors    []string `json:"errors,omitempty"` // failures seen, retried or skipped
	Skipped   []string `json:"skipped,omitempty"`
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
	Event       string            `json:"event"`
	Blocked     []BlockedStep     `json:"blocked,omitempty"`
	Directories []DirectoryResult `json:"directories,omitempty"`
	Decisions   []DecisionRecord  `json:"decisions,omitempty"`
	SLABreached bool              `json:"sla_breached,omitempty"`
}

// ---- Activities ----

// PlanAccessInput asks the role catalog what the attributes justify and the
// diff from what is granted now.
type PlanAccessInput struct {
	Attributes config.Attributes   `json:"attributes"`
	Granted    config.Entitlements `json:"granted"`
}

// PlanAccessOutput is config.Catalog.Evaluate plus config.Diff.
type PlanAccessOutput struct {
	Entitlements config.Entitlements `json:"entitlements"`
	Changes      []config.Change     `json:"changes,omitempty"`
}

// EnsureAccountInput finds or creates the account.
type EnsureAccountInput struct {
	Directory string           `json:"directory"`
	Person    directory.Person `json:"person"`
	Enabled   bool             `json:"enabled"`
}

// LookupAccountInput finds an account without creating it.
type LookupAccountInput struct {
	Directory  string `json:"directory"`
	EmployeeID string `json:"employee_id"`
	Email      string `json:"email,omitempty"`
}

// AccountOutput is an account found or created.
type AccountOutput struct {
	Directory string `json:"directory"`
	Found     bool   `json:"found"`
	AccountID string `json:"account_id,omitempty"`
	Enabled   bool   `json:"enabled"`
	Outcome   string `json:"outcome,omitempty"`
}

// AccountInput names one account in one directory.
type AccountInput struct {
	Directory  string `json:"directory"`
	AccountID  string `json:"account_id"`
	EmployeeID string `json:"employee_id"` // for log lines
	// Since is when the leaver's lane began: the verify step checks that
	// sessions issued before it are refused.
	Since time.Time `json:"since,omitzero"`
}

// UpdateProfileInput updates HR attributes on the account.
type UpdateProfileInput struct {
	Directory string           `json:"directory"`
	AccountID string           `json:"account_id"`
	Person    directory.Person `json:"person"`
}

// SetManagerInput sets the manager, resolved by the manager's employee id.
type SetManagerInput struct {
	Directory         string `json:"directory"`
	AccountID         string `json:"account_id"`
	EmployeeID        string `json:"employee_id"`
	ManagerEmployeeID string `json:"manager_employee_id"`
}

// ApplyAccessInput adds and removes groups and licenses in one directory.
type ApplyAccessInput struct {
	Directory  string          `json:"directory"`
	AccountID  string          `json:"account_id"`
	EmployeeID string          `json:"employee_id"`
	Changes    []config.Change `json:"changes"`
}

// AppInput provisions or deprovisions the SCIM app account.
type AppInput struct {
	App    string           `json:"app"`
	Person directory.Person `json:"person"`
}

// StepOutput lists what a step did.
type StepOutput struct {
	Directory string   `json:"directory"`
	Actions   []Action `json:"actions,omitempty"`
}

// VerifyOutput is the read-back after offboarding.
type VerifyOutput struct {
	Directory       string `json:"directory"`
	Disabled        bool   `json:"disabled"`
	SessionsRevoked bool   `json:"sessions_revoked"`
	Status          string `json:"status,omitempty"`
	// Evidence is what the directory said about its sessions.
	Evidence string `json:"evidence,omitempty"`
}

// NotifyManagerInput tells the manager (found by employee id) something.
type NotifyManagerInput struct {
	ManagerEmployeeID string   `json:"manager_employee_id"`
	Directories       []string `json:"directories"` // where to look the manager up, in order
	Text              string   `json:"text"`
}

// NotifyChannelInput posts to a Slack channel.
type NotifyChannelInput struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// NotifyOutput says whether a message went out (false when Slack is disabled
// or the recipient was not found).
type NotifyOutput struct {
	Delivered bool   `json:"delivered"`
	Detail    string `json:"detail,omitempty"`
}

// OffboardingLogInput is one leaver row.
type OffboardingLogInput struct {
	EmployeeID  string            `json:"employee_id"`
	EffectiveAt time.Time         `json:"effective_at"`
	CompletedAt time.Time         `json:"completed_at"`
	SLAMet      bool              `json:"sla_met"`
	Directories []DirectoryResult `json:"directories"`
	Decisions   []DecisionRecord  `json:"decisions,omitempty"`
	// WorkflowID and RunID identify the row: a retried activity finds it
	// and does not write a second one.
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// OffboardingLogOutput says whether this call wrote the row.
type OffboardingLogOutput struct {
	Path     string `json:"path"`
	Appended bool   `json:"appended"` // false: the row was already there (retry)
}

// ---- JIT elevation ----

// ElevationWorkflowName is the workflow type of one elevation request.
const ElevationWorkflowName = "Elevation"

// Updates of the Elevation workflow. approve and deny carry an
// ElevationDecision from the approval's Slack buttons; revoke (requester or
// approver) and extend (approver) carry an ElevationDecision too. Each
// returns an ElevationDecisionResult.
const (
	UpdateApprove = "approve"
	UpdateDeny    = "deny"
	UpdateRevoke  = "revoke"
	UpdateExtend  = "extend"
)

// Elevation activities.
const (
	ActResolvePerson       = "ResolvePerson"
	ActCheckGates          = "CheckGates"
	ActGrantAdminRole      = "GrantAdminRole"
	ActRevokeAdminRole     = "RevokeAdminRole"
	ActVerifyRoleRevoked   = "VerifyAdminRoleRevoked"
	ActPostApproval        = "PostApproval"
	ActUpdateApprovalMsg   = "UpdateApprovalMessage"
	ActNotifyEmployee      = ActNotifyManager // a DM to an employee found by id
	ElevationButtonApprove = "approve"
	ElevationButtonDeny    = "deny"
)

// ElevationStatus values (ElevationStatus search attribute).
const (
	ElevationPending  = "pending-approval"
	ElevationDenied   = "denied"  // denied by the approver, or a gate failed
	ElevationExpired  = "expired" // no decision within the approval timeout
	ElevationGranting = "granting"
	ElevationActive   = "active"
	ElevationRevoked  = "revoked" // ended: at expiry or early
	ElevationFailed   = "failed"  // the grant could not be made
)

// Results of a decision.
const (
	DecisionAccepted = "accepted"
	DecisionRefused  = "refused"
)

// ElevationWorkflowID is the workflow of one request: "elevation/<request-id>".
// The request id is opaque (a UUID): never an email or a name.
func ElevationWorkflowID(requestID string) string { return "elevation/" + requestID }

// ElevationButtonValue is the value of an approval button: "<request-id>:approve".
func ElevationButtonValue(requestID, action string) string { return requestID + ":" + action }

// ElevationPolicy is the requested role as configured, filled by the
// starter from elevation.roles so workflow code stays pure.
type ElevationPolicy struct {
	Directory       string        `json:"directory"` // where the role is granted
	Role            string        `json:"role"`      // the directory's role name
	MaxDuration     time.Duration `json:"max_duration"`
	DefaultDuration time.Duration `json:"default_duration"`
	ApprovalTimeout time.Duration `json:"approval_timeout"`
	// Approver is the rule as configured: "manager" or "employee:<id>".
	Approver               string   `json:"approver"`
	RequireCompliantDevice bool     `json:"require_compliant_device"`
	RequireMFA             bool     `json:"require_mfa"`
	Directories            []string `json:"directories"` // enabled directories, for look-ups and gates
	SecurityChannel        string   `json:"security_channel,omitempty"`
}

// ElevationInput starts the Elevation workflow.
type ElevationInput struct {
	RequestID           string        `json:"request_id"`
	RequesterEmployeeID string        `json:"requester_employee_id"`
	RoleName            string        `json:"role_name"` // elevation.roles[].name
	Duration            time.Duration `json:"duration"`  // 0 = the policy's default
	Justification       string        `json:"justification"`
	// ApproverEmployeeID is the approver the starter resolved: the
	// requester's manager from their HR record, or the configured employee.
	ApproverEmployeeID string          `json:"approver_employee_id"`
	Policy             ElevationPolicy `json:"policy"`
	RequestedVia       string          `json:"requested_via,omitempty"` // cli, slack
	// ApproverEmail and RequesterEmail are the work emails of their HR
	// records as jml holds them (never a directory's, which its admins can
	// edit): the approval DM and the Slack ids a press is checked against
	// are found by them. PII: payload only (encrypted by the codec), never
	// in the state query, ids or search attributes.
	ApproverEmail  string `json:"approver_email,omitempty"`
	RequesterEmail string `json:"requester_email,omitempty"`
}

// Actor is who sends a decision. The intake fills it from Slack's signed
// callback (the presser's Slack user id, resolved to an employee id by
// matching their Slack email with the HR records jml holds); operators fill
// it themselves. A Slack press is judged by its Slack user id.
type Actor struct {
	EmployeeID  string `json:"employee_id,omitempty"`
	SlackUserID string `json:"slack_user_id,omitempty"`
	Via         string `json:"via,omitempty"` // slack, cli
}

// Who names the actor for the record: the employee id, else the Slack user.
func (a Actor) Who() string {
	switch {
	case a.EmployeeID != "":
		return a.EmployeeID
	case a.SlackUserID != "":
		return "slack:" + a.SlackUserID
	}
	return "unknown"
}

// ElevationDecision is the payload of approve, deny, revoke and extend.
type ElevationDecision struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason,omitempty"`
	// Extend only: how much longer the grant should last ("30m").
	Extend Span `json:"extend,omitempty"`
}

// Span is a duration written in JSON as "30m" (a number of nanoseconds is
// read too), so an operator can type it on the command line.
type Span time.Duration

// MarshalJSON writes the duration as Go's duration string.
func (s Span) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(s).String()) }

// UnmarshalJSON reads "30m" or a number of nanoseconds.
func (s *Span) UnmarshalJSON(b []byte) error {
	var text string
	if err := json.Unmarshal(b, &text); err == nil {
		d, err := time.ParseDuration(text)
		if err != nil {
			return fmt.Errorf("%q is not a duration (e.g. 30m, 2h)", text)
		}
		*s = Span(d)
		return nil
	}
	var ns int64
	if err := json.Unmarshal(b, &ns); err != nil {
		return errors.New("a duration is a string such as \"30m\"")
	}
	*s = Span(ns)
	return nil
}

// ElevationDecisionRecord is one decision or refused attempt, as recorded.
type ElevationDecisionRecord struct {
	Action string    `json:"action"` // approve, deny, revoke, extend
	Actor  Actor     `json:"actor"`
	Result string    `json:"result"` // accepted or refused
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at"`
	// Extend: the new end of the grant.
	Until time.Time `json:"until,omitzero"`
}

// ElevationDecisionResult is what an update returns to its caller.
type ElevationDecisionResult struct {
	Result  string    `json:"result"` // accepted or refused
	Message string    `json:"message"`
	Status  string    `json:"status"`
	Until   time.Time `json:"until,omitzero"`
}

// GateResult is one gate's check.
type GateResult struct {
	Required  bool   `json:"required"`
	Checked   bool   `json:"checked"`
	Passed    bool   `json:"passed"`
	Directory string `json:"directory,omitempty"`
	Detail    string `json:"detail,omitempty"`
}

// GatesOutput is the device and MFA check of the requester.
type GatesOutput struct {
	Device GateResult `json:"device"`
	MFA    GateResult `json:"mfa"`
}

// Passed reports whether every required gate passed.
func (g GatesOutput) Passed() bool {
	return (!g.Device.Required || g.Device.Passed) && (!g.MFA.Required || g.MFA.Passed)
}

// ElevationState is the state query of the Elevation workflow: every step
// of the request, for the operator and the auditor.
type ElevationState struct {
	RequestID           string                    `json:"request_id"`
	RequesterEmployeeID string                    `json:"requester_employee_id"`
	RoleName            string                    `json:"role_name"`
	Directory           string                    `json:"directory"`
	Role                string                    `json:"role"`
	Duration            time.Duration             `json:"duration"`
	Justification       string                    `json:"justification"`
	Status              string                    `json:"status"`
	RequestedAt         time.Time                 `json:"requested_at"`
	ApproverEmployeeID  string                    `json:"approver_employee_id"`
	ApproverRule        string                    `json:"approver_rule"`
	ApprovalDeadline    time.Time                 `json:"approval_deadline,omitzero"`
	ApprovalMessage     ApprovalMessageOutput     `json:"approval_message"`
	Decisions           []ElevationDecisionRecord `json:"decisions,omitempty"`
	Gates               *GatesOutput              `json:"gates,omitempty"`
	AccountID           string                    `json:"account_id,omitempty"`
	GrantOutcome        string                    `json:"grant_outcome,omitempty"`
	GrantedAt           time.Time                 `json:"granted_at,omitzero"`
	GrantedUntil        time.Time                 `json:"granted_until,omitzero"`
	RevokedAt           time.Time                 `json:"revoked_at,omitzero"`
	RevokeReason        string                    `json:"revoke_reason,omitempty"` // expiry or early
	RevokeOutcome       string                    `json:"revoke_outcome,omitempty"`
	RevokeVerified      bool                      `json:"revoke_verified,omitempty"`
	Reason              string                    `json:"reason,omitempty"` // why denied, expired or failed
}

// ResolvePersonInput finds an employee's account in the directories.
type ResolvePersonInput struct {
	EmployeeID  string   `json:"employee_id"`
	Directories []string `json:"directories"` // in order; the first that has them answers
}

// ResolvePersonOutput is the account found (Found=false: none has them).
type ResolvePersonOutput struct {
	Found     bool   `json:"found"`
	Directory string `json:"directory,omitempty"`
	AccountID string `json:"account_id,omitempty"`
	Enabled   bool   `json:"enabled"`
}

// CheckGatesInput asks whether the requester may be elevated now.
type CheckGatesInput struct {
	EmployeeID             string   `json:"employee_id"`
	Directory              string   `json:"directory"`   // the role's directory, asked first
	Directories            []string `json:"directories"` // the others, for devices and MFA
	RequireCompliantDevice bool     `json:"require_compliant_device"`
	RequireMFA             bool     `json:"require_mfa"`
}

// AdminRoleInput grants or revokes one admin role.
type AdminRoleInput struct {
	Directory  string    `json:"directory"`
	AccountID  string    `json:"account_id"`
	EmployeeID string    `json:"employee_id"`
	Role       string    `json:"role"`
	Until      time.Time `json:"until,omitzero"`
}

// AdminRoleOutput is what the directory did.
type AdminRoleOutput struct {
	Outcome   string    `json:"outcome"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// MessageField is one labelled line of an approval message.
type MessageField struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// PostApprovalInput DMs the approver (found by employee id) the request
// with Approve and Deny buttons.
type PostApprovalInput struct {
	ApproverEmployeeID string `json:"approver_employee_id"`
	// ApproverEmail (HR) is where the DM goes; RequesterEmail (HR) finds
	// the requester's Slack id, so their own press is refused.
	ApproverEmail  string         `json:"approver_email,omitempty"`
	RequesterEmail string         `json:"requester_email,omitempty"`
	Directories    []string       `json:"directories"`
	Title          string         `json:"title"`
	Fields         []MessageField `json:"fields"`
	ApproveValue   string         `json:"approve_value"`
	DenyValue      string         `json:"deny_value"`
}

// ApprovalMessageOutput is where the approval landed.
type ApprovalMessageOutput struct {
	Delivered bool   `json:"delivered"`
	Channel   string `json:"channel,omitempty"`
	TS        string `json:"ts,omitempty"`
	Detail    string `json:"detail,omitempty"`
	// The Slack members of the approver's and the requester's HR emails
	// (users.lookupByEmail): a Slack press approves only from the first.
	ApproverSlackUserID  string `json:"approver_slack_user_id,omitempty"`
	RequesterSlackUserID string `json:"requester_slack_user_id,omitempty"`
}

// UpdateApprovalInput rewrites the approval message with the outcome and
// without buttons.
type UpdateApprovalInput struct {
	Channel string         `json:"channel"`
	TS      string         `json:"ts"`
	Title   string         `json:"title"`
	Fields  []MessageField `json:"fields"`
	Outcome string         `json:"outcome"`
}

// ElevationPolicyFor builds the policy of one requestable role from the
// configuration (elevation.* and the role's own entry).
func ElevationPolicyFor(c *config.Config, r config.ElevationRole) ElevationPolicy {
	e := c.Elevation
	p := ElevationPolicy{
		Directory: r.Directory, Role: r.Role, MaxDuration: r.MaxDuration.D(), DefaultDuration: e.DefaultDuration.D(),
		ApprovalTimeout: e.ApprovalTimeout.D(), Approver: r.Approver,
		RequireCompliantDevice: e.RequireCompliantDevice, RequireMFA: e.RequireMFA,
		Directories: c.EnabledDirectories(), SecurityChannel: c.Slack.SecurityChannel,
	}
	if p.MaxDuration <= 0 {
		p.MaxDuration = e.MaxDuration.D()
	}
	if p.DefaultDuration > p.MaxDuration {
		p.DefaultDuration = p.MaxDuration
	}
	return p
}

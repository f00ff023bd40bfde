package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jml-dev/jml/domain"
)

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

// Values of the approval message's buttons ("<request-id>:approve").
const (
	ElevationButtonApprove = "approve"
	ElevationButtonDeny    = "deny"
)

// Elevation activities.
var (
	// ResolvePerson finds an employee's account in the directories.
	ResolvePerson = Activity[ResolvePersonInput, ResolvePersonOutput]{Name: "ResolvePerson", Options: DirectoryOptions}
	// CheckGates checks the requester's device and MFA.
	CheckGates = Activity[CheckGatesInput, GatesOutput]{Name: "CheckGates", Options: DirectoryOptions}
	// GrantAdminRole grants (or extends) the role until AdminRoleInput.Until.
	GrantAdminRole = Activity[AdminRoleInput, AdminRoleOutput]{Name: "GrantAdminRole", Options: DirectoryOptions}
	// RevokeAdminRole removes the role (idempotent).
	RevokeAdminRole = Activity[AdminRoleInput, AdminRoleOutput]{Name: "RevokeAdminRole", Options: DirectoryOptions}
	// VerifyAdminRoleRevoked reads back that the role is gone.
	VerifyAdminRoleRevoked = Activity[AdminRoleInput, Empty]{Name: "VerifyAdminRoleRevoked", Options: DirectoryOptions}
	// PostApproval DMs the approver the request with Approve and Deny buttons.
	PostApproval = Activity[PostApprovalInput, ApprovalMessageOutput]{Name: "PostApproval", Options: NotifyOptions}
	// UpdateApprovalMessage rewrites the approval with the outcome.
	UpdateApprovalMessage = Activity[UpdateApprovalInput, NotifyOutput]{Name: "UpdateApprovalMessage", Options: NotifyOptions}
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
	Action string                `json:"action"` // approve, deny, revoke, extend
	Actor  Actor                 `json:"actor"`
	Result domain.DecisionResult `json:"result"` // accepted or refused
	Reason string                `json:"reason,omitempty"`
	At     time.Time             `json:"at"`
	// Extend: the new end of the grant.
	Until time.Time `json:"until,omitzero"`
}

// ElevationDecisionResult is what an update returns to its caller.
type ElevationDecisionResult struct {
	Result  domain.DecisionResult  `json:"result"` // accepted or refused
	Message string                 `json:"message"`
	Status  domain.ElevationStatus `json:"status"`
	Until   time.Time              `json:"until,omitzero"`
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
	Status              domain.ElevationStatus    `json:"status"`
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

// PostApprovalInput DMs the approver (at their HR work email) the request
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

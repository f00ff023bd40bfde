package contract

import (
	"fmt"
	"strings"
	"time"
)

// Sweep decisions in Slack: the buttons of an orphan's notice (Keep…,
// Disable now) and of an unknown admin's escalation (Acknowledge,
// Remove). A press or a modal's submission arrives as UpdateSweepDecision;
// the workflow judges who may decide and records every refusal.

// UpdateSweepDecision carries a SweepDecision and returns a
// SweepDecisionResult.
const UpdateSweepDecision = "sweep-decision"

// Decisions on a sweep finding.
const (
	SweepKeep        = "keep"        // orphan: a sponsor keeps it until an expiry date
	SweepDisable     = "disable"     // orphan: disable now, without waiting for the grace
	SweepAcknowledge = "acknowledge" // unknown admin: security owns it, with a reason
	SweepRemove      = "remove"      // unknown admin: remove the role assignment
)

// Results of a sweep decision.
const (
	SweepAccepted = "accepted"
	SweepRefused  = "refused"
	// SweepForm: the presser may decide; the decision needs a form first
	// (Keep's sponsor and expiry, Acknowledge's reason).
	SweepForm = "form"
	// SweepDecided: the finding was decided already.
	SweepDecided = "decided"
)

// Modal callback ids (a view_submission's view.callback_id); the view's
// private_metadata is the workflow id.
const (
	SweepKeepModal = "sweep-keep"
	SweepAckModal  = "sweep-acknowledge"
)

// Input blocks of the modals: each block id is its action id too, and
// the field an invalid input names.
const (
	SweepFieldSponsor = "sponsor"
	SweepFieldExpires = "expires"
	SweepFieldReason  = "reason"
)

// SweepActionID is a button's action id: "sweep-keep", "sweep-remove".
func SweepActionID(decision string) string { return "sweep-" + decision }

// SweepButtonValue is a button's value: "<workflow id>|<decision>"
// (opaque ids only: Slack stores and echoes it).
func SweepButtonValue(workflowID, decision string) string { return workflowID + "|" + decision }

// SweepKinds: which decisions each kind of finding takes.
var sweepDecisions = map[string][]string{
	"orphan":  {SweepKeep, SweepDisable},
	"unknown": {SweepAcknowledge, SweepRemove},
}

// ParseSweepButton reads a press back: the action id must be the value's
// decision, and the workflow id a sweep child that takes it.
func ParseSweepButton(actionID, value string) (workflowID, decision string, err error) {
	workflowID, decision, ok := strings.Cut(value, "|")
	if !ok || actionID != SweepActionID(decision) || !SweepTakes(workflowID, decision) {
		return "", "", fmt.Errorf("not a sweep button")
	}
	return workflowID, decision, nil
}

// SweepTakes reports whether the sweep child workflowID
// ("sweep/orphan/<key>") takes decision.
func SweepTakes(workflowID, decision string) bool {
	f := strings.Split(workflowID, "/")
	if len(f) != 3 || f[0] != "sweep" || f[2] == "" || strings.ContainsAny(f[2], " @|") {
		return false
	}
	for _, d := range sweepDecisions[f[1]] {
		if d == decision {
			return true
		}
	}
	return false
}

// SweepDecision is the payload of UpdateSweepDecision: a press (no form
// fields) or a modal's submission.
type SweepDecision struct {
	Actor    Actor     `json:"actor"`
	Decision string    `json:"decision"`
	Sponsor  string    `json:"sponsor,omitempty"` // keep: the HR employee id who answers for it
	Expires  time.Time `json:"expires,omitzero"`  // keep
	Reason   string    `json:"reason,omitempty"`  // acknowledge: required; keep: optional
	At       time.Time `json:"at,omitzero"`       // set by the workflow
	Refused  string    `json:"refused,omitempty"` // why it was refused
}

// SweepDecisionResult answers a decision.
type SweepDecisionResult struct {
	Result  string `json:"result"` // accepted, refused, form, decided
	Message string `json:"message"`
	// MaxExpires (form, keep) is the latest expiry sweep.max_keep allows.
	MaxExpires time.Time `json:"max_expires,omitzero"`
}

// SweepButton is one button of a sweep notice.
type SweepButton struct {
	Decision string `json:"decision"`
	Label    string `json:"label"`
	Danger   bool   `json:"danger,omitempty"`
}

// SweepMessageRef is where a sweep notice landed.
type SweepMessageRef struct {
	Channel string `json:"channel"`
	TS      string `json:"ts"`
}

// PostSweepNoticeInput posts a finding's notice with its buttons: a DM to
// an employee (the directory's owner) and a post to a channel (security),
// either optional; it resolves the deciders' Slack ids from the work
// emails of the HR records jml holds. With Outcome set it rewrites
// Messages without buttons instead.
type PostSweepNoticeInput struct {
	WorkflowID string            `json:"workflow_id"`
	Title      string            `json:"title"`
	Fields     []MessageField    `json:"fields,omitempty"`
	DM         string            `json:"dm,omitempty"`      // employee id
	Channel    string            `json:"channel,omitempty"` // "#security-alerts"
	Buttons    []SweepButton     `json:"buttons,omitempty"`
	Deciders   []string          `json:"deciders,omitempty"` // employee ids
	Messages   []SweepMessageRef `json:"messages,omitempty"`
	Outcome    string            `json:"outcome,omitempty"`
}

// SweepNotice is where the notice went and who may press its buttons.
type SweepNotice struct {
	Messages []SweepMessageRef `json:"messages,omitempty"`
	// DeciderSlackIDs: employee id -> the Slack member of their HR work
	// email (absent: not an active employee, or no Slack member).
	DeciderSlackIDs map[string]string `json:"decider_slack_ids,omitempty"`
	Detail          string            `json:"detail,omitempty"`
}

// SweepDecisionEvent is one line of the sweep decisions evidence file
// (SweepDecisionsLogPath).
type SweepDecisionEvent struct {
	WorkflowID string    `json:"workflow_id"`
	RunID      string    `json:"run_id"`
	Seq        int       `json:"seq"` // with workflow and run: the line's identity
	Kind       string    `json:"kind"`
	Key        string    `json:"key"`
	Directory  string    `json:"directory"`
	AccountID  string    `json:"account_id"` // the account or principal
	Event      string    `json:"event"`      // kept, disabled, acknowledged, removed, refused
	By         string    `json:"by"`
	Sponsor    string    `json:"sponsor,omitempty"`
	Expires    time.Time `json:"expires,omitzero"`
	Reason     string    `json:"reason,omitempty"`
	At         time.Time `json:"at"`
}

// SweepDecisionsLogPath is the decisions evidence file under the evidence
// directory: append-only, sealed monthly with the other logs. The sweep's
// inventory reads its unexpired keeps.
const SweepDecisionsLogPath = "Governance/Sweep_Decisions.csv"

// Sweep decision activities.
var (
	PostSweepNotice     = Activity[PostSweepNoticeInput, SweepNotice]{Name: "PostSweepNotice", Options: NotifyOptions}
	AppendSweepDecision = Activity[SweepDecisionEvent, OffboardingLogOutput]{Name: "AppendSweepDecision", Options: DirectoryOptions}
)

// SweepFindingState is a sweep child's state (QueryState) while it waits.
type SweepFindingState struct {
	Kind         string          `json:"kind"`
	Deciders     []string        `json:"deciders"`
	Notice       SweepNotice     `json:"notice"`
	Decision     *SweepDecision  `json:"decision,omitempty"`
	Refusals     []SweepDecision `json:"refusals,omitempty"` // the first maxRefusalsKept
	RefusedCount int             `json:"refused_count,omitempty"`
}

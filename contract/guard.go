package contract

import (
	"time"

	"github.com/jml-dev/jml/domain"
)

// The TerminationGuard workflow: one per namespace (GuardWorkflowID). The
// delivery path asks it (UpdateAdmitTermination) before sending a
// termination; it admits up to the limits per run and per rolling hour,
// holds the excess and asks the security channel once per run, and on
// approval delivers the held records itself.
const (
	GuardWorkflowName      = "TerminationGuard"
	GuardWorkflowID        = "hr-guard"
	UpdateAdmitTermination = "admit-termination"
	// UpdateGuardDecide carries a GuardDecision (approve or reject a hold).
	UpdateGuardDecide = "guard-decide"
	// Slack action ids of the hold message's buttons.
	GuardActionApprove = "guard-approve"
	GuardActionReject  = "guard-reject"
)

// GuardLimit is a count or a percentage of active employees.
type GuardLimit struct {
	Count   int     `json:"count,omitempty"`
	Percent float64 `json:"percent,omitempty"`
}

// Of is the limit for a company of active employees.
func (l GuardLimit) Of(active int) int {
	if l.Percent > 0 {
		return int(l.Percent * float64(active) / 100)
	}
	return l.Count
}

// GuardPolicy is hr.guard as the workflow needs it.
type GuardPolicy struct {
	Enabled           bool       `json:"enabled"`
	PerRun            GuardLimit `json:"per_run"`
	PerHour           GuardLimit `json:"per_hour"`
	Approvers         []string   `json:"approvers"` // HR employee ids
	ApprovalsRequired int        `json:"approvals_required"`
	SecurityChannel   string     `json:"security_channel"`
	EvidenceDir       string     `json:"-"` // worker-side only
}

// GuardInput starts (or continues) the guard.
type GuardInput struct {
	Policy GuardPolicy `json:"policy"`
	State  *GuardState `json:"state,omitempty"`
}

// AdmitTerminationInput asks whether terminations may be delivered now
// (the caller coalesces those arriving together into one update).
type AdmitTerminationInput struct {
	RunID     string       `json:"run_id"`
	Source    string       `json:"source"`              // import:<file>, webhook
	Requester string       `json:"requester,omitempty"` // the uploader's employee id, when known
	Items     []AdmitItem  `json:"items"`
	Policy    *GuardPolicy `json:"policy,omitempty"` // the caller's configuration
}

// AdmitItem is one termination asked about.
type AdmitItem struct {
	Record     domain.HRRecord `json:"record"`
	DeliveryID string          `json:"delivery_id,omitempty"`
}

// AdmitTerminationResult answers each item in order.
type AdmitTerminationResult struct {
	Results []Admission `json:"results"`
	// RunLimit is the per-run limit in force: a caller that later cannot
	// reach the guard stops there.
	RunLimit int `json:"run_limit"`
}

// Admission: Admitted, or held in HoldID.
type Admission struct {
	Admitted bool   `json:"admitted"`
	HoldID   string `json:"hold_id,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// HeldTermination is one termination waiting for a decision.
type HeldTermination struct {
	Record     domain.HRRecord `json:"record"`
	DeliveryID string          `json:"delivery_id,omitempty"`
	HeldAt     time.Time       `json:"held_at"`
}

// Hold statuses.
const (
	HoldPending  = "pending"
	HoldApproved = "approved"
	HoldRejected = "rejected"
)

// Hold is one run's held terminations and what was decided.
type Hold struct {
	ID        string            `json:"id"`
	RunID     string            `json:"run_id"`
	Source    string            `json:"source"`
	Requester string            `json:"requester,omitempty"`
	Status    string            `json:"status"`
	Created   time.Time         `json:"created"`
	Records   []HeldTermination `json:"records"`
	Approvals []GuardDecision   `json:"approvals,omitempty"`
	Refusals  []GuardDecision   `json:"refusals,omitempty"`
	Rejected  *GuardDecision    `json:"rejected,omitempty"`
	DecidedAt time.Time         `json:"decided_at,omitzero"`
	Message   GuardMessage      `json:"message"`
	// Delivered and Quarantine: what the decision did.
	Delivered  int    `json:"delivered,omitempty"`
	Quarantine string `json:"quarantine,omitempty"`
}

// GuardMessage is the security-channel message of a hold and the Slack ids
// of the approvers (by their HR work emails) presses are judged by.
type GuardMessage struct {
	Posted           bool              `json:"posted"`
	Channel          string            `json:"channel,omitempty"`
	TS               string            `json:"ts,omitempty"`
	ApproverSlackIDs map[string]string `json:"approver_slack_ids,omitempty"` // employee id -> Slack id
	RequesterSlackID string            `json:"requester_slack_id,omitempty"`
	Count            int               `json:"count,omitempty"` // held when last posted
	Detail           string            `json:"detail,omitempty"`
}

// GuardDecision is an approve or reject from an approver.
type GuardDecision struct {
	HoldID string    `json:"hold_id"`
	Action string    `json:"action"` // approve, reject
	Actor  Actor     `json:"actor"`
	At     time.Time `json:"at,omitzero"`
	Reason string    `json:"reason,omitempty"` // why refused
}

// GuardDecisionResult says what a press did.
type GuardDecisionResult struct {
	Result string `json:"result"` // recorded, released, rejected, refused
	Reason string `json:"reason,omitempty"`
	Status string `json:"status"`
}

// GuardState is the guard's whole state (carried across continue-as-new
// and returned by the state query).
type GuardState struct {
	Admitted []time.Time      `json:"admitted,omitempty"` // the last hour's admitted terminations
	Runs     map[string]int   `json:"runs,omitempty"`     // admitted per run
	RunSeen  map[string]int64 `json:"run_seen,omitempty"` // run -> last ask (unix), to forget old runs
	Holds    []Hold           `json:"holds,omitempty"`
	Active   int              `json:"active"` // active employees when last counted
	ActiveAt time.Time        `json:"active_at,omitzero"`
	Seq      int              `json:"seq"`
}

// PostHoldInput posts (or rewrites) a hold's message to the channel.
type PostHoldInput struct {
	Hold      Hold     `json:"hold"`
	Approvers []string `json:"approvers"`
	Channel   string   `json:"channel"`
	Required  int      `json:"required"`
	PerRun    int      `json:"per_run"`
	Outcome   string   `json:"outcome,omitempty"` // set: rewrite without buttons
}

// DeliverHeldInput delivers approved held terminations.
type DeliverHeldInput struct {
	HoldID  string            `json:"hold_id"`
	Note    string            `json:"note"` // goes to each offboarding row
	Records []HeldTermination `json:"records"`
}

// DeliverHeldOutput counts what was delivered.
type DeliverHeldOutput struct {
	Delivered int `json:"delivered"`
}

// QuarantineHeldInput writes rejected held terminations to quarantine.
type QuarantineHeldInput struct {
	Hold Hold `json:"hold"`
}

// QuarantineHeldOutput is where they went.
type QuarantineHeldOutput struct {
	Path string `json:"path"`
}

// CountActiveOutput is how many employees are active (percentage limits).
type CountActiveOutput struct {
	Active int `json:"active"`
}

// Guard activities.
var (
	PostHold            = Activity[PostHoldInput, GuardMessage]{Name: "PostHold", Options: NotifyOptions}
	DeliverHeld         = Activity[DeliverHeldInput, DeliverHeldOutput]{Name: "DeliverHeld", Options: DirectoryOptions}
	QuarantineHeld      = Activity[QuarantineHeldInput, QuarantineHeldOutput]{Name: "QuarantineHeld", Options: DirectoryOptions}
	CountActiveForGuard = Activity[Empty, CountActiveOutput]{Name: "CountActiveForGuard", Options: PlanOptions}
)

package contract

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// AccessReviewWorkflowName is the workflow type of one review campaign.
const AccessReviewWorkflowName = "AccessReview"

// AccessReviewWorkflowID is "review/<campaign-id>". A Temporal Schedule
// appends its run time ("review/quarterly-2026-12-01T00:00:00Z"); the
// campaign id is then CampaignFromWorkflowID.
func AccessReviewWorkflowID(campaign string) string { return "review/" + campaign }

// ReviewScheduleID is the schedule that starts the quarterly campaigns.
const ReviewScheduleID = "access-review"

// UpdateReviewDecision carries a ReviewDecision and returns a
// ReviewDecisionResult (a reviewer's Keep, Remove or Keep all).
const UpdateReviewDecision = "review-decision"

// Action ids of a review DM's buttons.
const (
	ReviewActionKeep    = "review-keep"
	ReviewActionRemove  = "review-remove"
	ReviewActionKeepAll = "review-keep-all"
)

// Decisions on an item.
const (
	ReviewKeep   = "keep"
	ReviewRemove = "remove"
)

// Outcomes of an item (decisions.csv's applied result).
const (
	ReviewApplied         = "applied"
	ReviewAlreadyRemoved  = "already_removed"
	ReviewFailed          = "failed"
	ReviewSkippedByPolicy = "skipped_by_policy"
	ReviewKept            = "kept"
	ReviewClosedLeaver    = "closed_leaver" // the reviewee left mid-campaign
	ReviewClosedMoved     = "closed_moved"  // a mover no longer holds it
	ReviewNotReviewed     = "not_reviewed"  // no decision by the end (kept)
)

// ReviewButtonValue is a button's value: "<campaign>|<reviewee>|<key>|<decision>"
// (key "all" for Keep all). Opaque ids only: Slack stores and echoes it.
func ReviewButtonValue(campaign, reviewee, key, decision string) string {
	return strings.Join([]string{campaign, reviewee, key, decision}, "|")
}

// ParseReviewButton reads a button value back; all is true for Keep all.
func ParseReviewButton(v string) (campaign, reviewee string, key int, all bool, decision string, err error) {
	f := strings.Split(v, "|")
	if len(f) != 4 || f[0] == "" || f[1] == "" || (f[3] != ReviewKeep && f[3] != ReviewRemove) {
		return "", "", 0, false, "", fmt.Errorf("not a review button")
	}
	if f[2] == "all" {
		return f[0], f[1], 0, true, f[3], nil
	}
	k, err := strconv.Atoi(f[2])
	if err != nil || k < 0 {
		return "", "", 0, false, "", fmt.Errorf("not a review button")
	}
	return f[0], f[1], k, false, f[3], nil
}

// ValidCampaignID: letters, digits and . _ - (it names the evidence
// folder, the workflow and button values), at most 100, not "." or "..".
func ValidCampaignID(id string) error {
	if id == "" || len(id) > 100 || id == "." || id == ".." {
		return fmt.Errorf("campaign id %q: 1 to 100 characters, not a dot or two", id)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return fmt.Errorf("campaign id %q: only letters, digits and . _ -", id)
		}
	}
	return nil
}

// CampaignFromWorkflowID is the campaign id of a workflow id: what follows
// "review/", without the colons of a schedule's appended run time
// ("review/quarterly-2026-01-01T06:00:00Z" is quarterly-2026-01-01T060000Z).
func CampaignFromWorkflowID(id string) string {
	return strings.ReplaceAll(strings.TrimPrefix(id, AccessReviewWorkflowID("")), ":", "")
}

// Non-response policies (reviews.non_response).
const (
	NonResponseKeep     = "keep"
	NonResponseRemove   = "remove"
	NonResponseEscalate = "escalate"
)

// BreakGlassRef is a declared break-glass account (governance.break_glass).
type BreakGlassRef struct {
	Directory string `json:"directory"`
	Account   string `json:"account"`
}

// ReviewPolicy is reviews.* as the campaign needs it, filled by the starter.
type ReviewPolicy struct {
	Due time.Duration `json:"due"`
	// Owner is the fallback reviewer (an employee id): after the manager
	// and the manager's manager, and who an escalation goes to.
	Owner       string `json:"owner"`
	NonResponse string `json:"non_response"` // keep, remove, escalate
	// EscalationGrace is how long the owner has after an escalation.
	EscalationGrace time.Duration   `json:"escalation_grace"`
	BreakGlass      []BreakGlassRef `json:"break_glass,omitempty"`
	SecurityChannel string          `json:"security_channel,omitempty"`
	// PartSize is how many reviewees one part reviews at most (0:
	// DefaultReviewPartSize); a larger campaign is reviewed in parts.
	PartSize int `json:"part_size,omitempty"`
}

// ReviewScope is who is reviewed: everyone active, one department or one
// employee.
type ReviewScope struct {
	Department string `json:"department,omitempty"`
	EmployeeID string `json:"employee_id,omitempty"`
}

// String is the scope as the CLI takes it.
func (s ReviewScope) String() string {
	switch {
	case s.EmployeeID != "":
		return "employee=" + s.EmployeeID
	case s.Department != "":
		return "department=" + s.Department
	}
	return "all"
}

// AccessReviewInput starts a campaign.
type AccessReviewInput struct {
	// Campaign is the id; empty: taken from the workflow id (schedules).
	Campaign  string       `json:"campaign,omitempty"`
	Scope     ReviewScope  `json:"scope"`
	Policy    ReviewPolicy `json:"policy"`
	StartedBy string       `json:"started_by,omitempty"` // schedule, cli:<operator>
	// PartOf is the campaign this one is a part of (reviewparts.go), and
	// Population the employees of its page.
	PartOf     string   `json:"part_of,omitempty"`
	Population []string `json:"population,omitempty"`
}

// ReviewDecision is the payload of the review-decision update.
type ReviewDecision struct {
	Actor    Actor  `json:"actor"`
	Reviewee string `json:"reviewee"`
	Key      int    `json:"key"`
	All      bool   `json:"all,omitempty"` // Keep all
	Decision string `json:"decision"`      // keep or remove
}

// ReviewDecisionResult is what the update returns.
type ReviewDecisionResult struct {
	Result  domain.DecisionResult `json:"result"`
	Message string                `json:"message"`
}

// ReviewItem is one entitlement of one reviewee and what became of it.
type ReviewItem struct {
	Key       int        `json:"key"` // stable per reviewee, never reused
	Access    AccessItem `json:"access"`
	Decision  string     `json:"decision,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"` // employee id, or "policy"
	DecidedAt time.Time  `json:"decided_at,omitzero"`
	Result    string     `json:"result,omitempty"`
	Detail    string     `json:"detail,omitempty"`
	AppliedAt time.Time  `json:"applied_at,omitzero"`
	// Reviewer is who the decision was asked of when it was made.
	Reviewer string `json:"reviewer,omitempty"`
}

// ReviewMessageRef is where a review DM landed.
type ReviewMessageRef struct {
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

// Reviewee is one employee under review.
type Reviewee struct {
	EmployeeID string `json:"employee_id"`
	// Reviewer is the employee id asked now; Chain the ones after them.
	Reviewer            string           `json:"reviewer,omitempty"`
	ReviewerSlackUserID string           `json:"reviewer_slack_user_id,omitempty"`
	Chain               []string         `json:"chain,omitempty"`
	Message             ReviewMessageRef `json:"message"`
	Delivered           bool             `json:"delivered"`
	Items               []ReviewItem     `json:"items"`
	NextKey             int              `json:"next_key"`
	// Closed: "left" (terminated mid-campaign); Applied: decisions applied.
	Closed  string `json:"closed,omitempty"`
	Applied bool   `json:"applied,omitempty"`
	// Role is the HR attributes at the snapshot: a change means a mover,
	// whose access is read again.
	Role       ReviewRole `json:"role"`
	Rescoped   int        `json:"rescoped,omitempty"`
	Unreadable []string   `json:"unreadable,omitempty"`
}

// Pending reports whether any item still waits for a decision.
func (r Reviewee) Pending() bool {
	if r.Closed != "" {
		return false
	}
	for _, it := range r.Items {
		if it.Decision == "" && it.Result == "" {
			return true
		}
	}
	return false
}

// ReviewRole is the HR attributes that decide access.
type ReviewRole struct {
	Department     string `json:"department,omitempty"`
	Title          string `json:"title,omitempty"`
	Location       string `json:"location,omitempty"`
	EmploymentType string `json:"employment_type,omitempty"`
}

// ReviewRefusal is a press by someone other than the assigned reviewer.
type ReviewRefusal struct {
	Actor    Actor     `json:"actor"`
	Reviewee string    `json:"reviewee"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

// Campaign statuses.
const (
	ReviewStatusSnapshot  = "snapshot"
	ReviewStatusOpen      = "open"
	ReviewStatusEscalated = "escalated"
	ReviewStatusBlocked   = "blocked" // a removal failed: an operator retries or skips
	ReviewStatusDone      = "done"
)

// ReviewState is the campaign, returned by the state query and written to
// evidence.
type ReviewState struct {
	Campaign       string          `json:"campaign"`
	Scope          ReviewScope     `json:"scope"`
	Status         string          `json:"status"`
	StartedBy      string          `json:"started_by,omitempty"`
	StartedAt      time.Time       `json:"started_at"`
	DueAt          time.Time       `json:"due_at"`
	EscalatedAt    time.Time       `json:"escalated_at,omitzero"`
	CompletedAt    time.Time       `json:"completed_at,omitzero"`
	NonResponse    string          `json:"non_response"`
	SnapshotPath   string          `json:"snapshot_path,omitempty"`
	SnapshotSHA256 string          `json:"snapshot_sha256,omitempty"`
	Reviewees      []Reviewee      `json:"reviewees"`
	Refusals       []ReviewRefusal `json:"refusals,omitempty"`
	Reminders      []time.Time     `json:"reminders,omitempty"`
	// Overdue are the reviewers who had items pending at the due date.
	Overdue  []string `json:"overdue,omitempty"`
	Blocked  []string `json:"blocked,omitempty"` // "<reviewee>/<key>" of failed removals
	Evidence []string `json:"evidence,omitempty"`
	// PartOf is set on a part's state; Parts on a campaign reviewed in
	// parts (its Reviewees are then the parts').
	PartOf string       `json:"part_of,omitempty"`
	Parts  []ReviewPart `json:"parts,omitempty"`
}

// ---- activities ----

// ReviewPeopleInput asks what HR (as jml holds it) says of these people.
type ReviewPeopleInput struct {
	EmployeeIDs []string `json:"employee_ids"`
}

// ReviewPerson is one HR record as the campaign needs it (no email, no
// name: the state query and the history carry ids only).
type ReviewPerson struct {
	EmployeeID        string     `json:"employee_id"`
	Found             bool       `json:"found"`
	Active            bool       `json:"active"` // not terminated
	ManagerEmployeeID string     `json:"manager_employee_id,omitempty"`
	Role              ReviewRole `json:"role"`
}

// ReviewPeopleOutput is in the order asked.
type ReviewPeopleOutput struct {
	People []ReviewPerson `json:"people"`
}

// ReviewMessageInput DMs (or rewrites) the review of one reviewee to the
// reviewer, at the reviewer's HR work email.
type ReviewMessageInput struct {
	Campaign           string           `json:"campaign"`
	ReviewerEmployeeID string           `json:"reviewer_employee_id"`
	RevieweeEmployeeID string           `json:"reviewee_employee_id"`
	DueAt              time.Time        `json:"due_at"`
	Items              []ReviewItem     `json:"items"`
	Message            ReviewMessageRef `json:"message"` // set: rewrite it
	Note               string           `json:"note,omitempty"`
}

// ReviewMessageOutput is where it landed and the reviewer's Slack member.
type ReviewMessageOutput struct {
	Delivered           bool             `json:"delivered"`
	Message             ReviewMessageRef `json:"message"`
	ReviewerSlackUserID string           `json:"reviewer_slack_user_id,omitempty"`
	Detail              string           `json:"detail,omitempty"`
}

// ReviewAccountInput finds the reviewee's account behind an item and
// whether it is a declared break-glass account.
type ReviewAccountInput struct {
	Directory  string          `json:"directory"`
	Kind       string          `json:"kind"`
	EmployeeID string          `json:"employee_id"`
	BreakGlass []BreakGlassRef `json:"break_glass,omitempty"`
}

// ReviewAccountOutput is the account (Found false: none any more).
type ReviewAccountOutput struct {
	Found      bool   `json:"found"`
	AccountID  string `json:"account_id,omitempty"`
	BreakGlass bool   `json:"break_glass,omitempty"`
}

// VerifyRemovedInput reads back that an item is gone.
type VerifyRemovedInput struct {
	Directory   string `json:"directory"`
	Kind        string `json:"kind"`
	AccountID   string `json:"account_id"`
	EmployeeID  string `json:"employee_id"`
	Entitlement string `json:"entitlement"`
}

// ReviewEvidenceOutput names the files written.
type ReviewEvidenceOutput struct {
	DecisionsCSV string `json:"decisions_csv"`
	SummaryJSON  string `json:"summary_json"`
}

// ReviewSummary is Reviews/<campaign>/summary.json.
type ReviewSummary struct {
	Campaign         string         `json:"campaign"`
	Scope            string         `json:"scope"`
	Status           string         `json:"status"`
	StartedAt        time.Time      `json:"started_at"`
	DueAt            time.Time      `json:"due_at"`
	CompletedAt      time.Time      `json:"completed_at,omitzero"`
	Reviewees        int            `json:"reviewees"`
	Items            int            `json:"items"`
	Decided          int            `json:"decided"`
	CompletionPct    float64        `json:"completion_pct"`
	Counts           map[string]int `json:"counts"` // by result
	OverdueReviewers []string       `json:"overdue_reviewers"`
	RemovalsApplied  int            `json:"removals_applied"`
	Refusals         int            `json:"refusals"`
	SnapshotPath     string         `json:"snapshot_path,omitempty"`
	SnapshotSHA256   string         `json:"snapshot_sha256,omitempty"`
	// Parts of a campaign reviewed in parts; PartsFailed wrote no evidence.
	Parts       []string `json:"parts,omitempty"`
	PartsFailed []string `json:"parts_failed,omitempty"`
}

// Access-review activities.
var (
	ReadReviewPeople     = Activity[ReviewPeopleInput, ReviewPeopleOutput]{Name: "ReadReviewPeople", Options: DirectoryOptions}
	PostReviewMessage    = Activity[ReviewMessageInput, ReviewMessageOutput]{Name: "PostReviewMessage", Options: NotifyOptions}
	ResolveReviewAccount = Activity[ReviewAccountInput, ReviewAccountOutput]{Name: "ResolveReviewAccount", Options: DirectoryOptions}
	VerifyAccessRemoved  = Activity[VerifyRemovedInput, Empty]{Name: "VerifyAccessRemoved", Options: DirectoryOptions}
	WriteReviewEvidence  = Activity[ReviewState, ReviewEvidenceOutput]{Name: "WriteReviewEvidence", Options: EvidenceOptions}
	// ListActiveEmployees (evidence.go) gives the population of a campaign.
)

// ReviewFacts are the access-review campaigns of a KPI month.
type ReviewFacts struct {
	Campaigns []ReviewSummary `json:"campaigns"`
}

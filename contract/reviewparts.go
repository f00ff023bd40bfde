package contract

import (
	"fmt"
	"strings"
)

// A campaign larger than its part size (reviews.part_size, default
// DefaultReviewPartSize) is reviewed in parts: review/<campaign> pages its
// population (reports of one manager together) and runs one child
// AccessReview per page, review/<campaign>.part-NNN, which snapshots,
// DMs, decides and applies its page like a small campaign. Each part's
// state, payloads and history stay bounded by the part size, whatever the
// size of the organisation; review/<campaign> merges the parts' evidence
// into Reviews/<campaign>/.
const (
	DefaultReviewPartSize = 100
	// MaxReviewPartSize keeps one part's snapshot (about 1 KB an employee)
	// well under Temporal's 2 MB payload limit.
	MaxReviewPartSize = 1000
)

// ReviewPartID is the campaign id of part n (1-based) of campaign: also
// what its DMs' buttons carry, so a press reaches the part directly.
func ReviewPartID(campaign string, n int) string {
	return fmt.Sprintf("%s.part-%03d", campaign, n)
}

// ValidReviewCampaign checks a campaign id, or a part's: partOf's id
// followed by ".part-NNN".
func ValidReviewCampaign(campaign, partOf string) error {
	if partOf == "" {
		return ValidCampaignID(campaign)
	}
	if err := ValidCampaignID(partOf); err != nil {
		return err
	}
	n, ok := strings.CutPrefix(campaign, partOf+".part-")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return fmt.Errorf("campaign %q: not a part of campaign %s (want %s)", campaign, partOf, ReviewPartID(partOf, 1))
	}
	return nil
}

// Part statuses (ReviewPart.Status).
const (
	ReviewPartOpen   = "open"
	ReviewPartDone   = "done"
	ReviewPartFailed = "failed"
)

// ReviewPart is one part of a campaign reviewed in parts.
type ReviewPart struct {
	Campaign   string `json:"campaign"`
	WorkflowID string `json:"workflow_id"`
	Reviewees  int    `json:"reviewees"` // employees in the part's page
	Status     string `json:"status"`
	Error      string `json:"error,omitempty"`
	// Overdue are the part's reviewers with items pending at its due date.
	Overdue  []string `json:"overdue,omitempty"`
	Evidence []string `json:"evidence,omitempty"`
}

// ReviewMergeOutput names the campaign's merged evidence.
type ReviewMergeOutput struct {
	DecisionsCSV   string `json:"decisions_csv"`
	SummaryJSON    string `json:"summary_json"`
	SnapshotPath   string `json:"snapshot_path"`
	SnapshotSHA256 string `json:"snapshot_sha256"`
}

// MergeReviewEvidence writes Reviews/<campaign>/decisions.csv, summary.json
// and snapshot.json from the parts' files (Reviews/<campaign>/parts/<part>/),
// read and written by the activity, never carried in a payload.
var MergeReviewEvidence = Activity[ReviewState, ReviewMergeOutput]{Name: "MergeReviewEvidence", Options: EvidenceOptions}

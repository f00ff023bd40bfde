package activities

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

func reviewState() contract.ReviewState {
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return contract.ReviewState{Campaign: "q4", Scope: contract.ReviewScope{Department: "Sales"}, Status: contract.ReviewStatusDone,
		StartedAt: at, DueAt: at.Add(14 * 24 * time.Hour), CompletedAt: at.Add(48 * time.Hour), Overdue: []string{"M9"},
		SnapshotPath: "Reviews/q4/snapshot.json", SnapshotSHA256: "ab12",
		Refusals: []contract.ReviewRefusal{{Actor: contract.Actor{EmployeeID: "E1"}, Reviewee: "E1", Reason: "self"}},
		Reviewees: []contract.Reviewee{{EmployeeID: "E1", Reviewer: "M1", Items: []contract.ReviewItem{
			{Key: 0, Access: contract.AccessItem{Directory: "entra", Kind: "group", Entitlement: "=HYPERLINK(\"http://x\")", Catalog: false},
				Decision: "remove", DecidedBy: "M1", DecidedAt: at.Add(time.Hour), Result: contract.ReviewApplied, AppliedAt: at.Add(2 * time.Hour), Detail: "read back: removed (removed)", Reviewer: "M1"},
			{Key: 1, Access: contract.AccessItem{Directory: "okta", Kind: "group", Entitlement: "Sales, EMEA", Catalog: true},
				Decision: "keep", DecidedBy: "M1", Result: contract.ReviewKept, Reviewer: "M1"},
			{Key: 2, Access: contract.AccessItem{Directory: "okta", Kind: "group", Entitlement: "-1+2", Catalog: true},
				Decision: "keep", DecidedBy: "policy:keep", Result: contract.ReviewKept},
			{Key: 3, Access: contract.AccessItem{Directory: "google", Kind: "group", Entitlement: "@team\tx"}, Result: contract.ReviewNotReviewed},
		}}},
	}
}

// Every cell a spreadsheet would evaluate gets a leading '; commas and
// quotes survive quoting; the row says who decided, when, and the result.
func TestReviewDecisionsCSVEscapesFormulas(t *testing.T) {
	b, err := ReviewDecisionsCSV(reviewState())
	require.NoError(t, err)
	rows, err := csv.NewReader(bytesReader(b)).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 5)
	assert.Equal(t, decisionsHeader, rows[0])
	assert.Equal(t, []string{"q4", "M1", "E1", "entra", "group", "'=HYPERLINK(\"http://x\")", "false", "remove", "M1", "2026-12-01T10:00:00Z", "2026-12-01T11:00:00Z", "applied", "read back: removed (removed)"}, rows[1])
	assert.Equal(t, "Sales, EMEA", rows[2][5])
	assert.Equal(t, "'-1+2", rows[3][5])
	assert.Equal(t, "'@team\tx", rows[4][5])
	assert.Equal(t, "M1", rows[4][1], "the reviewer assigned when nobody decided")
}

func TestReviewSummaryAndKPI(t *testing.T) {
	s := SummariseReview(reviewState())
	assert.Equal(t, 4, s.Items)
	assert.Equal(t, 2, s.Decided, "decisions by the policy are not reviewer decisions")
	assert.Equal(t, 50.0, s.CompletionPct)
	assert.Equal(t, 1, s.RemovalsApplied)
	assert.Equal(t, []string{"M9"}, s.OverdueReviewers)
	assert.Equal(t, map[string]int{"applied": 1, "kept": 2, "not_reviewed": 1}, s.Counts)
	assert.Equal(t, "department=Sales", s.Scope)

	dir := t.TempDir()
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	out, err := a.WriteReviewEvidence(context.Background(), reviewState())
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "Reviews", "q4", "decisions.csv"), out.DecisionsCSV)
	var back contract.ReviewSummary
	b, err := os.ReadFile(out.SummaryJSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s.CompletionPct, back.CompletionPct)

	from, to, _ := contract.MonthRange("2026-12")
	f, err := ReadReviewFacts(dir, from, to)
	require.NoError(t, err)
	require.Len(t, f.Campaigns, 1)
	none, err := ReadReviewFacts(dir, to, to.AddDate(0, 1, 0))
	require.NoError(t, err)
	assert.Empty(t, none.Campaigns, "a campaign counts in the month it completed")

	r := BuildKPIReport(contract.KPIFacts{Month: "2026-12", Reviews: f})
	var k KPI
	for _, x := range r.KPIs {
		if x.ID == KPIAccessReviews {
			k = x
		}
	}
	require.Equal(t, KPIAccessReviews, k.ID)
	assert.Equal(t, "1 campaign(s), 2 / 4 (50.00%) decided, 1 removals applied", k.Value)
	assert.Contains(t, k.Controls, soc2("CC6.6", "Access reviews: logical access is reviewed periodically and removed when no longer needed"))
	assert.Contains(t, k.Details[0], "overdue reviewers: M9")

	_, err = a.WriteReviewEvidence(context.Background(), contract.ReviewState{Campaign: "../etc"})
	require.Error(t, err, "a campaign id never escapes the evidence folder")
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

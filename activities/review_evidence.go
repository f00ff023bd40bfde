package activities

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
)

// decisionsHeader is decisions.csv's first row.
var decisionsHeader = []string{"campaign", "reviewer", "reviewee", "directory", "kind", "entitlement", "catalog", "decision", "decided_by", "decided_at", "applied_at", "result", "detail"}

// csvCell neutralises a cell a spreadsheet would run as a formula (OWASP:
// a leading = + - @ tab or CR gets a leading '); encoding/csv quotes the
// rest (commas, quotes, newlines).
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// ReviewDecisionsCSV renders decisions.csv: one row per item.
func ReviewDecisionsCSV(st contract.ReviewState) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.Write(decisionsHeader); err != nil {
		return nil, err
	}
	for _, rv := range st.Reviewees {
		for _, it := range rv.Items {
			reviewer := it.Reviewer
			if reviewer == "" {
				reviewer = rv.Reviewer
			}
			row := []string{st.Campaign, reviewer, rv.EmployeeID, it.Access.Directory, it.Access.Kind, it.Access.Entitlement,
				fmt.Sprint(it.Access.Catalog), it.Decision, it.DecidedBy, stamp(it.DecidedAt), stamp(it.AppliedAt), it.Result, it.Detail}
			for i := range row {
				row[i] = csvCell(row[i])
			}
			if err := w.Write(row); err != nil {
				return nil, err
			}
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}

// SummariseReview is summary.json's content.
func SummariseReview(st contract.ReviewState) contract.ReviewSummary {
	s := contract.ReviewSummary{Campaign: st.Campaign, Scope: st.Scope.String(), Status: st.Status, StartedAt: st.StartedAt, DueAt: st.DueAt,
		CompletedAt: st.CompletedAt, Reviewees: len(st.Reviewees), Counts: map[string]int{}, OverdueReviewers: []string{},
		Refusals: len(st.Refusals), SnapshotPath: st.SnapshotPath, SnapshotSHA256: st.SnapshotSHA256}
	if st.Overdue != nil {
		s.OverdueReviewers = slices.Clone(st.Overdue)
	}
	for _, rv := range st.Reviewees {
		for _, it := range rv.Items {
			s.Items++
			res := it.Result
			if res == "" {
				res = "pending"
			}
			s.Counts[res]++
			if it.Decision != "" && !strings.HasPrefix(it.DecidedBy, "policy:") {
				s.Decided++
			}
			if it.Result == contract.ReviewApplied {
				s.RemovalsApplied++
			}
		}
	}
	s.CompletionPct = pct(s.Decided, s.Items)
	return s
}

// WriteReviewEvidence writes Reviews/<campaign>/decisions.csv and
// summary.json (atomically; a retry rewrites both).
func (a *Activities) WriteReviewEvidence(_ context.Context, st contract.ReviewState) (contract.ReviewEvidenceOutput, error) {
	if a.EvidenceDir == "" {
		return contract.ReviewEvidenceOutput{}, badInput("evidence directory is not configured")
	}
	dir, err := reviewFolderFor(a.EvidenceDir, st.Campaign, st.PartOf)
	if err != nil {
		return contract.ReviewEvidenceOutput{}, badInput(err.Error())
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return contract.ReviewEvidenceOutput{}, temporalError(err)
	}
	rows, err := ReviewDecisionsCSV(st)
	if err != nil {
		return contract.ReviewEvidenceOutput{}, temporalError(err)
	}
	sum, err := json.MarshalIndent(SummariseReview(st), "", "  ")
	if err != nil {
		return contract.ReviewEvidenceOutput{}, temporalError(err)
	}
	out := contract.ReviewEvidenceOutput{DecisionsCSV: filepath.Join(dir, "decisions.csv"), SummaryJSON: filepath.Join(dir, "summary.json")}
	if err := writeAtomic(out.DecisionsCSV, rows); err != nil {
		return out, temporalError(err)
	}
	if err := writeAtomic(out.SummaryJSON, append(sum, '\n')); err != nil {
		return out, temporalError(err)
	}
	a.Logger.Info().Str("campaign", st.Campaign).Str("csv", out.DecisionsCSV).Msg("review evidence written")
	return out, nil
}

// KPIAccessReviews is the access-review line of the KPI report.
const KPIAccessReviews = "access_reviews"

// reviewControls: periodic review of access (the CC6.6 line, with
// the NIST subcategory that asks for reviewed permissions).
var reviewControls = []Control{
	nist("PR.AA-05", "Access permissions are managed, enforced and reviewed"),
	soc2("CC6.6", "Access reviews: logical access is reviewed periodically and removed when no longer needed"),
	soc2("CC6.2", "Access is removed when no longer authorized"),
}

// ReadReviewFacts reads the summaries of the campaigns completed in
// [from, to) from the evidence folder.
func ReadReviewFacts(evidenceDir string, from, to time.Time) (*contract.ReviewFacts, error) {
	paths, err := filepath.Glob(filepath.Join(evidenceDir, ReviewsDir, "*", "summary.json"))
	if err != nil {
		return nil, err
	}
	f := &contract.ReviewFacts{Campaigns: []contract.ReviewSummary{}}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		var s contract.ReviewSummary
		if err := json.Unmarshal(b, &s); err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		if !s.CompletedAt.Before(from) && s.CompletedAt.Before(to) {
			f.Campaigns = append(f.Campaigns, s)
		}
	}
	slices.SortFunc(f.Campaigns, func(a, b contract.ReviewSummary) int { return a.CompletedAt.Compare(b.CompletedAt) })
	return f, nil
}

// reviewKPI is the "Access reviews" line: items decided by a reviewer
// among the items of the campaigns completed in the month.
// It is shown for a month in which a campaign completed.
func reviewKPI(f contract.KPIFacts) (KPI, bool) {
	k := KPI{ID: KPIAccessReviews, Title: "Access reviews",
		Meaning:  "Items of the access-review campaigns completed this month that a reviewer decided (not the non-response policy), and the removals applied and read back.",
		Controls: reviewControls}
	if f.Reviews == nil || len(f.Reviews.Campaigns) == 0 {
		return k, false
	}
	removed := 0
	for _, c := range f.Reviews.Campaigns {
		k.Numerator += c.Decided
		k.Denominator += c.Items
		removed += c.RemovalsApplied
		line := fmt.Sprintf("%s (%s): %s decided, %d removals applied, %d failed", c.Campaign, c.Scope, ratio(c.Decided, c.Items), c.RemovalsApplied, c.Counts[contract.ReviewFailed])
		if len(c.OverdueReviewers) > 0 {
			line += ", overdue reviewers: " + strings.Join(c.OverdueReviewers, ", ")
		}
		k.Details = append(k.Details, line)
	}
	k.Percent = pct(k.Numerator, k.Denominator)
	k.Value = fmt.Sprintf("%d campaign(s), %s decided, %d removals applied", len(f.Reviews.Campaigns), ratio(k.Numerator, k.Denominator), removed)
	return k, true
}

package activities

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/jml-dev/jml/contract"
)

// PartsDir holds the parts of a campaign reviewed in parts:
// Reviews/<campaign>/parts/<part>/ (snapshot.json, decisions.csv,
// summary.json), beside the campaign's merged files.
const PartsDir = "parts"

// SnapshotPart is one part's snapshot, named in the merged snapshot.json
// with the SHA-256 the part recorded.
type SnapshotPart struct {
	Campaign string `json:"campaign"`
	Path     string `json:"path"`
	SHA256   string `json:"sha256"`
}

// reviewFolderFor is a campaign's folder, or a part's under its campaign.
func reviewFolderFor(evidenceDir, campaign, partOf string) (string, error) {
	if partOf == "" {
		return ReviewFolder(evidenceDir, campaign)
	}
	parent, err := ReviewFolder(evidenceDir, partOf)
	if err != nil {
		return "", err
	}
	if err := CheckCampaignID(campaign); err != nil {
		return "", err
	}
	return filepath.Join(parent, PartsDir, campaign), nil
}

// evidenceRel is path relative to the evidence folder, with slashes.
func evidenceRel(base, path string) string {
	if rel, err := filepath.Rel(base, path); err == nil {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(path)
}

// MergeReviewEvidence writes a campaign reviewed in parts' own
// decisions.csv (every part's rows, under the campaign's id), summary.json
// (the parts' counts added up) and snapshot.json (every part's employees,
// each part's file and SHA-256 named) from the parts' files. It streams
// the CSV; nothing per employee passes through a workflow payload. A part
// that failed before writing its evidence is named in parts_failed. A
// retry rewrites all three.
func (a *Activities) MergeReviewEvidence(ctx context.Context, st contract.ReviewState) (contract.ReviewMergeOutput, error) {
	if a.EvidenceDir == "" {
		return contract.ReviewMergeOutput{}, badInput("evidence directory is not configured")
	}
	dir, err := ReviewFolder(a.EvidenceDir, st.Campaign)
	if err != nil {
		return contract.ReviewMergeOutput{}, badInput(err.Error())
	}
	if len(st.Parts) == 0 {
		return contract.ReviewMergeOutput{}, badInput(fmt.Sprintf("campaign %s: parts: none to merge", st.Campaign))
	}
	sum := SummariseReview(contract.ReviewState{Campaign: st.Campaign, Scope: st.Scope, Status: st.Status, StartedAt: st.StartedAt, DueAt: st.DueAt, CompletedAt: st.CompletedAt})
	doc := SnapshotDocument{Campaign: st.Campaign, HashAlgo: "SHA-256", Employees: []contract.EmployeeAccess{}}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	// The rows stream into a temporary file renamed into place at the
	// end: a campaign's CSV is never held in memory whole.
	tmp, err := os.CreateTemp(dir, ".decisions-*.csv")
	if err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed
	defer tmp.Close()
	bw := bufio.NewWriter(tmp)
	w := csv.NewWriter(bw)
	if err := w.Write(decisionsHeader); err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	for _, p := range st.Parts {
		heartbeat(ctx, p.Campaign)
		pdir, err := reviewFolderFor(a.EvidenceDir, p.Campaign, st.Campaign)
		if err != nil {
			return contract.ReviewMergeOutput{}, badInput(fmt.Sprintf("campaign %s: parts: %v", st.Campaign, err))
		}
		sum.Parts = append(sum.Parts, p.Campaign)
		ps, err := readPartSummary(filepath.Join(pdir, "summary.json"))
		if errors.Is(err, fs.ErrNotExist) {
			sum.PartsFailed = append(sum.PartsFailed, p.Campaign)
			continue
		}
		if err != nil {
			return contract.ReviewMergeOutput{}, temporalError(err)
		}
		addSummary(&sum, ps)
		if err := copyDecisionRows(w, filepath.Join(pdir, "decisions.csv"), st.Campaign); err != nil {
			return contract.ReviewMergeOutput{}, temporalError(err)
		}
		if err := mergeSnapshot(&doc, filepath.Join(pdir, SnapshotFile)); err != nil {
			return contract.ReviewMergeOutput{}, temporalError(err)
		}
		doc.Parts = append(doc.Parts, SnapshotPart{Campaign: p.Campaign, Path: evidenceRel(a.EvidenceDir, filepath.Join(pdir, SnapshotFile)), SHA256: ps.SnapshotSHA256})
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush(), tmp.Sync(), tmp.Close(), os.Chmod(tmp.Name(), 0o640)); err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	snapPath := filepath.Join(dir, SnapshotFile)
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	if err := writeAtomic(snapPath, append(b, '\n')); err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	sha, err := FileSHA256(snapPath)
	if err != nil {
		return contract.ReviewMergeOutput{}, temporalError(err)
	}
	sum.SnapshotPath, sum.SnapshotSHA256 = evidenceRel(a.EvidenceDir, snapPath), sha
	sum.CompletionPct = pct(sum.Decided, sum.Items)
	slices.Sort(sum.OverdueReviewers)
	out := contract.ReviewMergeOutput{DecisionsCSV: filepath.Join(dir, "decisions.csv"), SummaryJSON: filepath.Join(dir, "summary.json"), SnapshotPath: sum.SnapshotPath, SnapshotSHA256: sha}
	if err := os.Rename(tmp.Name(), out.DecisionsCSV); err != nil {
		return out, temporalError(err)
	}
	sb, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return out, temporalError(err)
	}
	if err := writeAtomic(out.SummaryJSON, append(sb, '\n')); err != nil {
		return out, temporalError(err)
	}
	a.Logger.Info().Str("campaign", st.Campaign).Int("parts", len(st.Parts)).Int("reviewees", sum.Reviewees).Int("items", sum.Items).Msg("review evidence merged from its parts")
	return out, nil
}

func readPartSummary(path string) (contract.ReviewSummary, error) {
	var s contract.ReviewSummary
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func addSummary(sum *contract.ReviewSummary, p contract.ReviewSummary) {
	sum.Reviewees += p.Reviewees
	sum.Items += p.Items
	sum.Decided += p.Decided
	sum.RemovalsApplied += p.RemovalsApplied
	sum.Refusals += p.Refusals
	for k, v := range p.Counts {
		sum.Counts[k] += v
	}
	for _, o := range p.OverdueReviewers {
		if !slices.Contains(sum.OverdueReviewers, o) {
			sum.OverdueReviewers = append(sum.OverdueReviewers, o)
		}
	}
}

// copyDecisionRows appends a part's decisions.csv rows (its header
// checked and skipped) with the campaign's id in the campaign column. The
// cells were neutralised against formulas when the part wrote them.
func copyDecisionRows(w *csv.Writer, path, campaign string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReader(f))
	head, err := r.Read()
	if err != nil {
		return fmt.Errorf("%s: header: %w", path, err)
	}
	if !slices.Equal(head, decisionsHeader) {
		return fmt.Errorf("%s: header %v is not decisions.csv's", path, head)
	}
	for {
		row, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		row[0] = campaign
		if err := w.Write(row); err != nil {
			return err
		}
	}
}

// mergeSnapshot adds a part's snapshot.json to the campaign's.
func mergeSnapshot(doc *SnapshotDocument, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var p SnapshotDocument
	if err := json.Unmarshal(b, &p); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if doc.TakenAt.IsZero() || p.TakenAt.Before(doc.TakenAt) {
		doc.TakenAt = p.TakenAt
	}
	for _, d := range p.Directories {
		if !slices.Contains(doc.Directories, d) {
			doc.Directories = append(doc.Directories, d)
		}
	}
	for _, ap := range p.Apps {
		if !slices.Contains(doc.Apps, ap) {
			doc.Apps = append(doc.Apps, ap)
		}
	}
	doc.Employees = append(doc.Employees, p.Employees...)
	return nil
}

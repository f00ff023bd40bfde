package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// PostureDir holds Posture/YYYY/MM/DD/policies-<dir>.json (+ .sha256) and
// Posture/YYYY/MM/action-plan.csv.
const PostureDir = "Posture"

// policySnapshotFile is the evidence file of one directory's snapshot.
type policySnapshotFile struct {
	Directory string                    `json:"directory"`
	Date      string                    `json:"date"`
	TakenAt   time.Time                 `json:"taken_at"`
	Policies  []domain.AuthPolicy       `json:"policies"`
	Raw       map[string]map[string]any `json:"raw"`
}

// PolicySnapshotPath is Posture/YYYY/MM/DD/policies-<dir>.json, relative.
func PolicySnapshotPath(date, dir string) (string, error) {
	d, err := time.Parse(contract.DateLayout, date)
	if err != nil {
		return "", fmt.Errorf("date %q: want YYYY-MM-DD", date)
	}
	return filepath.Join(PostureDir, d.Format("2006"), d.Format("01"), d.Format("02"), "policies-"+dir+".json"), nil
}

// previousSnapshot is the last snapshot of dir taken before this one: the
// file of the same day when it exists (a re-run diffs against the earlier
// run), else the newest of an earlier day.
func (a *Activities) previousSnapshot(dir, rel string) (string, error) {
	if _, err := os.Stat(filepath.Join(a.EvidenceDir, rel)); err == nil {
		return rel, nil
	}
	ms, err := filepath.Glob(filepath.Join(a.EvidenceDir, PostureDir, "*", "*", "*", "policies-"+dir+".json"))
	if err != nil {
		return "", err
	}
	var best string
	for _, m := range ms {
		r, err := filepath.Rel(a.EvidenceDir, m)
		if err != nil {
			continue
		}
		if r < rel && r > best { // YYYY/MM/DD paths sort by date
			best = r
		}
	}
	return best, nil
}

// SnapshotPolicies reads one directory's sign-in policies, writes them as
// the day's evidence with a SHA-256 beside, and diffs them against the
// previous snapshot, field by field.
func (a *Activities) SnapshotPolicies(ctx context.Context, in contract.SnapshotPoliciesInput) (contract.PolicySnapshotResult, error) {
	out := contract.PolicySnapshotResult{Directory: in.Directory}
	if a.EvidenceDir == "" {
		return out, badInput("evidence directory is not configured")
	}
	d, err := a.dir(in.Directory)
	if err != nil {
		return out, err
	}
	rel, err := PolicySnapshotPath(in.Date, in.Directory)
	if err != nil {
		return out, badInput(err.Error())
	}
	pr, ok := d.(directory.PostureReader)
	if !ok {
		out.NotSupported = in.Directory + " has no sign-in policy API jml reads"
		return out, nil
	}
	snap, err := pr.PolicySnapshot(ctx)
	if err != nil {
		return out, temporalError(err)
	}
	heartbeat(ctx, len(snap.Policies))
	prevRel, err := a.previousSnapshot(in.Directory, rel)
	if err != nil {
		return out, temporalError(err)
	}
	if prevRel != "" {
		prev, tampered, err := a.readSnapshot(prevRel)
		if err != nil {
			return out, temporalError(err)
		}
		out.Previous, out.PreviousTampered = prevRel, tampered
		out.Changes = domain.DiffSnapshots(domain.PolicySnapshot{Raw: prev.Raw}, snap)
	}
	f := policySnapshotFile{Directory: in.Directory, Date: in.Date, TakenAt: time.Now().UTC(), Policies: snap.Policies, Raw: snap.Raw}
	if f.Policies == nil {
		f.Policies = []domain.AuthPolicy{}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return out, temporalError(err)
	}
	path := filepath.Join(a.EvidenceDir, rel)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return out, temporalError(err)
	}
	sum, err := writeWithSum(path, append(b, '\n'))
	if err != nil {
		return out, temporalError(err)
	}
	out.File, out.SHA256, out.Policies = rel, sum, len(snap.Policies)
	a.Logger.Info().Str("directory", in.Directory).Str("file", rel).Int("policies", out.Policies).Int("changes", len(out.Changes)).Msg("policy snapshot written")
	return out, nil
}

// readSnapshot reads a snapshot file and checks it against its .sha256.
func (a *Activities) readSnapshot(rel string) (policySnapshotFile, bool, error) {
	path := filepath.Join(a.EvidenceDir, rel)
	var f policySnapshotFile
	b, err := os.ReadFile(path)
	if err != nil {
		return f, false, err
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, true, nil // unreadable: everything shows as added
	}
	return f, sumTampered(path), nil
}

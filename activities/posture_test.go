package activities_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
)

// TestPolicySnapshotSideFileChecked: a re-run diffs against the day's
// earlier snapshot and says whether it still matches its .sha256: an
// untouched one does, an edited byte, an emptied side file and a deleted
// one do not.
func TestPolicySnapshotSideFileChecked(t *testing.T) {
	r := newRig(t)
	in := contract.SnapshotPoliciesInput{Directory: "entra", Date: "2026-11-30"}
	var res contract.PolicySnapshotResult
	r.must("SnapshotPolicies", in, &res)
	rel, _ := activities.PolicySnapshotPath(in.Date, in.Directory)
	path := filepath.Join(r.acts.EvidenceDir, rel)
	side, err := os.ReadFile(path + ".sha256")
	if err != nil || string(side) != res.SHA256+"  policies-entra.json\n" {
		t.Fatalf("side file %q (%v), want the sum %s in sha256sum's format", side, err, res.SHA256)
	}
	for name, spoil := range map[string]func() error{
		"untouched":         func() error { return nil },
		"edited byte":       func() error { return os.WriteFile(path, append([]byte(" "), mustRead(t, path)...), 0o600) },
		"empty side file":   func() error { return os.WriteFile(path+".sha256", nil, 0o600) },
		"deleted side file": func() error { return os.Remove(path + ".sha256") },
	} {
		r.must("SnapshotPolicies", in, &res) // a fresh, sealed snapshot to spoil
		if err := spoil(); err != nil {
			t.Fatal(err)
		}
		res = contract.PolicySnapshotResult{} // omitempty: a false would not overwrite a true
		if err := r.run("SnapshotPolicies", in, &res); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := name != "untouched"; res.PreviousTampered != want || res.Previous != rel {
			t.Errorf("%s: previous %s tampered %v, want %v", name, res.Previous, res.PreviousTampered, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package activities

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/hr"
)

// BenchmarkDiffHRImport10k: the scheduled import's diff of a 10,000-row
// export with 1% changed against the last accepted snapshot.
func BenchmarkDiffHRImport10k(b *testing.B) {
	drop, ev := b.TempDir(), b.TempDir()
	export := func(changed bool) string {
		var s strings.Builder
		s.WriteString("employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,timezone,country\n")
		for i := range 10000 {
			title := "Engineer"
			if changed && i%100 == 0 {
				title = "Senior Engineer"
			}
			fmt.Fprintf(&s, "D%06d,bench.diff%d@demo.jml.test,Bench,Diff%d,Engineering,%s,full_time,pending,2031-01-05,Europe/London,GB\n", i, i, i, title)
		}
		return s.String()
	}
	p, _ := hr.Builtin(hr.DefaultProfile)
	h := &HRImports{EvidenceDir: ev, MaxMissing: 10, Sources: map[string]HRImportSource{"b": {Name: "b", Kind: "csv", DropFolder: drop, Profile: p}}}
	ctx := context.Background()
	must := func(err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	old := filepath.Join(drop, "1.csv")
	must(os.WriteFile(old, []byte(export(false)), 0o600))
	t := time.Now().Add(-time.Hour)
	must(os.Chtimes(old, t, t))
	base, err := h.DiffHRImport(ctx, contract.HRImportDiffInput{Source: "b", Run: "base"})
	must(err)
	_, err = h.CommitHRImport(ctx, contract.HRImportCommitInput{Source: "b", Run: "base", Diff: base})
	must(err)
	must(os.WriteFile(filepath.Join(drop, "2.csv"), []byte(export(true)), 0o600))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d, err := h.DiffHRImport(ctx, contract.HRImportDiffInput{Source: "b", Run: fmt.Sprint(i)})
		must(err)
		if d.Counts.Delivered != 100 {
			b.Fatalf("changed %d, want 100", d.Counts.Delivered)
		}
	}
}

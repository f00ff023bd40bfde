package activities

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

// Two parts write their evidence under Reviews/q4/parts/; a third failed
// before writing any. The merge writes the campaign's decisions.csv (every
// part's rows under q4, formula cells still neutralised), a summary adding
// the parts up and naming the failed one, and one snapshot.json of every
// part's employees naming each part's file and hash; the KPI reads the
// campaign once, never its parts.
func TestMergeReviewEvidenceFromParts(t *testing.T) {
	a := &Activities{EvidenceDir: t.TempDir(), Logger: zerolog.Nop()}
	ctx := context.Background()
	parent := reviewState()
	parts := []contract.ReviewPart{{Campaign: "q4.part-001"}, {Campaign: "q4.part-002"}, {Campaign: "q4.part-003", Status: contract.ReviewPartFailed}}
	for i, p := range parts[:2] {
		st := reviewState()
		st.Campaign, st.PartOf, st.Overdue = p.Campaign, "q4", []string{[]string{"M9", "M3"}[i]}
		st.Reviewees[0].EmployeeID = []string{"E1", "E2"}[i]
		dir := filepath.Join(a.EvidenceDir, "Reviews", "q4", "parts", p.Campaign)
		require.NoError(t, os.MkdirAll(dir, 0o750))
		doc := SnapshotDocument{Campaign: p.Campaign, TakenAt: parent.StartedAt.Add(time.Duration(i) * time.Minute), Directories: []string{"entra", "okta"}, HashAlgo: "SHA-256",
			Employees: []contract.EmployeeAccess{{EmployeeID: st.Reviewees[0].EmployeeID, Items: []contract.AccessItem{}}}}
		b, err := json.Marshal(doc)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, SnapshotFile), b, 0o640))
		st.SnapshotSHA256, err = FileSHA256(filepath.Join(dir, SnapshotFile))
		require.NoError(t, err)
		out, err := a.WriteReviewEvidence(ctx, st)
		require.NoError(t, err)
		assert.Equal(t, filepath.Join(dir, "decisions.csv"), out.DecisionsCSV, "a part's evidence lives under its campaign")
	}
	parent.Reviewees, parent.Parts = nil, parts
	out, err := a.MergeReviewEvidence(ctx, parent)
	require.NoError(t, err)

	fi, err := os.Stat(out.DecisionsCSV)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o640), fi.Mode().Perm(), "as every evidence file")
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out.DecisionsCSV), ".decisions-*"))
	assert.Empty(t, left, "no temporary file left")
	f, err := os.Open(out.DecisionsCSV)
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 1+2*4, "the header once, then both parts' four rows")
	assert.Equal(t, decisionsHeader, rows[0])
	for _, r := range rows[1:] {
		assert.Equal(t, "q4", r[0])
	}
	assert.Equal(t, []string{"E1", "E2"}, []string{rows[1][2], rows[5][2]})
	assert.Equal(t, "'=HYPERLINK(\"http://x\")", rows[1][5], "still neutralised, not doubled")

	b, err := os.ReadFile(out.SummaryJSON)
	require.NoError(t, err)
	var s contract.ReviewSummary
	require.NoError(t, json.Unmarshal(b, &s))
	assert.Equal(t, "q4", s.Campaign)
	assert.Equal(t, 2, s.Reviewees)
	assert.Equal(t, 8, s.Items)
	assert.Equal(t, 4, s.Decided)
	assert.Equal(t, 50.0, s.CompletionPct)
	assert.Equal(t, 2, s.RemovalsApplied)
	assert.Equal(t, 2, s.Refusals)
	assert.Equal(t, 4, s.Counts[contract.ReviewKept])
	assert.Equal(t, []string{"M3", "M9"}, s.OverdueReviewers)
	assert.Equal(t, []string{"q4.part-001", "q4.part-002", "q4.part-003"}, s.Parts)
	assert.Equal(t, []string{"q4.part-003"}, s.PartsFailed)
	assert.Equal(t, "Reviews/q4/snapshot.json", s.SnapshotPath)
	assert.Equal(t, out.SnapshotSHA256, s.SnapshotSHA256)

	sha, err := FileSHA256(filepath.Join(a.EvidenceDir, out.SnapshotPath))
	require.NoError(t, err)
	assert.Equal(t, sha, out.SnapshotSHA256)
	b, err = os.ReadFile(filepath.Join(a.EvidenceDir, out.SnapshotPath))
	require.NoError(t, err)
	var doc SnapshotDocument
	require.NoError(t, json.Unmarshal(b, &doc))
	require.Len(t, doc.Employees, 2)
	assert.Equal(t, parent.StartedAt, doc.TakenAt.UTC(), "the earliest part's")
	require.Len(t, doc.Parts, 2)
	assert.Equal(t, "Reviews/q4/parts/q4.part-002/snapshot.json", doc.Parts[1].Path)
	partSHA, err := FileSHA256(filepath.Join(a.EvidenceDir, doc.Parts[1].Path))
	require.NoError(t, err)
	assert.Equal(t, partSHA, doc.Parts[1].SHA256)

	facts, err := ReadReviewFacts(a.EvidenceDir, parent.StartedAt, parent.CompletedAt.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, facts.Campaigns, 1, "the parts' summaries are not campaigns of their own")
	assert.Equal(t, "q4", facts.Campaigns[0].Campaign)

	_, err = a.MergeReviewEvidence(ctx, contract.ReviewState{Campaign: "q4"})
	assert.ErrorContains(t, err, "parts: none to merge")
	_, err = a.MergeReviewEvidence(ctx, contract.ReviewState{Campaign: "q4", Parts: []contract.ReviewPart{{Campaign: "../x"}}})
	assert.ErrorContains(t, err, "parts")
}

// BenchmarkMergeReviewEvidence merges a 5,000-employee campaign: 50 parts
// of 100, each employee with 10 items in decisions.csv and the snapshot.
func BenchmarkMergeReviewEvidence(b *testing.B) {
	a := &Activities{EvidenceDir: b.TempDir(), Logger: zerolog.Nop()}
	ctx := context.Background()
	parent := reviewState()
	parent.Reviewees = nil
	for p := 1; p <= 50; p++ {
		st := reviewState()
		st.Campaign, st.PartOf = contract.ReviewPartID("q4", p), "q4"
		parent.Parts = append(parent.Parts, contract.ReviewPart{Campaign: st.Campaign})
		doc := SnapshotDocument{Campaign: st.Campaign, TakenAt: parent.StartedAt, HashAlgo: "SHA-256"}
		st.Reviewees = nil
		for e := range 100 {
			rv := contract.Reviewee{EmployeeID: fmt.Sprintf("E%02d%03d", p, e), Reviewer: "M1"}
			ea := contract.EmployeeAccess{EmployeeID: rv.EmployeeID}
			for k := range 10 {
				acc := contract.AccessItem{ID: fmt.Sprintf("okta/group/g%d", k), Directory: "okta", Kind: "group", Entitlement: fmt.Sprintf("g%d", k)}
				ea.Items = append(ea.Items, acc)
				rv.Items = append(rv.Items, contract.ReviewItem{Key: k, Access: acc, Decision: "keep", DecidedBy: "M1", Result: contract.ReviewKept})
			}
			st.Reviewees = append(st.Reviewees, rv)
			doc.Employees = append(doc.Employees, ea)
		}
		dir := filepath.Join(a.EvidenceDir, "Reviews", "q4", "parts", st.Campaign)
		if err := os.MkdirAll(dir, 0o750); err != nil {
			b.Fatal(err)
		}
		js, _ := json.Marshal(doc)
		if err := os.WriteFile(filepath.Join(dir, SnapshotFile), js, 0o640); err != nil {
			b.Fatal(err)
		}
		if _, err := a.WriteReviewEvidence(ctx, st); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := a.MergeReviewEvidence(ctx, parent); err != nil {
			b.Fatal(err)
		}
	}
}

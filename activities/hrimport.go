package activities

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/importer"
)

// HRImportSource is one scheduled source as the activities need it.
type HRImportSource struct {
	Name       string
	Kind       string // csv or json
	DropFolder string
	Profile    hr.Profile
}

// RecordSubmitter delivers one valid HR record to its Employee workflow
// (starters/employees.Sink).
type RecordSubmitter interface {
	Submit(ctx context.Context, rec domain.HRRecord) (string, error)
}

// RunSubmitter is a RecordSubmitter that counts one run's records together
// (the mass-termination guard: a scheduled run's chunks are one run).
type RunSubmitter interface {
	SubmitInRun(ctx context.Context, run string, rec domain.HRRecord) (string, error)
}

// HRImports are the scheduled import's activities: they read the drop
// folder and the snapshots under <EvidenceDir>/HRImports, and signal.
type HRImports struct {
	Sources     map[string]HRImportSource
	EvidenceDir string
	MaxMissing  int // hr.guard.max_missing
	Sink        RecordSubmitter
	Concurrency int
	Now         func() time.Time
}

// Register binds the HR import activities.
func (h *HRImports) Register(r contract.Registry) {
	contract.Register(r, contract.DiffHRImport, h.DiffHRImport)
	contract.Register(r, contract.DeliverHRImport, h.DeliverHRImport)
	contract.Register(r, contract.CommitHRImport, h.CommitHRImport)
}

// hrSnapshot is the last accepted file of a source: every valid record by
// employee id, and the file's hash and time.
type hrSnapshot struct {
	Source     string                     `json:"source"`
	File       string                     `json:"file"`
	SHA256     string                     `json:"sha256"`
	ModTime    time.Time                  `json:"mod_time"`
	AcceptedAt time.Time                  `json:"accepted_at"`
	Records    map[string]domain.HRRecord `json:"records"`
}

// hrPlanLine is one changed person in the run report.
type hrPlanLine struct {
	EmployeeID string   `json:"employee_id"`
	Change     string   `json:"change"` // new, changed, missing
	Fields     []string `json:"fields,omitempty"`
}

// hrStaged is a run's diff, between DiffHRImport and CommitHRImport.
type hrStaged struct {
	Changed     []domain.HRRecord      `json:"changed"`
	Next        hrSnapshot             `json:"next"`
	Plan        []hrPlanLine           `json:"plan"`
	Quarantined []importer.Quarantined `json:"quarantined,omitempty"`
	Warnings    []importer.Warning     `json:"warnings,omitempty"`
}

func (h *HRImports) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *HRImports) dir(parts ...string) string {
	return filepath.Join(append([]string{h.EvidenceDir, "HRImports"}, parts...)...)
}

func (h *HRImports) snapshotPath(source string) string {
	return h.dir("snapshots", source+".json")
}

// newest is the newest export of the drop folder (by modification time,
// then name), or "" when there is none.
func newest(folder, kind string) (string, os.FileInfo, error) {
	ents, err := os.ReadDir(folder)
	if err != nil {
		return "", nil, err
	}
	var best string
	var bestInfo os.FileInfo
	for _, e := range ents {
		ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(e.Name())), ".")
		if e.IsDir() || ext != kind || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // gone since the listing
		}
		if bestInfo == nil || fi.ModTime().After(bestInfo.ModTime()) || (fi.ModTime().Equal(bestInfo.ModTime()) && e.Name() > best) {
			best, bestInfo = e.Name(), fi
		}
	}
	if best == "" {
		return "", nil, nil
	}
	return filepath.Join(folder, best), bestInfo, nil
}

// DiffHRImport parses the source's newest export with jml import's code,
// diffs it against the last accepted snapshot and stages the changed rows.
func (h *HRImports) DiffHRImport(ctx context.Context, in contract.HRImportDiffInput) (contract.HRImportDiffOutput, error) {
	src, ok := h.Sources[in.Source]
	if !ok {
		return contract.HRImportDiffOutput{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("HR source %q is not configured on this worker", in.Source), string(domain.ErrBadInput), nil)
	}
	path, fi, err := newest(src.DropFolder, src.Kind)
	if err != nil {
		return contract.HRImportDiffOutput{}, fmt.Errorf("source %s: drop folder: %w", in.Source, err)
	}
	if path == "" {
		return contract.HRImportDiffOutput{Refused: fmt.Sprintf("no .%s export in the drop folder", src.Kind)}, nil
	}
	out := contract.HRImportDiffOutput{File: filepath.Base(path), ModTime: fi.ModTime().UTC()}
	if out.SHA256, err = fileSHA256(path); err != nil {
		return out, fmt.Errorf("source %s: %s: %w", in.Source, out.File, err)
	}
	prev, err := h.readSnapshot(in.Source)
	if err != nil {
		return out, err
	}
	if prev != nil && out.ModTime.Before(prev.ModTime) {
		out.Refused = fmt.Sprintf("%s (modified %s) is older than the last accepted export %s (modified %s)",
			out.File, out.ModTime.Format(time.RFC3339), prev.File, prev.ModTime.Format(time.RFC3339))
		return out, nil
	}
	rows, _, err := importer.ReadProfile(path, src.Profile)
	if err != nil {
		out.Refused = fmt.Sprintf("%s cannot be read: %v", out.File, err)
		return out, nil
	}
	if len(rows) == 0 {
		out.Refused = out.File + " is empty: no rows"
		return out, nil
	}
	heartbeat(ctx, "parsed")
	st, err := h.diff(ctx, in.Source, rows, prev, &out)
	if err != nil {
		return out, err
	}
	if out.Counts.Missing > h.MaxMissing {
		out.Refused = fmt.Sprintf("%s lacks %d people of the last accepted export %s (hr.guard.max_missing is %d)", out.File, out.Counts.Missing, prev.File, h.MaxMissing)
		return out, nil
	}
	st.Next.File, st.Next.SHA256, st.Next.ModTime = out.File, out.SHA256, out.ModTime
	out.Staged = h.dir("staging", in.Run+".json")
	if err := writeJSON(out.Staged, st, false); err != nil {
		return out, fmt.Errorf("source %s: stage the diff: %w", in.Source, err)
	}
	out.Chunks = (len(st.Changed) + contract.HRImportChunkSize - 1) / contract.HRImportChunkSize
	return out, nil
}

// diff runs the import's rules (validation, one row per employee, manager
// warnings, against the snapshot's people) and compares each valid record
// with the snapshot's.
func (h *HRImports) diff(ctx context.Context, source string, rows []hr.Row, prev *hrSnapshot, out *contract.HRImportDiffOutput) (*hrStaged, error) {
	old := map[string]domain.HRRecord{}
	if prev != nil {
		old = prev.Records
	}
	valid := make([]*domain.HRRecord, len(rows))
	res := importer.Import(ctx, rows, importer.Options{Source: "schedule:" + source, Concurrency: 1,
		Known: func(_ context.Context, id string) (bool, error) { _, ok := old[id]; return ok, nil },
		Submit: func(_ context.Context, i int, rec domain.HRRecord) (string, error) {
			valid[i] = &rec
			return "", nil
		}})
	st := &hrStaged{Quarantined: res.Quarantined, Warnings: res.Warnings,
		Next: hrSnapshot{Source: source, Records: make(map[string]domain.HRRecord, len(rows))}}
	seen := make(map[string]bool, len(rows))
	out.Counts = contract.HRImportCounts{Rows: len(rows), Quarantined: res.Counts.Quarantined}
	for i, row := range rows {
		seen[row.Record.EmployeeID] = true
		r := valid[i]
		if r == nil {
			continue
		}
		st.Next.Records[r.EmployeeID] = *r
		was, known := old[r.EmployeeID]
		was.Source = r.Source // where a record came from is no change
		switch {
		case known && reflect.DeepEqual(was, *r):
			out.Counts.Unchanged++
			continue
		case known:
			st.Plan = append(st.Plan, hrPlanLine{EmployeeID: r.EmployeeID, Change: "changed", Fields: changedFields(was, *r)})
		default:
			st.Plan = append(st.Plan, hrPlanLine{EmployeeID: r.EmployeeID, Change: "new"})
		}
		st.Changed = append(st.Changed, *r)
		out.Counts.Delivered++
	}
	var missing []string
	for id, r := range old {
		if !seen[id] {
			missing = append(missing, id)
		}
		if _, ok := st.Next.Records[id]; !ok && seen[id] {
			st.Next.Records[id] = r // quarantined this time: the last good record stays the baseline
		}
	}
	sort.Strings(missing)
	out.Counts.Missing = len(missing)
	for _, id := range missing {
		// Kept in the snapshot: a person absent from one export is not a
		// termination (HR sends those as rows), and returns unchanged.
		st.Next.Records[id] = old[id]
		st.Plan = append(st.Plan, hrPlanLine{EmployeeID: id, Change: "missing"})
	}
	return st, nil
}

// changedFields names the record fields that differ (JSON names).
func changedFields(a, b domain.HRRecord) []string {
	var ja, jb map[string]any
	ba, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	_ = json.Unmarshal(ba, &ja)
	_ = json.Unmarshal(bb, &jb)
	var out []string
	for k := range jb {
		if !reflect.DeepEqual(ja[k], jb[k]) {
			out = append(out, k)
		}
	}
	for k := range ja {
		if _, ok := jb[k]; !ok {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// DeliverHRImport signals one chunk of the staged changed rows.
func (h *HRImports) DeliverHRImport(ctx context.Context, in contract.HRImportDeliverInput) (contract.HRImportDeliverOutput, error) {
	var st hrStaged
	if err := readJSONFile(in.Staged, &st); err != nil {
		return contract.HRImportDeliverOutput{}, fmt.Errorf("read the staged diff: %w", err)
	}
	lo := in.Chunk * contract.HRImportChunkSize
	if lo >= len(st.Changed) {
		return contract.HRImportDeliverOutput{}, nil
	}
	chunk := st.Changed[lo:min(lo+contract.HRImportChunkSize, len(st.Changed))]
	conc := h.Concurrency
	if conc <= 0 {
		conc = importer.DefaultConcurrency
	}
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, conc)
	var wg sync.WaitGroup
	for _, rec := range chunk {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			if rs, ok := h.Sink.(RunSubmitter); ok {
				_, err = rs.SubmitInRun(ctx, filepath.Base(in.Staged), rec)
			} else {
				_, err = h.Sink.Submit(ctx, rec)
			}
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	heartbeat(ctx, in.Chunk)
	if firstErr != nil {
		return contract.HRImportDeliverOutput{}, fmt.Errorf("chunk %d: %w", in.Chunk, firstErr)
	}
	return contract.HRImportDeliverOutput{Signalled: len(chunk)}, nil
}

// hrReport is HRImports/YYYY/MM/DD/<run>.json.
type hrReport struct {
	Source      string                  `json:"source"`
	Run         string                  `json:"run"`
	At          time.Time               `json:"at"`
	File        string                  `json:"file,omitempty"`
	SHA256      string                  `json:"sha256,omitempty"`
	ModTime     time.Time               `json:"mod_time,omitzero"`
	Counts      contract.HRImportCounts `json:"counts"`
	Signalled   int                     `json:"signalled"`
	Refused     string                  `json:"refused,omitempty"`
	Alerted     bool                    `json:"alerted,omitempty"`
	Plan        []hrPlanLine            `json:"plan"`
	Quarantined []importer.Quarantined  `json:"quarantined,omitempty"`
	Warnings    []importer.Warning      `json:"warnings,omitempty"`
}

// CommitHRImport moves the snapshot to an accepted file and writes the run
// report; the staged diff is removed.
func (h *HRImports) CommitHRImport(ctx context.Context, in contract.HRImportCommitInput) (contract.HRImportResult, error) {
	now := h.now().UTC()
	rep := hrReport{Source: in.Source, Run: in.Run, At: now, File: in.Diff.File, SHA256: in.Diff.SHA256, ModTime: in.Diff.ModTime,
		Counts: in.Diff.Counts, Signalled: in.Signalled, Refused: in.Diff.Refused, Alerted: in.Alerted, Plan: []hrPlanLine{}}
	if in.Diff.Staged != "" {
		var st hrStaged
		if err := readJSONFile(in.Diff.Staged, &st); err != nil && !os.IsNotExist(err) {
			return contract.HRImportResult{}, fmt.Errorf("read the staged diff: %w", err)
		} else if err == nil {
			rep.Plan, rep.Quarantined, rep.Warnings = append(rep.Plan, st.Plan...), st.Quarantined, st.Warnings
			if in.Diff.Refused == "" {
				st.Next.AcceptedAt = now
				if err := writeJSONFile(h.snapshotPath(in.Source), st.Next); err != nil {
					return contract.HRImportResult{}, fmt.Errorf("write the snapshot: %w", err)
				}
			}
		}
	}
	path := h.dir(now.Format("2006"), now.Format("01"), now.Format("02"), in.Run+".json")
	if err := writeJSONFile(path, rep); err != nil {
		return contract.HRImportResult{}, fmt.Errorf("write the run report: %w", err)
	}
	if in.Diff.Staged != "" {
		_ = os.Remove(in.Diff.Staged) // HR data: not kept beyond the run
	}
	// Counted once the run is on record (a retried commit after a lost
	// answer would count twice: rare, and only a metric).
	if in.Diff.Refused != "" {
		importer.RecordOutcome(importer.OutcomeRefused, in.Diff.Counts.Rows-in.Diff.Counts.Quarantined)
		importer.RecordOutcome(importer.OutcomeQuarantined, in.Diff.Counts.Quarantined)
	} else {
		importer.Record(importer.Counts{Rows: in.Diff.Counts.Rows, Delivered: in.Diff.Counts.Delivered,
			Unchanged: in.Diff.Counts.Unchanged, Quarantined: in.Diff.Counts.Quarantined})
	}
	return contract.HRImportResult{Source: in.Source, File: in.Diff.File, Counts: in.Diff.Counts, Signalled: in.Signalled, Refused: in.Diff.Refused, Report: path}, nil
}

func (h *HRImports) readSnapshot(source string) (*hrSnapshot, error) {
	var s hrSnapshot
	err := readJSONFile(h.snapshotPath(source), &s)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("source %s: read the last snapshot: %w", source, err)
	}
	return &s, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sum := sha256.New()
	if _, err := io.Copy(sum, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(sum.Sum(nil)), nil
}

func readJSONFile(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// writeJSONFile writes v whole or not at all (temp file, fsync, rename).
func writeJSONFile(path string, v any) error { return writeJSON(path, v, true) }

// writeJSON is writeJSONFile; durable false skips the fsync and the
// indentation, for the staged diff a retry rebuilds anyway.
func writeJSON(path string, v any, durable bool) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	enc := json.NewEncoder(bw)
	if durable {
		enc.SetIndent("", " ")
	}
	if err = enc.Encode(v); err == nil {
		err = bw.Flush()
	}
	if err == nil && durable {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

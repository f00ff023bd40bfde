package activities

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/manifest"
)

// notCollected is why a directory without a sign-in log API has no file.
func notCollected(dir string) string {
	return dir + " has no sign-in log API: collect its sign-in events where they are kept (for AD, the domain controllers' Security event logs, e.g. through Windows Event Forwarding to your SIEM)"
}

// missingReason is what the manifest says of a range no capture holds.
const missingReason = "not captured before the directory's retention horizon passed (or before capture began): the directory no longer returns these events"

// SealIdentityLogMonth seals a month the daily capture has filled: per
// directory its file's event count, size and SHA-256, the ranges of the
// month its cursor never covered (complete is false when there is one,
// naming each), then manifest.json, and all of it into the month's
// Manifests/YYYY-MM.json. It reads no directory.
func (a *Activities) SealIdentityLogMonth(_ context.Context, in contract.SealLogInput) (contract.IdentityLogResult, error) {
	return a.sealLogMonth(in, nil)
}

func (a *Activities) sealLogMonth(in contract.SealLogInput, resealed *time.Time) (contract.IdentityLogResult, error) {
	folder, err := a.logFolder(in.Month)
	if err != nil {
		return contract.IdentityLogResult{}, err
	}
	m := LogManifest{LogRun: in.LogRun.UTC(), Complete: true, HashAlgo: "SHA-256",
		EvidenceManifest: manifest.ManifestsDir + "/" + in.Month + ".json", ResealedAt: resealed}
	end := in.GeneratedAt
	if !in.CapturedUntil.IsZero() {
		end = in.CapturedUntil
	}
	end = earlier(in.To, end).UTC() // a month sealed before it ends: up to the catch-up
	for _, c := range in.Captures {
		lf := contract.LogFile{Directory: c.Directory}
		if c.NotCollected != "" {
			lf.NotCollected = notCollected(c.Directory)
			m.Files = append(m.Files, lf)
			continue
		}
		lf.File, lf.Error = c.Directory+".jsonl", c.Error
		path := filepath.Join(folder, lf.File)
		f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o640) // no event: an empty file, listed
		if err != nil {
			return contract.IdentityLogResult{}, temporalError(err)
		}
		f.Close()
		if lf.Events, lf.Bytes, lf.SHA256, err = countAndHash(path); err != nil {
			return contract.IdentityLogResult{}, temporalError(err)
		}
		cur, err := a.readCursor(c.Directory)
		if err != nil {
			return contract.IdentityLogResult{}, badInput(err.Error())
		}
		lf.Missing = uncovered(cur.Covered, in.From.UTC(), end)
		for _, r := range lf.Missing {
			m.Missing = append(m.Missing, MissingRange{Directory: c.Directory, From: r.From, To: r.To, Reason: missingReason})
		}
		if lf.Error != "" || len(lf.Missing) > 0 {
			m.Complete = false
		}
		m.TotalEvents += lf.Events
		m.Files = append(m.Files, lf)
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return contract.IdentityLogResult{}, temporalError(err)
	}
	mpath := filepath.Join(folder, ManifestFile)
	if err := writeAtomic(mpath, append(b, '\n')); err != nil {
		return contract.IdentityLogResult{}, temporalError(err)
	}
	rel, _ := filepath.Rel(a.EvidenceDir, folder)
	for _, f := range m.Files {
		if f.File != "" {
			if err := manifest.SealFor(a.EvidenceDir, in.Month, filepath.Join(rel, f.File)); err != nil {
				return contract.IdentityLogResult{}, temporalError(err)
			}
		}
	}
	if err := manifest.SealFor(a.EvidenceDir, in.Month, filepath.Join(rel, ManifestFile)); err != nil {
		return contract.IdentityLogResult{}, temporalError(err)
	}
	return contract.IdentityLogResult{Month: in.Month, Folder: folder, Manifest: mpath, Files: m.Files, TotalEvents: m.TotalEvents}, nil
}

// resealLogMonth seals an already sealed month again after a capture
// appended to it, keeping its run and clearing the captured directory's
// error (its events arrived).
func (a *Activities) resealLogMonth(_ context.Context, month, dir string, until time.Time) error {
	folder, err := a.logFolder(month)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(folder, ManifestFile))
	if err != nil {
		return temporalError(err)
	}
	var m LogManifest
	if err := json.Unmarshal(b, &m); err != nil {
		return badInput(filepath.Join(folder, ManifestFile) + " is not valid JSON")
	}
	run := m.LogRun
	run.Month = month // the folder's month, whatever the file says
	in := contract.SealLogInput{LogRun: run, CapturedUntil: until}
	for _, f := range m.Files {
		c := contract.CaptureOutcome{Directory: f.Directory, Error: f.Error}
		if f.NotCollected != "" {
			c.NotCollected = "not collected"
		}
		if f.Directory == dir {
			c.Error = ""
		}
		in.Captures = append(in.Captures, c)
	}
	now := time.Now().UTC()
	_, err = a.sealLogMonth(in, &now)
	return err
}

// countAndHash counts a JSONL file's lines and hashes it.
func countAndHash(path string) (int, int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	r := bufio.NewReaderSize(io.TeeReader(f, h), 1<<16)
	lines, size := 0, int64(0)
	for {
		line, err := r.ReadBytes('\n')
		size += int64(len(line))
		if len(line) > 0 && line[len(line)-1] == '\n' {
			lines++
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, "", err
		}
	}
	return lines, size, hex.EncodeToString(h.Sum(nil)), nil
}

// Evidence folders SealEvidenceMonth looks in for the month's files that
// no manifest lists yet (their writers may seal them themselves).
var sweptFolders = []string{"HRImports", "Reviews", "Sweeps", ReportsDir}

// SealEvidenceMonth seals the month's other evidence into its
// Manifests/YYYY-MM.json: the offboarding log as it stands (append-only:
// its sealed prefix must never change), and every file under HRImports/,
// Reviews/, Sweeps/ and Reports/ whose path names the month (YYYY-MM or
// YYYY/MM) and that no manifest lists yet.
func (a *Activities) SealEvidenceMonth(ctx context.Context, in contract.MonthInput) (contract.SealEvidenceResult, error) {
	out := contract.SealEvidenceResult{Month: in.Month, Manifest: filepath.Join(a.EvidenceDir, manifest.ManifestsDir, in.Month+".json"), Sealed: []string{}}
	if a.EvidenceDir == "" {
		return out, badInput("evidence directory is not configured")
	}
	from, _, err := contract.MonthRange(in.Month)
	if err != nil {
		return out, badInput(err.Error())
	}
	// The append-only logs: the sealed part must not change, new lines may follow.
	for _, log := range []string{OffboardingLogPath, contract.AppTasksLogPath, contract.SweepDecisionsLogPath} {
		if _, err := os.Stat(filepath.Join(a.EvidenceDir, log)); err == nil {
			if err := manifest.SealFor(a.EvidenceDir, in.Month, log, manifest.AppendOnly()); err != nil {
				return out, temporalError(err)
			}
			out.Sealed = append(out.Sealed, filepath.ToSlash(log))
		}
	}
	sealed, err := manifest.Sealed(a.EvidenceDir)
	if err != nil {
		return out, temporalError(err)
	}
	names := []string{in.Month, from.Format("2006/01")}
	for _, top := range sweptFolders {
		root := filepath.Join(a.EvidenceDir, top)
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return filepath.SkipDir
			}
			if err != nil {
				return err
			}
			if strings.HasPrefix(d.Name(), ".") && p != root {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil // temp files of atomic writes
			}
			if d.IsDir() {
				if d.Name() == "staging" || d.Name() == "snapshots" {
					return filepath.SkipDir // working state, rewritten in place: not evidence
				}
				return nil
			}
			rel, _ := filepath.Rel(a.EvidenceDir, p)
			rel = filepath.ToSlash(rel)
			if sealed[rel] || !strings.Contains(rel, names[0]) && !strings.Contains(rel, names[1]) {
				return nil
			}
			heartbeat(ctx, rel)
			if err := manifest.SealFor(a.EvidenceDir, in.Month, rel); err != nil {
				return err
			}
			out.Sealed = append(out.Sealed, rel)
			return nil
		})
		if err != nil {
			return out, temporalError(err)
		}
	}
	return out, nil
}

// missingText names the missing ranges for a report line.
func missingText(ms []MissingRange) string {
	parts := make([]string, 0, len(ms))
	for _, r := range ms {
		parts = append(parts, r.Directory+" "+r.From.UTC().Format(time.RFC3339)+" to "+r.To.UTC().Format(time.RFC3339)+" not captured")
	}
	return strings.Join(parts, "; ")
}

// SealFiles seals files (absolute, or relative to the evidence folder)
// into the month's Manifests/YYYY-MM.json: every evidence writer calls it
// after writing, so `jml evidence verify` covers the file.
func (a *Activities) SealFiles(month string, paths ...string) error {
	for _, p := range paths {
		if filepath.IsAbs(p) {
			rel, err := filepath.Rel(a.EvidenceDir, p)
			if err != nil {
				return err
			}
			p = rel
		}
		if err := manifest.SealFor(a.EvidenceDir, month, p); err != nil {
			return err
		}
	}
	return nil
}

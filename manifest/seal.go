// Package manifest seals evidence files: each month has one manifest,
// Manifests/YYYY-MM.json, listing every sealed file's path, size and
// SHA-256, and chained to the previous month's manifest by its hash, so an
// edited byte, a deleted file and a deleted month all show when `jml
// evidence verify` re-hashes them. Any writer of evidence calls Seal (or
// SealFor) after it has written a file; sealing again updates the entry.
//
// It imports nothing of jml: activities, starters and the CLI all use it.
package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ManifestsDir is the folder of the monthly manifests under the evidence root.
const ManifestsDir = "Manifests"

// MonthLayout is how a month is written: "2026-11".
const MonthLayout = "2006-01"

// Entry is one sealed file.
type Entry struct {
	Path   string `json:"path"` // relative to the evidence root, forward slashes
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // of the first Bytes bytes
	// AppendOnly files (the offboarding log) may grow after sealing: the
	// sealed prefix must still hash the same.
	AppendOnly bool      `json:"append_only,omitempty"`
	SealedAt   time.Time `json:"sealed_at"`
}

// Link is the previous month's manifest as this one was written against.
type Link struct {
	Month  string `json:"month"`
	SHA256 string `json:"sha256"`
}

// Manifest is Manifests/YYYY-MM.json.
type Manifest struct {
	Month     string    `json:"month"`
	HashAlgo  string    `json:"hash_algorithm"`
	Previous  *Link     `json:"previous,omitempty"` // nil for the first month sealed
	UpdatedAt time.Time `json:"updated_at"`
	Files     []Entry   `json:"files"`
}

// Option changes how a file is sealed.
type Option func(*Entry)

// AppendOnly seals a file that keeps growing (rows appended): verify checks
// the sealed prefix.
func AppendOnly() Option { return func(e *Entry) { e.AppendOnly = true } }

// Seal seals relpath (relative to root) into the current month's manifest.
func Seal(root, relpath string, opts ...Option) error {
	return SealFor(root, time.Now().UTC().Format(MonthLayout), relpath, opts...)
}

// SealFor seals relpath into the manifest of month (the month the file is
// evidence of), replacing an earlier entry of the same path.
func SealFor(root, month, relpath string, opts ...Option) error {
	if _, err := time.Parse(MonthLayout, month); err != nil {
		return fmt.Errorf("seal %s: month %q: want YYYY-MM", relpath, month)
	}
	rel, err := cleanRel(relpath)
	if err != nil {
		return err
	}
	e := Entry{Path: rel, SealedAt: time.Now().UTC()}
	for _, o := range opts {
		o(&e)
	}
	e.Bytes, e.SHA256, err = hashFile(filepath.Join(root, filepath.FromSlash(rel)), -1)
	if err != nil {
		return fmt.Errorf("seal %s: %w", rel, err)
	}
	return withLock(root, func() error {
		m, err := readManifest(root, month)
		if errors.Is(err, os.ErrNotExist) {
			m = &Manifest{Month: month, HashAlgo: "SHA-256"}
		} else if err != nil {
			return err
		}
		i := slices.IndexFunc(m.Files, func(x Entry) bool { return x.Path == rel })
		if i >= 0 {
			m.Files[i] = e
		} else {
			m.Files = append(m.Files, e)
		}
		slices.SortFunc(m.Files, func(a, b Entry) int { return strings.Compare(a.Path, b.Path) })
		m.UpdatedAt = e.SealedAt
		if err := writeManifest(root, m); err != nil {
			return err
		}
		return relink(root)
	})
}

// Sealed reports every path any manifest lists.
func Sealed(root string) (map[string]bool, error) {
	months, err := Months(root)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, mo := range months {
		m, err := readManifest(root, mo)
		if err != nil {
			return nil, err
		}
		for _, f := range m.Files {
			out[f.Path] = true
		}
	}
	return out, nil
}

// Months lists the months that have a manifest, oldest first.
func Months(root string) ([]string, error) {
	ents, err := os.ReadDir(filepath.Join(root, ManifestsDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		mo, ok := strings.CutSuffix(e.Name(), ".json")
		if _, err := time.Parse(MonthLayout, mo); ok && err == nil && !e.IsDir() {
			out = append(out, mo)
		}
	}
	slices.Sort(out)
	return out, nil
}

// relink points every manifest at its predecessor's current hash, oldest
// first (a month sealed or re-sealed changes its hash, and so each later
// month's link). The lock is held.
func relink(root string) error {
	months, err := Months(root)
	if err != nil {
		return err
	}
	var prev *Link
	for _, mo := range months {
		m, err := readManifest(root, mo)
		if err != nil {
			return err
		}
		if !sameLink(m.Previous, prev) {
			m.Previous = prev
			if err := writeManifest(root, m); err != nil {
				return err
			}
		}
		_, sum, err := hashFile(manifestPath(root, mo), -1)
		if err != nil {
			return err
		}
		prev = &Link{Month: mo, SHA256: sum}
	}
	return nil
}

func sameLink(a, b *Link) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func manifestPath(root, month string) string {
	return filepath.Join(root, ManifestsDir, month+".json")
}

func readManifest(root, month string) (*Manifest, error) {
	b, err := os.ReadFile(manifestPath(root, month))
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s/%s.json is not a manifest: %w", ManifestsDir, month, err)
	}
	return &m, nil
}

func writeManifest(root string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(manifestPath(root, m.Month), append(b, '\n'))
}

// cleanRel refuses a path that leaves the evidence root.
func cleanRel(p string) (string, error) {
	c := filepath.ToSlash(filepath.Clean(p))
	if c == "." || filepath.IsAbs(p) || c == ".." || strings.HasPrefix(c, "../") {
		return "", fmt.Errorf("seal %q: want a path inside the evidence folder", p)
	}
	return c, nil
}

// hashFile is the size and SHA-256 of a file, or of its first limit bytes
// (limit < 0: all of it). A file shorter than limit is an error.
func hashFile(path string, limit int64) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	var r io.Reader = f
	if limit >= 0 {
		r = io.LimitReader(f, limit)
	}
	n, err := io.Copy(h, r)
	if err != nil {
		return 0, "", err
	}
	if limit >= 0 && n < limit {
		return n, "", errShort
	}
	return n, hex.EncodeToString(h.Sum(nil)), nil
}

var errShort = errors.New("shorter than sealed")

// WriteAtomic writes a temp file beside path, fsyncs it and renames it
// over path, so a reader never sees half a file.
func WriteAtomic(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// mu serialises this process's sealers; the file lock, other processes'
// (several workers sharing one evidence folder).
var mu sync.Mutex

func withLock(root string, fn func() error) error {
	mu.Lock()
	defer mu.Unlock()
	dir := filepath.Join(root, ManifestsDir)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, ".lock"), os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer syscall.Flock(int(f.Fd()), syscall.LOCK_UN) //nolint:errcheck // closing releases it too
	return fn()
}

package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Verdicts of Verify.
const (
	OK       = "ok"
	Tampered = "tampered"
	Missing  = "missing"
)

// Result is one file's verdict.
type Result struct {
	Path   string `json:"path"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// Report is what Verify found, one result per file, sorted by path.
type Report struct {
	Results []Result `json:"results"`
	Months  []string `json:"months"` // the manifests checked
}

// Problems counts the results that are not ok.
func (r Report) Problems() int {
	n := 0
	for _, x := range r.Results {
		if x.Status != OK {
			n++
		}
	}
	return n
}

// identityLogManifest is the part of IdentityLogs/YYYY/MM/manifest.json
// verify reads (the month's own manifest, older than Manifests/).
type identityLogManifest struct {
	Month            string `json:"month"`
	EvidenceManifest string `json:"evidence_manifest"`
	Files            []struct {
		File         string `json:"file"`
		SHA256       string `json:"sha256"`
		Error        string `json:"error"`
		NotCollected string `json:"not_collected"`
	} `json:"files"`
}

// Verify re-hashes every file the manifests list (month "" : every month)
// and checks each month's link to the one before, so a deleted month's
// manifest shows as missing. The identity-log exports' own manifests are
// checked too, covering months sealed before Manifests/ existed.
func Verify(root, month string) (Report, error) {
	var rep Report
	if _, err := os.Stat(root); err != nil {
		return rep, fmt.Errorf("evidence folder %s: %w", root, err)
	}
	all, err := Months(root)
	if err != nil {
		return rep, err
	}
	verdicts := map[string]Result{}
	put := func(path, status, detail string) {
		if old, ok := verdicts[path]; ok && old.Status != OK && status == OK {
			return // the worse verdict stands
		}
		verdicts[path] = Result{Path: path, Status: status, Detail: detail}
	}
	sel := all
	if month != "" {
		sel = nil
		if len(month) != 7 {
			return rep, fmt.Errorf("month %q: want YYYY-MM", month)
		}
		_, lerr := os.Stat(filepath.Join(root, "IdentityLogs", month[:4], month[5:], "manifest.json"))
		switch {
		case slices.Contains(all, month):
			sel = []string{month}
		case lerr == nil:
			// exported before Manifests/ existed: its identity-log manifest
			// is checked below (and names Manifests/ when it was sealed there)
		default:
			put(ManifestsDir+"/"+month+".json", Missing, "no manifest for this month")
		}
	}
	for _, mo := range sel {
		mpath := ManifestsDir + "/" + mo + ".json"
		m, err := readManifest(root, mo)
		if err != nil {
			put(mpath, Tampered, err.Error())
			continue
		}
		put(mpath, OK, "")
		rep.Months = append(rep.Months, mo)
		checkLink(root, all, mo, m, put)
		for _, f := range m.Files {
			status, detail := checkEntry(root, f)
			put(f.Path, status, detail)
		}
	}
	if err := checkIdentityLogManifests(root, month, put); err != nil {
		return rep, err
	}
	for _, r := range verdicts {
		rep.Results = append(rep.Results, r)
	}
	slices.SortFunc(rep.Results, func(a, b Result) int { return strings.Compare(a.Path, b.Path) })
	return rep, nil
}

// checkLink checks that month mo links its predecessor as it is on disk.
func checkLink(root string, all []string, mo string, m *Manifest, put func(string, string, string)) {
	i := slices.Index(all, mo)
	if m.Previous == nil {
		if i > 0 {
			put(ManifestsDir+"/"+mo+".json", Tampered, "does not link the previous month's manifest "+all[i-1])
		}
		return
	}
	ppath := ManifestsDir + "/" + m.Previous.Month + ".json"
	_, sum, err := hashFile(manifestPath(root, m.Previous.Month), -1)
	switch {
	case errors.Is(err, os.ErrNotExist):
		put(ppath, Missing, "month "+m.Previous.Month+" was sealed ("+mo+" links it) and its manifest is gone")
	case err != nil:
		put(ppath, Tampered, err.Error())
	case sum != m.Previous.SHA256:
		put(ppath, Tampered, "SHA-256 differs from the link in "+mo)
	case i > 0 && all[i-1] != m.Previous.Month:
		put(ManifestsDir+"/"+mo+".json", Tampered, "links "+m.Previous.Month+", but "+all[i-1]+" comes before it")
	}
}

func checkEntry(root string, f Entry) (string, string) {
	limit := int64(-1)
	if f.AppendOnly {
		limit = f.Bytes
	}
	n, sum, err := hashFile(filepath.Join(root, filepath.FromSlash(f.Path)), limit)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return Missing, "sealed " + f.SealedAt.Format("2006-01-02T15:04:05Z")
	case errors.Is(err, errShort):
		return Tampered, fmt.Sprintf("%d bytes, sealed with %d", n, f.Bytes)
	case err != nil:
		return Tampered, err.Error()
	case !f.AppendOnly && n != f.Bytes:
		return Tampered, fmt.Sprintf("%d bytes, sealed with %d", n, f.Bytes)
	case sum != f.SHA256:
		return Tampered, "SHA-256 differs from the manifest"
	}
	return OK, ""
}

// checkIdentityLogManifests checks IdentityLogs/YYYY/MM/manifest.json of
// the month (or all): its files' hashes, and that the month's Manifests/
// entry it was sealed into is still there.
func checkIdentityLogManifests(root, month string, put func(string, string, string)) error {
	pattern := filepath.Join(root, "IdentityLogs", "*", "*", "manifest.json")
	if month != "" {
		if len(month) != 7 {
			return fmt.Errorf("month %q: want YYYY-MM", month)
		}
		pattern = filepath.Join(root, "IdentityLogs", month[:4], month[5:], "manifest.json")
	}
	paths, err := filepath.Glob(pattern)
	if err != nil {
		return err
	}
	for _, p := range paths {
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var m identityLogManifest
		if err := json.Unmarshal(b, &m); err != nil {
			put(rel, Tampered, "not valid JSON")
			continue
		}
		if m.EvidenceManifest != "" {
			if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(m.EvidenceManifest))); errors.Is(err, os.ErrNotExist) {
				put(m.EvidenceManifest, Missing, rel+" was sealed into it")
			}
		}
		dir := filepath.Dir(rel)
		for _, f := range m.Files {
			if f.Error != "" || f.NotCollected != "" || f.File == "" {
				continue
			}
			fp := dir + "/" + f.File
			_, sum, err := hashFile(filepath.Join(root, filepath.FromSlash(fp)), -1)
			switch {
			case errors.Is(err, os.ErrNotExist):
				put(fp, Missing, "listed in "+rel)
			case err != nil:
				put(fp, Tampered, err.Error())
			case sum != f.SHA256:
				put(fp, Tampered, "SHA-256 differs from "+rel)
			default:
				put(fp, OK, "")
			}
		}
	}
	return nil
}

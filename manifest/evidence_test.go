package manifest_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/manifest"
)

func write(t *testing.T, root, rel, body string) {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o640))
}

func verdicts(t *testing.T, root, month string) map[string]string {
	t.Helper()
	rep, err := manifest.Verify(root, month)
	require.NoError(t, err)
	out := map[string]string{}
	for _, r := range rep.Results {
		out[r.Path] = r.Status
	}
	return out
}

// threeMonths seals a file in each of three months, and the offboarding
// log (append-only) in each.
func threeMonths(t *testing.T) string {
	root := t.TempDir()
	for _, mo := range []string{"2026-09", "2026-10", "2026-11"} {
		write(t, root, "Reports/KPI-"+mo+".json", `{"month":"`+mo+`"}`)
		require.NoError(t, manifest.SealFor(root, mo, "Reports/KPI-"+mo+".json"))
		f, err := os.OpenFile(filepath.Join(root, "Governance", "Offboarding_Log.csv"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if os.IsNotExist(err) {
			write(t, root, "Governance/Offboarding_Log.csv", "")
			f, err = os.OpenFile(filepath.Join(root, "Governance", "Offboarding_Log.csv"), os.O_APPEND|os.O_WRONLY, 0o640)
		}
		require.NoError(t, err)
		_, err = f.WriteString("E0001," + mo + "\n")
		require.NoError(t, err)
		require.NoError(t, f.Close())
		require.NoError(t, manifest.SealFor(root, mo, "Governance/Offboarding_Log.csv", manifest.AppendOnly()))
	}
	return root
}

func TestUntouchedEvidenceVerifies(t *testing.T) {
	root := threeMonths(t)
	got := verdicts(t, root, "")
	assert.Equal(t, map[string]string{
		"Governance/Offboarding_Log.csv": "ok",
		"Manifests/2026-09.json":         "ok", "Manifests/2026-10.json": "ok", "Manifests/2026-11.json": "ok",
		"Reports/KPI-2026-09.json": "ok", "Reports/KPI-2026-10.json": "ok", "Reports/KPI-2026-11.json": "ok",
	}, got)
	// the append-only log grew after its last seal: still ok
	f, err := os.OpenFile(filepath.Join(root, "Governance", "Offboarding_Log.csv"), os.O_APPEND|os.O_WRONLY, 0o640)
	require.NoError(t, err)
	_, _ = f.WriteString("E0002,2026-12\n")
	require.NoError(t, f.Close())
	assert.Equal(t, "ok", verdicts(t, root, "")["Governance/Offboarding_Log.csv"])
	m, err := manifest.Months(root)
	require.NoError(t, err)
	assert.Equal(t, []string{"2026-09", "2026-10", "2026-11"}, m)
}

func TestVerifyCatchesAnEditedByte(t *testing.T) {
	root := threeMonths(t)
	p := filepath.Join(root, "Reports", "KPI-2026-10.json")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	b[3] ^= 1
	require.NoError(t, os.WriteFile(p, b, 0o640))
	got := verdicts(t, root, "")
	assert.Equal(t, "tampered", got["Reports/KPI-2026-10.json"])
	assert.Equal(t, "ok", got["Reports/KPI-2026-09.json"])
	assert.Equal(t, "tampered", verdicts(t, root, "2026-10")["Reports/KPI-2026-10.json"])

	// an edit inside the sealed prefix of the append-only log shows too
	p = filepath.Join(root, "Governance", "Offboarding_Log.csv")
	b, err = os.ReadFile(p)
	require.NoError(t, err)
	b[0] = 'X'
	require.NoError(t, os.WriteFile(p, b, 0o640))
	assert.Equal(t, "tampered", verdicts(t, root, "2026-09")["Governance/Offboarding_Log.csv"])
}

func TestVerifyCatchesADeletedFile(t *testing.T) {
	root := threeMonths(t)
	require.NoError(t, os.Remove(filepath.Join(root, "Reports", "KPI-2026-11.json")))
	got := verdicts(t, root, "")
	assert.Equal(t, "missing", got["Reports/KPI-2026-11.json"])
	assert.Equal(t, "ok", got["Reports/KPI-2026-10.json"])
}

func TestVerifyCatchesADeletedMonth(t *testing.T) {
	root := threeMonths(t)
	// the month's manifest and its files go
	require.NoError(t, os.Remove(filepath.Join(root, "Manifests", "2026-10.json")))
	require.NoError(t, os.Remove(filepath.Join(root, "Reports", "KPI-2026-10.json")))
	got := verdicts(t, root, "")
	assert.Equal(t, "missing", got["Manifests/2026-10.json"], "2026-11 links 2026-10: %v", got)
	assert.Equal(t, "missing", verdicts(t, root, "2026-10")["Manifests/2026-10.json"])
	// a month's manifest edited (a file dropped from its list) breaks the next link
	root = threeMonths(t)
	p := filepath.Join(root, "Manifests", "2026-09.json")
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(p, append(b, ' '), 0o640))
	assert.Equal(t, "tampered", verdicts(t, root, "")["Manifests/2026-09.json"])
}

func TestResealingAnEarlierMonthKeepsTheChain(t *testing.T) {
	root := threeMonths(t)
	write(t, root, "Reports/KPI-2026-09.json", `{"month":"2026-09","rerun":true}`)
	require.NoError(t, manifest.SealFor(root, "2026-09", "Reports/KPI-2026-09.json"))
	// and a month sealed late, before the others
	write(t, root, "HRImports/x.json", `{}`)
	require.NoError(t, manifest.SealFor(root, "2026-08", "HRImports/x.json"))
	rep, err := manifest.Verify(root, "")
	require.NoError(t, err)
	assert.Zero(t, rep.Problems(), "%+v", rep.Results)
	assert.Equal(t, []string{"2026-08", "2026-09", "2026-10", "2026-11"}, rep.Months)
}

func TestSealRefusesPathsOutsideTheFolder(t *testing.T) {
	root := t.TempDir()
	for _, p := range []string{"../x", "/etc/passwd", "."} {
		assert.Error(t, manifest.SealFor(root, "2026-11", p), p)
	}
	assert.ErrorContains(t, manifest.SealFor(root, "2026-13x", "a"), "YYYY-MM")
	assert.Error(t, manifest.SealFor(root, "2026-11", "nothing-here.csv"))
}

// A month exported before Manifests/ existed is verified by its identity-log
// manifest alone; one sealed into Manifests/ whose manifest is gone shows.
func TestIdentityLogMonthsBeforeManifests(t *testing.T) {
	root := t.TempDir()
	write(t, root, "IdentityLogs/2026/09/entra.jsonl", "{\"id\":\"1\"}\n")
	b, err := os.ReadFile(filepath.Join(root, "IdentityLogs/2026/09/entra.jsonl"))
	require.NoError(t, err)
	write(t, root, "IdentityLogs/2026/09/manifest.json", `{"month":"2026-09","files":[{"directory":"entra","file":"entra.jsonl","sha256":"`+sha(b)+`"}]}`)
	got := verdicts(t, root, "2026-09")
	assert.Equal(t, map[string]string{"IdentityLogs/2026/09/entra.jsonl": "ok"}, got)

	write(t, root, "IdentityLogs/2026/10/entra.jsonl", "")
	write(t, root, "IdentityLogs/2026/10/manifest.json", `{"month":"2026-10","evidence_manifest":"Manifests/2026-10.json","files":[{"directory":"entra","file":"entra.jsonl","sha256":"`+sha(nil)+`"}]}`)
	got = verdicts(t, root, "2026-10")
	assert.Equal(t, "missing", got["Manifests/2026-10.json"])
	assert.Equal(t, "ok", got["IdentityLogs/2026/10/entra.jsonl"])
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

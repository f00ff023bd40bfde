package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/manifest"
)

func TestEvidenceVerifyExitsOneOnAProblem(t *testing.T) {
	root := t.TempDir()
	for _, mo := range []string{"2026-10", "2026-11"} {
		p := filepath.Join(root, "Reports", "KPI-"+mo+".json")
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o750))
		require.NoError(t, os.WriteFile(p, []byte(`{"month":"`+mo+`"}`), 0o640))
		require.NoError(t, manifest.SealFor(root, mo, "Reports/KPI-"+mo+".json"))
	}
	verify := func(args ...string) (int, string) {
		var out, errb bytes.Buffer
		code := run(append([]string{"evidence", "verify", "--dir", root}, args...), &out, &errb)
		return code, out.String() + errb.String()
	}
	code, out := verify()
	assert.Equal(t, 0, code, out)
	assert.Contains(t, out, "ok       Reports/KPI-2026-10.json\n")
	assert.Contains(t, out, "4 files in 2 month(s)")

	require.NoError(t, os.WriteFile(filepath.Join(root, "Reports", "KPI-2026-10.json"), []byte(`{"month":"2026-1O"}`), 0o640))
	code, out = verify()
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "tampered Reports/KPI-2026-10.json")
	code, out = verify("--month", "2026-11")
	assert.Equal(t, 0, code, "the other month is untouched: %s", out)

	require.NoError(t, os.Remove(filepath.Join(root, "Manifests", "2026-10.json")))
	code, out = verify("--month", "2026-11")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "missing  Manifests/2026-10.json")

	code, out = verify("--month", "November")
	assert.Equal(t, 2, code, out)
	assert.Contains(t, out, "--month")
	code, out = verify("--month", "2026-09")
	assert.Equal(t, 1, code, out)
	assert.Contains(t, out, "missing  Manifests/2026-09.json")
	code = run([]string{"evidence", "verify", "--dir", t.TempDir()}, &bytes.Buffer{}, &bytes.Buffer{})
	assert.Equal(t, 1, code, "nothing sealed is not a pass")
}

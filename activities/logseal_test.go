package activities

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/manifest"
)

// Both append-only governance logs are sealed by the month's seal: a row
// appended later is fine, an edited sealed row is tampering.
func TestSealEvidenceMonthSealsBothGovernanceLogs(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{OffboardingLogPath, contract.AppTasksLogPath} {
		require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o700))
		require.NoError(t, os.WriteFile(filepath.Join(dir, p), []byte("header\nrow 1\n"), 0o600))
	}
	a := &Activities{EvidenceDir: dir}
	out, err := a.SealEvidenceMonth(context.Background(), contract.MonthInput{Month: "2026-11"})
	require.NoError(t, err)
	assert.Contains(t, out.Sealed, filepath.ToSlash(OffboardingLogPath))
	assert.Contains(t, out.Sealed, contract.AppTasksLogPath)

	tasks := filepath.Join(dir, contract.AppTasksLogPath)
	f, err := os.OpenFile(tasks, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString("row 2\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	rep, err := manifest.Verify(dir, "2026-11")
	require.NoError(t, err)
	assert.Zero(t, rep.Problems(), "%+v", rep.Results)

	require.NoError(t, os.WriteFile(tasks, []byte("header\nrow X\nrow 2\n"), 0o600))
	rep, err = manifest.Verify(dir, "2026-11")
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Problems(), "%+v", rep.Results)
}

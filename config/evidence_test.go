package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withEvidence(t *testing.T, extra string) (*Config, error) {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	out := strings.Replace(string(b), "evidence:\n  dir: .state/evidence\n", "evidence:\n  dir: .state/evidence\n"+extra, 1)
	if extra != "" {
		require.NotEqual(t, string(b), out)
	}
	return ParseFor("demo.yaml", []byte(out), env(nil), NeedNothing)
}

func TestEvidenceCaptureDefaultsAndOverrides(t *testing.T) {
	c, err := withEvidence(t, "")
	require.NoError(t, err)
	iv, cron, err := c.Evidence.CaptureSpec()
	require.NoError(t, err)
	assert.Zero(t, iv)
	assert.Equal(t, DefaultCaptureSchedule, cron)
	days := c.LogRetentionDays()
	for _, d := range c.EnabledDirectories() {
		assert.Equal(t, DefaultLogRetentionDays[d], days[d], d)
	}
	assert.Equal(t, 7, days[Entra], "Entra Free's 7 days unless told otherwise")

	c, err = withEvidence(t, "  capture_schedule: 12h\n  log_retention_days:\n    entra: 30\n")
	require.NoError(t, err)
	iv, _, err = c.Evidence.CaptureSpec()
	require.NoError(t, err)
	assert.Equal(t, "12h0m0s", iv.String())
	assert.Equal(t, 30, c.LogRetentionDays()[Entra])
}

func TestEvidenceCaptureBadInputNamesTheField(t *testing.T) {
	_, err := withEvidence(t, "  capture_schedule: every day\n")
	assert.Contains(t, problems(t, err)["evidence.capture_schedule"], "cron spec of five fields")
	_, err = withEvidence(t, "  log_retention_days:\n    entra: 0\n")
	assert.Contains(t, problems(t, err)["evidence.log_retention_days.entra"], "from 1 to 3650")
	_, err = withEvidence(t, "  log_retention_days:\n    ad: 30\n")
	assert.Contains(t, problems(t, err)["evidence.log_retention_days.ad"], "not a directory with a sign-in log")
}

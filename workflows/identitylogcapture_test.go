package workflows_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

// The monthly run catches every directory up to now, with its own
// retention horizon (a directory the input names none for gets 7 days),
// then seals the month and the month's other evidence; it reads no month
// again.
func TestMonthlyRunCatchesUpThenSealsTheMonth(t *testing.T) {
	env, s := evidenceEnv(t, contract.IdentityLogExportWorkflowID("2026-11"))
	at := time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC)
	env.SetStartTime(at)
	env.ExecuteWorkflow(contract.IdentityLogExportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs,
		LogRetentionDays: map[string]int{"entra": 30, "okta": 90}})
	require.NoError(t, env.GetWorkflowError())
	assert.Empty(t, s.exports, "the month is not read again")
	require.Len(t, s.captures, 3)
	days := map[string]int{}
	for _, c := range s.captures {
		days[c.Directory] = c.RetentionDays
		assert.Equal(t, at, c.Until.UTC())
	}
	assert.Equal(t, map[string]int{"entra": 30, "okta": 90, "google": 7}, days)
	require.NotNil(t, s.sealed)
	assert.Equal(t, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), s.sealed.From)
	assert.Equal(t, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), s.sealed.To)
	assert.Len(t, s.sealed.Captures, 3)
	assert.Equal(t, []string{"2026-11"}, s.swept)
	var res contract.IdentityLogResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Equal(t, 7, res.TotalEvents)
}

func TestMonthlyRunSealsWithAFailedCatchUpRecordedAndFails(t *testing.T) {
	env, s := evidenceEnv(t, contract.IdentityLogExportWorkflowID("2026-11"))
	s.failDir = "okta"
	env.ExecuteWorkflow(contract.IdentityLogExportWorkflowName, contract.EvidenceInput{Month: "2026-11", Directories: threeDirs})
	err := env.GetWorkflowError()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "okta")
	require.NotNil(t, s.sealed, "the month is still sealed, the failure in its manifest")
	assert.Empty(t, s.sealed.Captures[0].Error)
	assert.Contains(t, s.sealed.Captures[1].Error, "forbidden")
}

func TestDailyCaptureRunsEveryDirectoryAndFailsAfterTheOthers(t *testing.T) {
	env, s := evidenceEnv(t, contract.IdentityLogCaptureWorkflowID)
	s.failDir = "google"
	env.ExecuteWorkflow(contract.IdentityLogCaptureWorkflowName, contract.EvidenceInput{Directories: threeDirs})
	err := env.GetWorkflowError()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "google")
	assert.Len(t, s.captures, 3)
	assert.Nil(t, s.sealed, "the daily capture seals nothing")

	env, _ = evidenceEnv(t, contract.IdentityLogCaptureWorkflowID)
	env.ExecuteWorkflow(contract.IdentityLogCaptureWorkflowName, contract.EvidenceInput{Directories: threeDirs})
	require.NoError(t, env.GetWorkflowError())
	var res contract.IdentityLogCaptureResult
	require.NoError(t, env.GetWorkflowResult(&res))
	assert.Len(t, res.Captures, 3)
	assert.Empty(t, res.Failed)
}

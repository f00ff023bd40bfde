package e2e

import (
	"bytes"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/integrations/hr/bamboohr"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestBambooHRTerminationOffboards: HR enters a termination in BambooHR, its
// signed webhook reaches the intake, jml fetches the record and offboards.
func TestBambooHRTerminationOffboards(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emp := e.Org.Employees[30].Record
	bid, ok := e.Emulators.BambooHR.ID(emp.EmployeeID)
	require.True(t, ok)
	yesterday := time.Now().In(emp.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	require.NoError(t, e.Emulators.BambooHR.Terminate(bid, yesterday), "the webhook is delivered and accepted")

	eventually(t, e, emp.EmployeeID, "terminated through BambooHR", func() (bool, string) {
		g, _ := e.Emulators.Graph.UserByEmployeeID(emp.EmployeeID)
		return !g.AccountEnabled && e.Emulators.Google.Suspended(emp.Email), "still enabled"
	})
}

func TestBambooHRWebhookRefusesForgedAndReplayed(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	body := []byte(`{"type":"employee.updated","timestamp":"2026-11-26T10:00:00+0000","data":{"companyId":"81234","employeeId":"1","changedFields":["jobTitle"]}}`)
	post := func(ts, sig string) int {
		req, err := http.NewRequest(http.MethodPost, e.IntakeURL()+"/hr/bamboohr", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header.Set(bamboohr.HeaderTS, ts)
		req.Header.Set(bamboohr.HeaderSig, sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	now := strconv.FormatInt(time.Now().Unix(), 10)
	assert.Equal(t, http.StatusUnauthorized, post(now, bamboohr.Sign("wrong-key", body, now)), "forged")
	stale := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	key := e.Config.Secrets.HRWebhookSecret.Reveal()
	assert.Equal(t, http.StatusUnauthorized, post(stale, bamboohr.Sign(key, body, stale)), "stale")
	good := bamboohr.Sign(key, body, now)
	first := post(now, good)
	assert.NotEqual(t, http.StatusUnauthorized, first, "a fresh signed delivery is accepted")
	assert.Equal(t, http.StatusUnauthorized, post(now, good), "the same delivery again is a replay")
}

package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/testsuite/harness"
)

// sendHR posts a signed HR record to the intake, as an HR system would.
func sendHR(t *testing.T, e *harness.Env, rec domain.HRRecord) {
	t.Helper()
	body, err := json.Marshal(rec)
	require.NoError(t, err)
	status, b := postHR(t, e, body)
	require.Equal(t, http.StatusAccepted, status, string(b))
}

// postHR posts body to /hr/records signed with the HR webhook secret and
// returns the status and the answer.
func postHR(t *testing.T, e *harness.Env, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.IntakeURL()+"/hr/records", bytes.NewReader(body))
	require.NoError(t, err)
	ts, sig := intake.Sign(e.Config.Secrets.HRWebhookSecret.Reveal(), time.Now(), body)
	req.Header.Set(intake.HeaderTimestamp, ts)
	req.Header.Set(intake.HeaderSignature, sig)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// eventually waits for cond, reporting what was last seen and, when the
// employee is known, their Employee workflow's state.
func eventually(t *testing.T, e *harness.Env, employeeID, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, seen := cond()
		if ok {
			return
		}
		last = seen
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not reached within 90s; last seen: %s\nworkflow state: %s", what, last, stateOf(e, employeeID))
}

func stateOf(e *harness.Env, employeeID string) string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	v, err := e.Client.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
	if err != nil {
		return err.Error()
	}
	var st any
	if err := v.Get(&st); err != nil {
		return err.Error()
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return string(b)
}

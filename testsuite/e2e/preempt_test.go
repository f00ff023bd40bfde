package e2e

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestTerminationPreemptsABlockedJoiner: a joiner waits for an operator
// (Okta refuses every group membership), and HR then terminates the person
// effective now. The joiner is cancelled, the leaver starts at once and
// disables every account the joiner had created, and the offboarding row
// names the pre-empted joiner.
func TestTerminationPreemptsABlockedJoiner(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	emu := e.Emulators
	emu.Okta.AddFault(emulator.Fault{Method: "PUT", PathPrefix: "/api/v1/groups/", Status: 403})

	rec := e.Org.Joiners[0]
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly)
	rec.ManagerEmployeeID = e.Org.Employees[0].EmployeeID
	sendHR(t, e, rec)
	joinerID := contract.LifecycleWorkflowID(rec.EmployeeID, domain.EventJoiner, 1)
	eventually(t, e, rec.EmployeeID, "joiner blocked on okta with every account created", func() (bool, string) {
		st, err := childState(e, joinerID)
		if err != nil || len(st.Blocked) == 0 {
			return false, fmt.Sprintf("joiner state %+v %v", st, err)
		}
		_, g := emu.Graph.UserByEmployeeID(rec.EmployeeID)
		_, o := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		_, gg := emu.Google.User(rec.Email)
		return g && o && gg, fmt.Sprintf("accounts entra=%t okta=%t google=%t", g, o, gg)
	})

	leave := rec
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	eventually(t, e, rec.EmployeeID, "every account disabled", func() (bool, string) {
		g, _ := emu.Graph.UserByEmployeeID(rec.EmployeeID)
		o, _ := emu.Okta.UserByEmployeeNumber(rec.EmployeeID)
		disabled := !g.AccountEnabled && (o.Status == "DEPROVISIONED" || o.Status == "SUSPENDED") && emu.Google.Suspended(rec.Email)
		return disabled, fmt.Sprintf("entra enabled=%t okta %s google suspended=%t", g.AccountEnabled, o.Status, emu.Google.Suspended(rec.Email))
	})
	t.Logf("every account disabled %s after the effective time", time.Since(leave.TerminationEffectiveAt).Round(time.Millisecond))

	logPath := filepath.Join(e.Config.Evidence.Dir, activities.OffboardingLogPath)
	eventually(t, e, rec.EmployeeID, "offboarding row written", func() (bool, string) {
		_, err := os.Stat(logPath)
		return err == nil, "no offboarding log yet"
	})
	f, err := os.Open(logPath)
	require.NoError(t, err)
	defer f.Close()
	rows, err := readCSVAll(f)
	require.NoError(t, err)
	require.Len(t, rows, 2, "a header and exactly one row")
	col := func(name string) string { return rows[1][slices.Index(activities.OffboardingLogHeader, name)] }
	assert.Equal(t, rec.EmployeeID, col("employee_id"))
	assert.Equal(t, "joiner "+joinerID, col("preempted"))
	assert.Equal(t, activities.OutcomeOffboarded, col("outcome"))
	assert.Equal(t, "true", col("sla_met"))
	assert.Equal(t, leave.TerminationEffectiveAt.Format(time.RFC3339), col("effective_at"), "the SLA counts from the effective time")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := e.Client.DescribeWorkflow(ctx, joinerID, "")
	require.NoError(t, err)
	assert.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED, d.Status, "the joiner was cancelled, not left waiting")
	var st contract.EmployeeState
	eventually(t, e, rec.EmployeeID, "leaver folded into the Employee workflow", func() (bool, string) {
		st = contract.EmployeeState{}
		err := json.Unmarshal([]byte(stateOf(e, rec.EmployeeID)), &st)
		return err == nil && st.Status == domain.StatusTerminated, fmt.Sprintf("status %q %v", st.Status, err)
	})
	require.NotEmpty(t, st.History)
	assert.True(t, st.History[0].Preempted, "the Employee workflow records the pre-emption")
}

// childState queries a lifecycle child's state.
func childState(e *harness.Env, id string) (contract.LifecycleState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st contract.LifecycleState
	v, err := e.Client.QueryWorkflow(ctx, id, "", contract.QueryState)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

// readCSVAll reads the offboarding log (rows may be wider than an older header).
func readCSVAll(r io.Reader) ([][]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	return cr.ReadAll()
}

package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/testsuite/harness"
)

// sendBatch posts signed HR records as one webhook batch and returns the
// per-record results.
func sendBatch(t *testing.T, e *harness.Env, recs []domain.HRRecord) []intake.Result {
	t.Helper()
	body, err := json.Marshal(map[string]any{"records": recs})
	require.NoError(t, err)
	status, b := postHR(t, e, body)
	if status != http.StatusAccepted {
		n := 0
		for _, l := range strings.Split(e.Logs.String(), "\n") {
			if strings.Contains(l, "forward HR record") && n < 5 {
				t.Log(l)
				n++
			}
		}
	}
	require.Equal(t, http.StatusAccepted, status, string(b))
	var out struct {
		Results []intake.Result `json:"results"`
	}
	require.NoError(t, json.Unmarshal(b, &out))
	return out.Results
}

func guardState(e *harness.Env) (contract.GuardState, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var st contract.GuardState
	v, err := e.Client.QueryWorkflow(ctx, contract.GuardWorkflowID, "", contract.QueryState)
	if err != nil {
		return st, err
	}
	return st, v.Get(&st)
}

func terminations(prefix string, n int) []domain.HRRecord {
	at := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	out := make([]domain.HRRecord, n)
	for i := range out {
		id := fmt.Sprintf("%s%03d", prefix, i+1)
		out[i] = domain.HRRecord{EmployeeID: id, Email: strings.ToLower(id) + "@demo.jml.test", GivenName: "Leaver", FamilyName: id,
			Department: "Sales", Title: "Rep", Status: domain.HRTerminated, TerminationDate: at.Format(time.DateOnly), TerminationEffectiveAt: at}
	}
	return out
}

// holdMessage waits for the security channel's message of a hold.
func holdMessage(t *testing.T, e *harness.Env, holdID string) slackemu.Message {
	t.Helper()
	var found slackemu.Message
	eventually(t, e, "", "hold message in the security channel", func() (bool, string) {
		msgs := e.Emulators.Slack.Messages(e.Config.Slack.SecurityChannel)
		for _, m := range msgs {
			for _, b := range m.Buttons {
				if b.ActionID == contract.GuardActionApprove && b.Value == holdID+":approve" {
					found = m
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d messages in the channel", len(msgs))
	})
	return found
}

func offboardedIDs(t *testing.T, e *harness.Env) string {
	b, err := os.ReadFile(filepath.Join(e.Config.Evidence.Dir, activities.OffboardingLogPath))
	if err != nil {
		return ""
	}
	return string(b)
}

// TestGuardHoldsMassTermination: a batch terminating 100 people with
// hr.guard.max_terminations 70 delivers 70 and holds 30; one message with
// Approve and Reject goes to the security channel; a press by someone who
// is not an approver is refused and recorded; the approver's signed press
// releases the 30, which are offboarded. In the same hour a second run is
// over the rolling-hour limit: its urgent termination is delivered at once,
// the other two are held, and Reject quarantines them.
func TestGuardHoldsMassTermination(t *testing.T) {
	var approverID string
	e := harness.Start(t, harness.EnvOptions{Configure: func(c *config.Config) {
		th, err := config.ParseThreshold("70")
		require.NoError(t, err)
		c.HR.Guard = config.Guard{MaxTerminations: th, Approvers: []string{"E0002"}, ApprovalsRequired: 1}
		approverID = "E0002"
	}})
	ctx := context.Background()
	approver, stranger := byID(t, e, approverID), byID(t, e, "E0003")
	// jml knows the approver from HR: their work email is where presses
	// are judged from.
	sendHR(t, e, approver.Record)
	eventually(t, e, approverID, "approver's HR record accepted", func() (bool, string) {
		st, err := employeeState(e, approverID)
		return err == nil && st.Record != nil, fmt.Sprint(err)
	})

	// The first run is an import, through the seam `jml import` uses (no
	// webhook deadline: this machine may be slow).
	recs := terminations("X", 100)
	rows := make([]hr.Row, len(recs))
	for i, r := range recs {
		rows[i] = hr.Row{Ref: fmt.Sprintf("line %d", i+2), Record: r}
	}
	sink := employees.Sink{Client: e.Client, TaskQueue: e.Config.Temporal.TaskQueue, Policy: e.Config.Policy()}
	guard := &employees.Guard{Client: e.Client, TaskQueue: e.Config.Temporal.TaskQueue, Policy: e.Config.GuardPolicy(), Timeout: time.Minute}
	run := guard.NewRun("import:terminations.csv", "", nil)
	imp := importer.Import(ctx, rows, importer.Options{Source: "import:terminations.csv", Concurrency: 16,
		Submit: func(ctx context.Context, _ int, rec domain.HRRecord) (string, error) {
			return run.Deliver(ctx, sink.Deliver, rec, "")
		}})
	var held []string
	for _, o := range imp.Outcomes {
		require.Empty(t, o.Error, o.EmployeeID)
		if o.WorkflowID == contract.GuardWorkflowID {
			held = append(held, o.EmployeeID)
		}
	}
	require.Len(t, held, 30, "30 of 100 terminations held")
	n, _ := run.Held()
	require.Equal(t, 30, n)
	st, err := guardState(e)
	require.NoError(t, err)
	require.Len(t, st.Holds, 1)
	hold := st.Holds[0]
	require.Equal(t, contract.HoldPending, hold.Status)
	require.Len(t, hold.Records, 30)
	// Held means not delivered: no Employee workflow for them yet.
	for _, id := range held {
		_, err := e.Client.DescribeWorkflow(ctx, contract.EmployeeWorkflowID(id), "")
		require.Error(t, err, "held %s must not be delivered", id)
	}

	msg := holdMessage(t, e, hold.ID)
	require.Contains(t, msg.Text, "30 terminations held")
	require.Len(t, e.Emulators.Slack.Messages(e.Config.Slack.SecurityChannel), 1+countAlerts(e), "one message per run")

	// Not an approver: refused and recorded.
	status, body, err := e.Emulators.Slack.Press(ctx, msg.TS, contract.GuardActionApprove, stranger.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "Refused")
	answeredTo(t, e, e.Config.Slack.SecurityChannel, stranger.Email, "Refused your approve of hold "+hold.ID+
		": not an approver of held terminations (hr.guard.approvers). Your attempt was recorded.")
	st, err = guardState(e)
	require.NoError(t, err)
	require.Len(t, st.Holds[0].Refusals, 1)
	require.Equal(t, contract.HoldPending, st.Holds[0].Status)

	// The approver's signed press releases them.
	status, body, err = e.Emulators.Slack.Press(ctx, msg.TS, contract.GuardActionApprove, approver.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	require.Contains(t, body, "released")
	answeredTo(t, e, e.Config.Slack.SecurityChannel, approver.Email, "Recorded: hold "+hold.ID+" released.")
	eventually(t, e, "", "all 100 offboarded", func() (bool, string) {
		log := offboardedIDs(t, e)
		missing := 0
		for _, r := range recs {
			if !strings.Contains(log, r.EmployeeID+",") {
				missing++
			}
		}
		return missing == 0, fmt.Sprintf("%d not in the offboarding log", missing)
	})
	st, err = guardState(e)
	require.NoError(t, err)
	require.Equal(t, contract.HoldApproved, st.Holds[0].Status)
	require.Equal(t, 30, st.Holds[0].Delivered)
	require.Equal(t, approverID, st.Holds[0].Approvals[0].Actor.EmployeeID)

	// Same hour, a second run: 70 already this hour. The urgent one goes
	// through; the other two are held, and rejected.
	second := terminations("Y", 3)
	second[0].Urgent = true
	res := sendBatch(t, e, second)
	if res[1].WorkflowID != contract.GuardWorkflowID {
		for _, l := range strings.Split(e.Logs.String(), "\n") {
			if strings.Contains(l, "guard unavailable") {
				t.Log(l)
			}
		}
	}
	require.Equal(t, contract.EmployeeWorkflowID("Y001"), res[0].WorkflowID, "urgent is never held")
	require.Equal(t, contract.GuardWorkflowID, res[1].WorkflowID)
	require.Equal(t, contract.GuardWorkflowID, res[2].WorkflowID)
	st, err = guardState(e)
	require.NoError(t, err)
	require.Len(t, st.Holds, 2)
	hold2 := st.Holds[1]
	msg2 := holdMessage(t, e, hold2.ID)
	status, body, err = e.Emulators.Slack.Press(ctx, msg2.TS, contract.GuardActionReject, approver.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	eventually(t, e, "", "rejected hold quarantined", func() (bool, string) {
		st, err := guardState(e)
		if err != nil {
			return false, err.Error()
		}
		return st.Holds[1].Quarantine != "", st.Holds[1].Status
	})
	q, err := os.ReadFile(filepath.Join(e.Config.Evidence.Dir, "Quarantine", "hr-guard-"+hold2.ID+".jsonl"))
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(q), "\n"))
	require.Contains(t, string(q), "Y002")
	require.Contains(t, string(q), "Y003")
	for _, id := range []string{"Y002", "Y003"} {
		_, err := e.Client.DescribeWorkflow(ctx, contract.EmployeeWorkflowID(id), "")
		require.Error(t, err, "rejected %s must never be delivered", id)
	}
	eventually(t, e, "Y001", "urgent termination offboarded", func() (bool, string) {
		return strings.Contains(offboardedIDs(t, e), "Y001,"), ""
	})
	// A press on a stale copy of the released hold (the run is quiet now):
	// refused, and said why.
	stale := staleHoldMessage(t, e, hold.ID)
	status, body, err = e.Emulators.Slack.Press(ctx, stale, contract.GuardActionReject, approver.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	answeredTo(t, e, e.Config.Slack.SecurityChannel, approver.Email, "Refused your reject of hold "+hold.ID+": hold "+hold.ID+" is already approved.")
}

// countAlerts counts the security channel's messages that are not holds
// (SLA or blocked-lane alerts), so "one hold message" is checked alone.
func countAlerts(e *harness.Env) int {
	n := 0
	for _, m := range e.Emulators.Slack.Messages(e.Config.Slack.SecurityChannel) {
		if len(m.Buttons) == 0 && !m.Ephemeral { // a press's answer is no alert
			n++
		}
	}
	return n
}

// TestLoginAllocationTwoJoinersNamedAlike: two joiners HR sends without an
// email, both named Jane Doe, in one batch (delivered at once): each gets
// its own address, reserved through Temporal before any account exists,
// recorded in the Employee state, in every directory and in evidence.
func TestLoginAllocationTwoJoinersNamedAlike(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{Configure: func(c *config.Config) {
		c.HR.Login = config.Login{Domain: "demo.jml.test"}
	}})
	start := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	var recs []domain.HRRecord
	for _, id := range []string{"J0901", "J0902"} {
		recs = append(recs, domain.HRRecord{EmployeeID: id, GivenName: "Jane", FamilyName: "Doe", Department: "Engineering",
			Title: "Software Engineer", Country: "GB", Timezone: "Europe/London", EmploymentType: "full_time",
			Status: domain.HRActive, StartDate: start})
	}
	for _, r := range sendBatch(t, e, recs) {
		require.Empty(t, r.Error)
	}
	logins := map[string]string{}
	for _, r := range recs {
		eventually(t, e, r.EmployeeID, "joiner provisioned with an allocated login", func() (bool, string) {
			st, err := employeeState(e, r.EmployeeID)
			if err != nil {
				return false, err.Error()
			}
			logins[r.EmployeeID] = st.Login
			return st.Login != "" && st.Status == domain.StatusActive && st.LastChange != nil, string(st.Status)
		})
	}
	a, b := logins["J0901"], logins["J0902"]
	require.NotEqual(t, a, b, "two joiners named alike got the same address")
	require.ElementsMatch(t, []string{"jane.doe@demo.jml.test", "jane.doe2@demo.jml.test"}, []string{a, b})
	for id, login := range logins {
		u, ok := e.Emulators.Okta.UserByLogin(login)
		require.True(t, ok, "okta has %s", login)
		require.Equal(t, id, u.Profile["employeeNumber"])
	}
	ev, err := os.ReadFile(filepath.Join(e.Config.Evidence.Dir, activities.LoginLogPath))
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(ev), "\n"), string(ev))
	require.Contains(t, string(ev), a)
	require.Contains(t, string(ev), b)
	// The reservation ids hash the address: no PII in workflow ids.
	for _, l := range []string{a, b} {
		_, err := e.Client.DescribeWorkflow(context.Background(), domain.LoginLockID(l), "")
		require.NoError(t, err)
	}
}

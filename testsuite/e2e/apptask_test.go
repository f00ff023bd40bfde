package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// appTaskEnv is the demo stack with the demo's manual app (expensify,
// owner E0004) granted to Sales, as jml dev runs it, and its deadline set.
func appTaskEnv(t *testing.T, deadline time.Duration) *harness.Env {
	return harness.Start(t, harness.EnvOptions{Configure: func(c *config.Config) {
		stack.GrantDemoManualApp(c)
		for i := range c.Apps {
			if c.Apps[i].Name == stack.DemoManualApp {
				c.Apps[i].Deadline = config.Duration(deadline)
			}
		}
	}})
}

// leaveWithManualApp makes jml know the owner, a stranger and a Sales
// employee, then terminates the employee; it returns the owner's task DM.
func leaveWithManualApp(t *testing.T, e *harness.Env) (leaver, owner, stranger demoorg.Employee, task slackemu.Message) {
	t.Helper()
	owner = byID(t, e, "E0004")
	for _, emp := range e.Org.Employees[len(demoorg.Departments):] {
		if emp.Department == "Sales" && leaver.EmployeeID == "" {
			leaver = emp
		} else if emp.Department != "Sales" && stranger.EmployeeID == "" {
			stranger = emp
		}
	}
	require.NotEmpty(t, leaver.EmployeeID)
	for _, emp := range []demoorg.Employee{owner, stranger, leaver} {
		sendHR(t, e, emp.Record)
		eventually(t, e, emp.EmployeeID, "HR record accepted", func() (bool, string) {
			st, err := employeeState(e, emp.EmployeeID)
			return err == nil && st.Record != nil, fmt.Sprint(err)
		})
	}
	leave := leaver.Record
	leave.Status = domain.HRTerminated
	leave.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, leave)
	eventually(t, e, leaver.EmployeeID, "owner task DM", func() (bool, string) {
		for _, m := range e.Emulators.Slack.MessagesTo(owner.Email) {
			for _, b := range m.Buttons {
				if b.ActionID == contract.AppTaskActionDone && strings.HasPrefix(b.Value, "apptask/"+leaver.EmployeeID+"/leaver/") {
					task = m
					return true, ""
				}
			}
		}
		return false, fmt.Sprintf("%d DMs to the owner", len(e.Emulators.Slack.MessagesTo(owner.Email)))
	})
	assert.Contains(t, task.Text, "remove "+leaver.Email+" from expensify")
	assert.NotContains(t, task.Buttons[0].Value, "@", "the button carries the task id, no PII")
	return leaver, owner, stranger, task
}

// offboardingRow waits for the leaver's row and returns its columns.
func offboardingRow(t *testing.T, e *harness.Env, employeeID string) func(string) string {
	t.Helper()
	path := filepath.Join(e.Config.Evidence.Dir, activities.OffboardingLogPath)
	var row []string
	eventually(t, e, employeeID, "offboarding row", func() (bool, string) {
		f, err := os.Open(path)
		if err != nil {
			return false, err.Error()
		}
		defer f.Close()
		rows, err := readCSVAll(f)
		if err != nil {
			return false, err.Error()
		}
		for _, r := range rows[1:] {
			if r[0] == employeeID {
				row = r
				return true, ""
			}
		}
		return false, fmt.Sprintf("%d rows", len(rows)-1)
	})
	return func(name string) string {
		i := slices.Index(activities.OffboardingLogHeader, name)
		if i >= len(row) {
			return ""
		}
		return row[i]
	}
}

// taskEvents waits until the task evidence file has the event for taskID
// and returns the task's lines.
func taskEvents(t *testing.T, e *harness.Env, employeeID, taskID, event string) [][]string {
	t.Helper()
	var lines [][]string
	eventually(t, e, employeeID, "task event "+event, func() (bool, string) {
		rows, err := activities.ReadAppTasksLog(e.Config.Evidence.Dir)
		if err != nil {
			return false, err.Error()
		}
		lines = nil
		found := false
		for _, r := range rows[min(1, len(rows)):] {
			if r[0] == taskID {
				lines = append(lines, r)
				found = found || r[1] == event
			}
		}
		return found, fmt.Sprintf("%v", lines)
	})
	// The evidence orders a task's events by (run_id, seq), the workflow's
	// own order: a press answered while the "opened" line is being written
	// may reach the file before it.
	run, seq := slices.Index(activities.AppTasksLogHeader, "run_id"), slices.Index(activities.AppTasksLogHeader, "seq")
	slices.SortStableFunc(lines, func(a, b []string) int {
		if c := strings.Compare(a[run], b[run]); c != 0 {
			return c
		}
		x, _ := strconv.Atoi(a[seq])
		y, _ := strconv.Atoi(b[seq])
		return x - y
	})
	return lines
}

// TestLeaverManualAppOwnerConfirmsInSlack: a leaver who holds a manual app
// gets an owner task; a stranger's Done is refused and recorded; the
// owner's Done confirms it; the offboarding row names the task and the
// task's evidence says who confirmed and when.
func TestLeaverManualAppOwnerConfirmsInSlack(t *testing.T) {
	e := appTaskEnv(t, 72*time.Hour)
	leaver, owner, stranger, task := leaveWithManualApp(t, e)
	taskID := strings.TrimSuffix(task.Buttons[0].Value, ":done")
	ctx := context.Background()

	status, body, err := e.Emulators.Slack.Press(ctx, task.TS, contract.AppTaskActionDone, stranger.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "Refused")
	answeredTo(t, e, task.Channel, stranger.Email, "Refused your Done on task "+taskID+": only the owner of expensify (or its fallback) may confirm. Your attempt was recorded.")
	status, body, err = e.Emulators.Slack.Press(ctx, task.TS, contract.AppTaskActionDone, owner.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	assert.Contains(t, body, "confirmed by "+owner.EmployeeID)
	answeredTo(t, e, task.Channel, owner.Email, "Recorded: done, confirmed by "+owner.EmployeeID+".")

	col := offboardingRow(t, e, leaver.EmployeeID)
	assert.Contains(t, col("manual_apps"), "expensify: owner task "+taskID+", owner E0004")
	assert.Contains(t, col("manual_apps"), contract.AppTasksLogPath)
	assert.Equal(t, "true", col("sla_met"), "the owner's task does not hold the leaver")

	lines := taskEvents(t, e, leaver.EmployeeID, taskID, "confirmed")
	var events []string
	for _, l := range lines {
		events = append(events, l[1])
	}
	assert.Equal(t, []string{"opened", "refused", "confirmed"}, events)
	assert.Equal(t, stranger.EmployeeID, lines[1][7], "the refused presser, from HR")
	assert.Equal(t, owner.EmployeeID, lines[2][7], "who confirmed, from HR")
	at, err := time.Parse(time.RFC3339, lines[2][2])
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now(), at, 2*time.Minute, "when")
	assert.Equal(t, "in time", lines[2][10])
	eventually(t, e, leaver.EmployeeID, "task DM without its button", func() (bool, string) {
		m, _ := e.Emulators.Slack.Message(task.TS)
		return len(m.Buttons) == 0 && strings.Contains(m.Text, "confirmed by "+owner.EmployeeID), m.Text
	})
}

// TestLeaverManualAppOverdueBreach: nobody confirms within a short
// deadline: the owner is reminded, the security channel hears of the
// breach, and the task evidence records it beside the offboarding row.
func TestLeaverManualAppOverdueBreach(t *testing.T) {
	e := appTaskEnv(t, 4*time.Second)
	leaver, owner, _, task := leaveWithManualApp(t, e)
	taskID := strings.TrimSuffix(task.Buttons[0].Value, ":done")

	col := offboardingRow(t, e, leaver.EmployeeID)
	assert.Contains(t, col("manual_apps"), "expensify: owner task "+taskID)
	lines := taskEvents(t, e, leaver.EmployeeID, taskID, "breached")
	var events []string
	for _, l := range lines {
		events = append(events, l[1])
	}
	assert.Equal(t, []string{"opened", "reminded", "breached"}, events)
	eventually(t, e, leaver.EmployeeID, "overdue alert", func() (bool, string) {
		for _, m := range e.Emulators.Slack.Messages(slackemu.SecurityAlerts) {
			if strings.Contains(m.Text, "APP TASK OVERDUE") && strings.Contains(m.Text, taskID) {
				assert.NotContains(t, m.Text, leaver.Email, "the alert names ids, not the login")
				return true, ""
			}
		}
		return false, "no alert yet"
	})
	reminded := false
	for _, m := range e.Emulators.Slack.MessagesTo(owner.Email) {
		reminded = reminded || strings.Contains(m.Text, "jml reminder")
	}
	assert.True(t, reminded, "the owner was reminded")
}

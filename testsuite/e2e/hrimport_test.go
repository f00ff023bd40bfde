package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/hrimport"
	"github.com/jml-dev/jml/testsuite/harness"
)

// scheduledSource starts an Env with one scheduled csv source over a
// fresh drop folder (hr.guard.max_missing 1) and its schedule ensured.
func scheduledSource(t *testing.T) (*harness.Env, string) {
	drop := t.TempDir()
	e := harness.Start(t, harness.EnvOptions{Configure: func(c *config.Config) {
		c.HR.Sources = append(c.HR.Sources, config.HRSource{Name: "nightly", Kind: "csv", Schedule: "24h", DropFolder: drop})
		c.HR.Guard.MaxMissing = 1
	}})
	ids, err := hrimport.EnsureSchedules(context.Background(), e.Client, e.Config)
	require.NoError(t, err)
	require.Equal(t, []string{hrimport.ScheduleID("nightly")}, ids)
	return e, drop
}

// runSchedule triggers the source's schedule now and waits for the run's
// result.
func runSchedule(t *testing.T, e *harness.Env) contract.HRImportResult {
	t.Helper()
	ctx := context.Background()
	h := e.Client.ScheduleClient().GetHandle(ctx, hrimport.ScheduleID("nightly"))
	d, err := h.Describe(ctx)
	require.NoError(t, err)
	before := len(d.Info.RecentActions)
	require.NoError(t, h.Trigger(ctx, client.ScheduleTriggerOptions{}))
	var wid string
	require.Eventually(t, func() bool {
		d, err := h.Describe(ctx)
		if err != nil || len(d.Info.RecentActions) <= before {
			return false
		}
		wid = d.Info.RecentActions[len(d.Info.RecentActions)-1].StartWorkflowResult.WorkflowID
		return true
	}, 30*time.Second, 100*time.Millisecond, "the schedule started no run")
	var res contract.HRImportResult
	require.NoError(t, e.Client.GetWorkflow(ctx, wid, "").Get(ctx, &res))
	return res
}

// dropFile writes an export into the drop folder, modified at mod.
func dropFile(t *testing.T, drop, name, body string, mod time.Time) {
	t.Helper()
	p := filepath.Join(drop, name)
	require.NoError(t, os.WriteFile(p, []byte(header+body), 0o600))
	require.NoError(t, os.Chtimes(p, mod, mod))
}

const header = "employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,termination_date,timezone,country\n"

func row(r domain.HRRecord, start string) string {
	return fmt.Sprintf("%s,%s,%s,%s,%s,%s,full_time,active,%s,,UTC,US\n", r.EmployeeID, r.Email, r.GivenName, r.FamilyName, r.Department, r.Title, start)
}

func received(t *testing.T, e *harness.Env, id string) int {
	t.Helper()
	return planState(t, e, id).Received
}

// TestScheduledImportFromDropFolder: the schedule's run takes the drop
// folder's export, signals its valid rows and quarantines the bad one; a
// second run of the same file signals nothing; a newer file with one row
// changed signals that row only. Each run writes its report.
func TestScheduledImportFromDropFolder(t *testing.T) {
	e, drop := scheduledSource(t)
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	a, b := e.Org.Joiners[0], e.Org.Joiners[1]
	t0 := time.Now().Add(-time.Hour)
	dropFile(t, drop, "export-1.csv", row(a, yesterday)+row(b, yesterday)+"E9999,x@demo.jml.test,No,Body,Sales,AE,full_time,active,not-a-date,,UTC,US\n", t0)

	res := runSchedule(t, e)
	assert.Empty(t, res.Refused)
	assert.Equal(t, contract.HRImportCounts{Rows: 3, Delivered: 2, Quarantined: 1}, res.Counts)
	assert.Equal(t, 2, res.Signalled)
	var rep struct {
		SHA256      string                  `json:"sha256"`
		Counts      contract.HRImportCounts `json:"counts"`
		Plan        []map[string]any        `json:"plan"`
		Quarantined []map[string]any        `json:"quarantined"`
	}
	b1, err := os.ReadFile(res.Report)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b1, &rep))
	assert.Equal(t, res.Counts, rep.Counts)
	assert.Len(t, rep.SHA256, 64)
	assert.Len(t, rep.Plan, 2)
	assert.Len(t, rep.Quarantined, 1)
	assert.True(t, strings.HasPrefix(res.Report, filepath.Join(e.Config.Evidence.Dir, "HRImports", time.Now().UTC().Format("2006/01/02"))), res.Report)
	eventually(t, e, a.EmployeeID, "scheduled joiner provisioned", func() (bool, string) {
		u, ok := e.Emulators.Graph.UserByEmployeeID(a.EmployeeID)
		return ok && u.AccountEnabled, "no enabled Entra account yet"
	})
	waitApplied(t, e, b.EmployeeID, domain.EventJoiner)
	ra, rb := received(t, e, a.EmployeeID), received(t, e, b.EmployeeID)

	res = runSchedule(t, e)
	assert.Empty(t, res.Refused)
	assert.Equal(t, contract.HRImportCounts{Rows: 3, Unchanged: 2, Quarantined: 1}, res.Counts)
	assert.Equal(t, 0, res.Signalled, "the same file again sends nothing")
	assert.Equal(t, ra, received(t, e, a.EmployeeID))
	assert.Equal(t, rb, received(t, e, b.EmployeeID))

	moved := a
	moved.Department, moved.Title = "Finance", "Analyst"
	dropFile(t, drop, "export-2.csv", row(moved, yesterday)+row(b, yesterday), time.Now())
	res = runSchedule(t, e)
	assert.Equal(t, contract.HRImportCounts{Rows: 2, Delivered: 1, Unchanged: 1}, res.Counts)
	assert.Equal(t, 1, res.Signalled)
	assert.Equal(t, rb, received(t, e, b.EmployeeID), "the unchanged row is not signalled")
	eventually(t, e, a.EmployeeID, "changed row applied", func() (bool, string) {
		return received(t, e, a.EmployeeID) == ra+1, "not received yet"
	})
}

// TestScheduledImportRefusals: a file older than the last accepted one, an
// empty file, and one missing more people than hr.guard.max_missing are
// each refused: nothing signalled, the security channel alerted, the
// refusal in the run report; the accepted snapshot stays the baseline.
func TestScheduledImportRefusals(t *testing.T) {
	e, drop := scheduledSource(t)
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	people := e.Org.Joiners[:3]
	var all string
	for _, p := range people {
		all += row(p, yesterday)
	}
	accepted := time.Now().Add(-time.Hour)
	dropFile(t, drop, "good.csv", all, accepted)
	res := runSchedule(t, e)
	require.Empty(t, res.Refused)
	require.Equal(t, 3, res.Signalled, "%+v %s", res.Counts, mustRead(t, res.Report))
	for _, p := range people {
		waitApplied(t, e, p.EmployeeID, domain.EventJoiner)
	}
	counts := map[string]int{}
	for _, p := range people {
		counts[p.EmployeeID] = received(t, e, p.EmployeeID)
	}
	alerts := func() int { return len(e.Emulators.Slack.Messages(e.Config.Slack.SecurityChannel)) }

	cases := []struct {
		name, body, want string
		mod              time.Time
	}{
		{"older", all, "is older than the last accepted export good.csv", accepted.Add(-24 * time.Hour)},
		{"empty", "", "is empty", time.Now()},
		{"missing", row(people[0], yesterday), "lacks 2 people of the last accepted export good.csv (hr.guard.max_missing is 1)", time.Now()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, os.Remove(filepath.Join(drop, "good.csv")))
			dropFile(t, drop, c.name+".csv", c.body, c.mod)
			before := alerts()
			res := runSchedule(t, e)
			assert.Contains(t, res.Refused, c.want)
			assert.Equal(t, 0, res.Signalled)
			var rep struct {
				Refused string `json:"refused"`
				Alerted bool   `json:"alerted"`
			}
			b, err := os.ReadFile(res.Report)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(b, &rep))
			assert.Equal(t, res.Refused, rep.Refused)
			assert.True(t, rep.Alerted)
			require.Eventually(t, func() bool { return alerts() > before }, 10*time.Second, 100*time.Millisecond, "no security alert")
			msgs := e.Emulators.Slack.Messages(e.Config.Slack.SecurityChannel)
			assert.Contains(t, msgs[len(msgs)-1].Text, "HR import of source nightly refused")
			for _, p := range people {
				assert.Equal(t, counts[p.EmployeeID], received(t, e, p.EmployeeID), "nothing signalled to %s", p.EmployeeID)
			}
			// Put the accepted file back: the snapshot is still its.
			require.NoError(t, os.Remove(filepath.Join(drop, c.name+".csv")))
			dropFile(t, drop, "good.csv", all, accepted)
		})
	}
	res = runSchedule(t, e)
	assert.Empty(t, res.Refused)
	assert.Equal(t, 0, res.Signalled, "after the refusals the accepted file is still the baseline")
}

func mustRead(t *testing.T, path string) string {
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestImportCSVProvisionsAndQuarantines: a scheduled export with a new hire,
// a termination and a malformed row. The valid rows reach their Employee
// workflows and the directories; the bad row is quarantined, not lost.
func TestImportCSVProvisionsAndQuarantines(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	hire := e.Org.Joiners[2]
	leaver := e.Org.Employees[25].Record
	yesterday := time.Now().AddDate(0, 0, -1).Format(time.DateOnly)
	csv := "employee_id,email,given_name,family_name,department,title,employment_type,status,start_date,termination_date,timezone\n" +
		fmt.Sprintf("%s,%s,%s,%s,%s,%s,full_time,active,%s,,UTC\n", hire.EmployeeID, hire.Email, hire.GivenName, hire.FamilyName, hire.Department, hire.Title, yesterday) +
		fmt.Sprintf("%s,%s,%s,%s,%s,%s,full_time,terminated,,%s,UTC\n", leaver.EmployeeID, leaver.Email, leaver.GivenName, leaver.FamilyName, leaver.Department, leaver.Title, time.Now().AddDate(0, 0, -1).Format(time.DateOnly)) +
		"E9999,nobody@demo.jml.test,No,Body,Sales,AE,full_time,active,not-a-date,,UTC\n"
	path := filepath.Join(t.TempDir(), "export.csv")
	require.NoError(t, os.WriteFile(path, []byte(csv), 0o600))

	rows, _, err := importer.Read(path)
	require.NoError(t, err)
	sink := employees.Sink{Client: e.Client, TaskQueue: e.Config.Temporal.TaskQueue, Policy: e.Config.Policy()}
	res := importer.Run(context.Background(), sink, "import:test", rows)
	assert.Equal(t, importer.Counts{Rows: 3, Delivered: 2, Quarantined: 1}, res.Counts)
	require.Len(t, res.Quarantined, 1)
	assert.Equal(t, "E9999", res.Quarantined[0].EmployeeID)
	assert.Contains(t, res.Quarantined[0].Reason, "field start_date")

	eventually(t, e, hire.EmployeeID, "imported joiner provisioned", func() (bool, string) {
		u, ok := e.Emulators.Graph.UserByEmployeeID(hire.EmployeeID)
		return ok && u.AccountEnabled, "no enabled Entra account yet"
	})
	eventually(t, e, leaver.EmployeeID, "imported leaver offboarded", func() (bool, string) {
		u, _ := e.Emulators.Graph.UserByEmployeeID(leaver.EmployeeID)
		return !u.AccountEnabled && e.Emulators.Google.Suspended(leaver.Email), "still enabled"
	})
	_, err = e.Client.DescribeWorkflow(context.Background(), contract.EmployeeWorkflowID("E9999"), "")
	assert.Error(t, err, "a quarantined row starts no workflow")
}

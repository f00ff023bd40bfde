package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestImportGustoProfile: a new user's Gusto export, in Gusto's own headers
// (the issue's) and words (Active, Terminated, Full-Time, US dates), goes
// through `jml import --profile gusto` as copied from the README. The good
// rows reach their Employee workflows and the directories, each bad row is
// quarantined naming its line and field, and the totals add up.
func TestImportGustoProfile(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "jml")
	build := exec.Command("go", "build", "-o", bin, "./cmd/jml")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build ./cmd/jml: %s", out)

	hire := e.Org.Joiners[0]
	leaver := e.Org.Employees[25].Record
	us := func(d time.Time) string { return d.Format("01/02/2006") }
	yesterday := time.Now().AddDate(0, 0, -1)
	export := "Employee ID,First Name,Last Name,Work Email,Department,Job Title,Manager ID,Employment Status,Employment Type,Start Date,Termination Date,Location,Time Zone,Cost Center\n" +
		fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s,Active,Full-Time,%s,,%s,UTC,%s\n", hire.EmployeeID, hire.GivenName, hire.FamilyName, hire.Email,
			hire.Department, hire.Title, hire.ManagerEmployeeID, us(yesterday), hire.Location, hire.CostCenter) +
		fmt.Sprintf("%s,%s,%s,%s,%s,%s,%s,Terminated,Full-Time,%s,%s,%s,UTC,%s\n", leaver.EmployeeID, leaver.GivenName, leaver.FamilyName, leaver.Email,
			leaver.Department, leaver.Title, leaver.ManagerEmployeeID, us(yesterday.AddDate(-2, 0, 0)), us(yesterday), leaver.Location, leaver.CostCenter) +
		"G90001,No,Body,nobody@demo.jml.test,Sales,AE,,Furloughed,Full-Time,01/05/2026,,,UTC,\n" +
		"G90002,No,Date,nodate@demo.jml.test,Sales,AE,,Active,Full-Time,2026-31-01,,,UTC,\n" +
		"G90003,\"Stray,Quote,stray@demo.jml.test,Sales,AE,,Active,Full-Time,01/05/2026,,,UTC,\n"
	path := filepath.Join(dir, "gusto-export.csv")
	require.NoError(t, os.WriteFile(path, []byte(export), 0o600))

	cmd := exec.Command(bin, "import", "--config", filepath.Join(root, "config/demo.yaml"), "--profile", "gusto", path)
	cmd.Env = append(os.Environ(), "JML_TEMPORAL_ADDRESS="+e.Server.FrontendHostPort(), "JML_TEMPORAL_NAMESPACE="+e.Config.Temporal.Namespace,
		"JML_TEMPORAL_TASK_QUEUE="+e.Config.Temporal.TaskQueue, "JML_EVIDENCE_DIR="+filepath.Join(dir, "evidence"))
	out, err = cmd.CombinedOutput()
	got := string(out)
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, got)
	assert.Equal(t, 1, exit.ExitCode(), "quarantined rows exit 1 so a scheduler notices: %s", got)
	assert.Contains(t, got, path+": 2 delivered, 3 quarantined, 0 unchanged (5 rows)", "delivered + unchanged + quarantined = rows")
	assert.Contains(t, got, `quarantined line 4: record G90001 (line 4): field status: "Furloughed" is not a status word of profile gusto`)
	assert.Contains(t, got, `quarantined line 5: record G90002 (line 5): field start_date: "2026-31-01" is not a date in profile gusto's formats`)
	assert.Contains(t, got, "quarantined line 6: line 6: malformed CSV")
	assert.NotContains(t, got, "ignored unknown columns", "every Gusto column is mapped")
	q, err := filepath.Glob(filepath.Join(dir, "evidence", "Quarantine", "hr-import-*-gusto-export.csv.jsonl"))
	require.NoError(t, err)
	require.Len(t, q, 1, "the quarantine file: %s", got)
	data, err := os.ReadFile(q[0])
	require.NoError(t, err)
	assert.Equal(t, 3, strings.Count(string(data), "\n"), "one line per quarantined row")

	eventually(t, e, hire.EmployeeID, "the Gusto joiner is provisioned", func() (bool, string) {
		u, ok := e.Emulators.Graph.UserByEmployeeID(hire.EmployeeID)
		return ok && u.AccountEnabled, "no enabled Entra account yet"
	})
	eventually(t, e, leaver.EmployeeID, "the Gusto leaver is offboarded", func() (bool, string) {
		u, _ := e.Emulators.Graph.UserByEmployeeID(leaver.EmployeeID)
		return !u.AccountEnabled && e.Emulators.Google.Suspended(leaver.Email), "still enabled"
	})
	st, err := employeeState(e, hire.EmployeeID)
	require.NoError(t, err)
	require.NotNil(t, st.Record)
	assert.Equal(t, "full_time", st.Record.EmploymentType, "Full-Time is jml's full_time")
	assert.Equal(t, yesterday.Format(time.DateOnly), st.Record.StartDate, "the US date read as month/day/year")
	assert.Equal(t, hire.GivenName+" "+hire.FamilyName, st.Record.DisplayName, "derived from the given and family names")
	assert.Equal(t, "import:gusto:"+path, st.Record.Source)
}

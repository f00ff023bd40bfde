package chaos

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/domain"
)

// The checks must see what a broken run leaves behind: a leaver still
// enabled, a joiner never provisioned, a second account for one person, a
// skipped lane and a wrong offboarding log; and nothing on a person whose
// accounts are exactly what the catalog grants.
func TestCheckFindsWhatIsWrong(t *testing.T) {
	org := demoorg.New(20, 1)
	twin := org.Employees[10] // E0011 twice: a second account for one person
	twin.Email = "twin." + twin.Email
	org.Employees = append(org.Employees, twin)
	emus, err := emulators.Start(emulators.Options{Org: org})
	require.NoError(t, err)
	defer emus.Close()
	cfg, err := demoConfig(emus, emulators.DemoCredentials())
	require.NoError(t, err)
	cfg.Evidence.Dir = t.TempDir()

	leaver := person{rec: org.Employees[12].Record, emp: org.Employees[12], leaver: true, workflow: "employee/E0013/leaver/1"}
	joiner := person{rec: org.Joiners[0], workflow: "employee/E0021/joiner/1"}
	fine := person{rec: org.Employees[14].Record, workflow: "employee/E0015/joiner/1"} // Engineering, as seeded
	log := filepath.Join(cfg.Evidence.Dir, activities.OffboardingLogPath)
	require.NoError(t, os.MkdirAll(filepath.Dir(log), 0o700))
	require.NoError(t, os.WriteFile(log, []byte("employee_id,workflow_id\nE0013,a\nE0013,b\nE0005,c\n"), 0o600))
	results := map[string]contract.LifecycleResult{
		leaver.workflow: {Directories: []contract.DirectoryResult{{Directory: "entra", Result: domain.ResultSkipped, Skipped: []string{"disable"}}}},
	}

	rep := &Report{}
	check(rep, cfg, emus, []person{leaver, joiner, fine}, results)
	all := strings.Join(rep.Problems, "\n")
	for _, want := range []string{
		"leaver E0013: entra: still enabled",
		"leaver E0013: okta: status ACTIVE",
		"leaver E0013: google: not suspended",
		"leaver E0013: scim:zoom: still active",
		`employee/E0013/leaver/1: entra lane ended "skipped"`,
		"employee/E0013/leaver/1: entra not verified disabled",
		"employee/E0013/leaver/1: 1 directory lanes, want 3",
		"joiner E0021: entra: no account",
		"joiner E0021: okta: no account",
		"joiner E0021: google: no account",
		`duplicate: entra employeeId "e0011" appears 2 times`,
		`duplicate: google employee id "e0011" appears 2 times`,
		"offboarding log: 2 rows for leaver E0013, want exactly 1",
		"offboarding log: 1 rows for E0005, who did not leave",
	} {
		assert.Contains(t, all, want)
	}
	assert.NotContains(t, all, "E0015", "an employee whose accounts match the catalog")
}

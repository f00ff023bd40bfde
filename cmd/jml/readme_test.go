package main

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
)

// readmeShellBlocks returns every ```sh block of README.md, in order.
func readmeShellBlocks(t *testing.T, root string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	var blocks []string
	for _, m := range regexp.MustCompile("(?ms)^```sh\n(.*?)^```").FindAllStringSubmatch(string(b), -1) {
		blocks = append(blocks, m[1])
	}
	return blocks
}

// cleanEnv is a shell's environment with nothing of jml in it: no
// credential, no payload key, no address.
func cleanEnv() []string {
	return []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
}

// runREADME runs README.md's shell blocks, as written, from dir (laid out
// like a checkout, with jml dev running in it) against that stack. Only two
// things differ from a copy and paste: the test's free ports stand in for
// the defaults (JML_TEMPORAL_ADDRESS, and the intake's 127.0.0.1:8080), and
// after an import it waits for the Employee workflows to take their records,
// as a person reading the output would. The temporal CLI blocks are not run:
// they name a blocked leaver or a granted request the demo does not have.
func runREADME(t *testing.T, root, dir, temporalAddr, intakeAddr string, c client.Client) {
	ran := map[string]bool{}
	for _, block := range readmeShellBlocks(t, root) {
		if strings.Contains(block, ".bin/temporal") {
			continue
		}
		script := strings.ReplaceAll(block, "127.0.0.1:8080", intakeAddr)
		sh := exec.Command("bash", "-euo", "pipefail", "-c", script)
		sh.Dir = dir
		sh.Env = append(cleanEnv(), "JML_TEMPORAL_ADDRESS="+temporalAddr)
		out, err := sh.CombinedOutput()
		require.NoError(t, err, "README block:\n%s\noutput:\n%s", block, out)
		got := string(out)
		switch {
		case strings.Contains(block, "/hr/records"):
			ran["webhook"] = true
			assert.Contains(t, got, "employee/E0042", "the intake names the workflow")
		case strings.Contains(block, "--profile gusto"):
			ran["profile"] = true
			assert.Contains(t, got, "demo-gusto-export.csv: 3 valid, 0 quarantined, 0 unchanged (3 rows)")
			assert.NotContains(t, got, "ignored unknown columns")
		case strings.Contains(block, "jml import"):
			ran["import"] = true
			assert.Contains(t, got, "demo-hr-export.csv: 4 valid, 0 quarantined")
			assert.Contains(t, got, "demo-hr-export.csv: 4 delivered, 0 quarantined")
			for _, id := range importedIDs(t, root) {
				awaitRecord(t, c, id)
			}
		case strings.Contains(block, "jml review"):
			ran["review"] = true
			checkReviewBlock(t, got)
		case strings.Contains(block, "jml elevate"):
			ran["elevate"] = true
			assert.Regexp(t, `(?m)^elevation/[0-9a-f-]{36}$`, got)
		case strings.Contains(block, "jml evidence verify"):
			ran["verify"] = true
			require.True(t, ran["report"], "README runs jml report before jml evidence verify: there is nothing sealed before")
			assert.Regexp(t, `(?m)^ok +Manifests/\d{4}-\d{2}\.json$`, got)
			assert.Regexp(t, `(?m)^ok +IdentityLogs/\d{4}/\d{2}/manifest\.json$`, got)
			assert.Regexp(t, `(?m)^ok +Reports/KPI-\d{4}-\d{2}\.json$`, got)
			assert.Contains(t, got, " 0 tampered, 0 missing")
		case strings.Contains(block, "jml sweep"):
			ran["sweep"] = true
			assert.Contains(t, got, "standing admins outside JIT and break-glass:")
			assert.Regexp(t, `Entra Global Administrators: 3 \(target 2-8: met\)`, got, "two break-glass and the seeded legacy admin")
			files := regexp.MustCompile(`(?m)^\s*(\S+Sweeps/\S+\.json)$`).FindAllStringSubmatch(got, -1)
			require.NotEmpty(t, files, got)
			f := files[0][1]
			if !filepath.IsAbs(f) {
				f = filepath.Join(dir, f)
			}
			_, err := os.Stat(f)
			assert.NoError(t, err, "the printed sweep evidence exists")
		case strings.Contains(block, "jml posture"):
			ran["posture"] = true
			assert.Contains(t, got, "policy snapshot")
			assert.Regexp(t, `(?m)^  entra: 3 policies, \d+ changes  \S+policies-entra\.json$`, got)
		case strings.Contains(block, "jml catalog report"):
			ran["catalog"] = true
			m := regexp.MustCompile(`role catalog: (\d+) rules, (\d+) apps, (\d+) JIT-only admin roles, (\d+) active employees`).FindStringSubmatch(got)
			require.NotNil(t, m, got)
			assert.NotEqual(t, "0", m[4], "the demo's Employee workflows are counted")
			page, err := os.ReadFile(filepath.Join(dir, "catalog.html"))
			require.NoError(t, err, "the HTML is where the README says")
			assert.Contains(t, string(page), "CC6.3")
			assert.NotContains(t, string(page), "<script")
			rows, err := os.ReadFile(filepath.Join(dir, "catalog.csv"))
			require.NoError(t, err, "the CSV is where the README says")
			assert.Contains(t, string(rows), "rule,engineering,department in (Engineering),okta,group,dept-engineering,,")
		case strings.Contains(block, "jml report"):
			ran["report"] = true
			manifests := regexp.MustCompile(`(?m)^\s*(\S+manifest\.json)$`).FindAllStringSubmatch(got, -1)
			require.NotEmpty(t, manifests, got)
			m := manifests[0][1]
			if !filepath.IsAbs(m) {
				m = filepath.Join(dir, m)
			}
			_, err := os.Stat(m)
			assert.NoError(t, err, "the printed manifest exists")
			assert.Contains(t, got, "KPI report")
			// The dashboard's chart data, one CSV per chart beside the HTML.
			csvs := regexp.MustCompile(`(?m)^\s*(\S+/Reports/KPI-\d{4}-\d{2}-[a-z-]+\.csv)$`).FindAllStringSubmatch(got, -1)
			assert.NotEmpty(t, csvs, got)
			for _, c := range csvs {
				p := c[1]
				if !filepath.IsAbs(p) {
					p = filepath.Join(dir, p)
				}
				_, err := os.Stat(p)
				assert.NoError(t, err, "the printed chart CSV exists")
			}
		}
	}
	for _, want := range []string{"webhook", "import", "profile", "elevate", "report", "verify", "sweep", "posture", "catalog", "review"} {
		assert.True(t, ran[want], "README has no sh block running %s: the test ran less than it claims", want)
	}
}

// importedIDs are the employee ids of the README's demo export; each row
// must be the demo organisation's own record, so the import changes nobody.
func importedIDs(t *testing.T, root string) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(root, "config/demo-hr-export.csv"))
	require.NoError(t, err)
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	org := map[string]demoorg.Employee{}
	for _, e := range demoorg.New(500, 5).Employees {
		org[e.EmployeeID] = e
	}
	var ids []string
	for _, r := range rows[1:] {
		e, ok := org[r[0]]
		require.True(t, ok, r[0])
		rec := e.Record
		assert.Equal(t, []string{rec.EmployeeID, rec.Email, rec.GivenName, rec.FamilyName, rec.Department, rec.Title, rec.Location,
			rec.Country, rec.Timezone, rec.CostCenter, rec.EmploymentType, rec.ManagerEmployeeID, string(rec.Status), rec.StartDate}, r,
			"config/demo-hr-export.csv row %s is the demo organisation's record", r[0])
		ids = append(ids, r[0])
	}
	return ids
}

func awaitRecord(t *testing.T, c client.Client, employeeID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		v, err := c.QueryWorkflow(ctx, contract.EmployeeWorkflowID(employeeID), "", contract.QueryState)
		if err != nil {
			return false
		}
		var st contract.EmployeeState
		return v.Get(&st) == nil && st.Record != nil
	}, time.Minute, 200*time.Millisecond, "employee/%s took its HR record", employeeID)
}

package activities

import (
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/rs/zerolog"
	sdktest "go.temporal.io/sdk/testsuite"
)

func logInput(wf string) contract.OffboardingLogInput {
	eff := time.Date(2026, 3, 6, 22, 0, 0, 0, time.UTC)
	return contract.OffboardingLogInput{
		EmployeeID: "E0042", EffectiveAt: eff, CompletedAt: eff.Add(90 * time.Second), SLAMet: true,
		WorkflowID: wf, RunID: "run-1",
		Directories: []contract.DirectoryResult{
			{Directory: "entra", Result: "ok", Verified: true, Actions: []contract.Action{{Step: "disable", Outcome: "disabled"}, {Step: "remove group", Target: "all-staff", Outcome: "removed"}}},
			{Directory: "google", Result: "skipped", Skipped: []string{"remove access"}},
		},
		Decisions: []contract.DecisionRecord{{Directory: "google", Step: "remove access", Action: "skip", Operator: "bob", At: eff.Add(time.Minute)}},
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestOffboardingLogOneRowEvenWhenRetried(t *testing.T) {
	dir := t.TempDir()
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	var s sdktest.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a.AppendOffboardingLog)

	for i, want := range []bool{true, false, false} { // the first call, then two retries
		v, err := env.ExecuteActivity(a.AppendOffboardingLog, logInput("employee/E0042/leaver/2"))
		if err != nil {
			t.Fatal(err)
		}
		var out contract.OffboardingLogOutput
		if err := v.Get(&out); err != nil {
			t.Fatal(err)
		}
		if out.Appended != want {
			t.Fatalf("call %d: appended=%t, want %t", i, out.Appended, want)
		}
	}
	// A different run of the same workflow id is a different leaver run.
	in := logInput("employee/E0042/leaver/2")
	in.RunID = "run-2"
	if _, err := env.ExecuteActivity(a.AppendOffboardingLog, in); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(dir, OffboardingLogPath))
	if len(rows) != 3 {
		t.Fatalf("got %d rows (with header), want header + 2: %v", len(rows), rows)
	}
	if strings.Join(rows[0], ",") != strings.Join(OffboardingLogHeader, ",") {
		t.Fatalf("header %v", rows[0])
	}
	r := rows[1]
	want := map[int]string{0: "E0042", 1: "2026-03-06T22:00:00Z", 2: "2026-03-06T22:01:30Z", 3: "90", 4: "true", 8: "employee/E0042/leaver/2", 9: "run-1"}
	for i, w := range want {
		if r[i] != w {
			t.Errorf("column %s = %q, want %q", OffboardingLogHeader[i], r[i], w)
		}
	}
	if !strings.Contains(r[5], "entra=ok (verified)") || !strings.Contains(r[5], "google=skipped skipped:remove access") {
		t.Errorf("results %q", r[5])
	}
	if !strings.Contains(r[6], "remove group all-staff: removed") {
		t.Errorf("actions %q", r[6])
	}
	if !strings.Contains(r[7], "skip by bob") {
		t.Errorf("decisions %q", r[7])
	}
}

func TestOffboardingLogEscapesFormulaInjection(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"http://x\")": "'=HYPERLINK(\"http://x\")",
		"+1+1":                     "'+1+1", "-2": "'-2", "@SUM(A1)": "'@SUM(A1)", "\tx": "'\tx", "\rx": "'\rx",
		"all-staff": "all-staff", "": "", "E0042": "E0042",
	} {
		if got := EscapeCSVField(in); got != want {
			t.Errorf("EscapeCSVField(%q) = %q, want %q", in, got, want)
		}
	}
	dir := t.TempDir()
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	in := logInput("employee/E0042/leaver/3")
	// A hostile operator name and group name arrive through the payload.
	in.Decisions[0].Operator = "x\"\n=cmd|' /C calc'!A0"
	in.Directories = []contract.DirectoryResult{{Directory: "=evil", Result: "ok", Actions: []contract.Action{{Step: "remove group", Target: "a,b\"c", Outcome: "removed"}}}}
	if _, err := a.AppendOffboardingLog(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(dir, OffboardingLogPath))
	if len(rows) != 2 || len(rows[1]) != len(OffboardingLogHeader) {
		t.Fatalf("the hostile row must stay one row of %d fields: %q", len(OffboardingLogHeader), rows)
	}
	for i, f := range rows[1] {
		if f != "" && strings.ContainsRune("=+-@\t\r", rune(f[0])) {
			t.Errorf("field %s starts with %q: %q", OffboardingLogHeader[i], f[0], f)
		}
	}
	if rows[1][5] != "'=evil=ok" {
		t.Errorf("results %q", rows[1][5])
	}
}

func TestOffboardingLogConcurrentWritersKeepEveryRowWhole(t *testing.T) {
	dir := t.TempDir()
	// Two Activities values (two workers sharing the evidence volume).
	as := []*Activities{{EvidenceDir: dir, Logger: zerolog.Nop()}, {EvidenceDir: dir, Logger: zerolog.Nop()}}
	const n = 40
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := 0; i < n; i++ {
		for _, a := range as {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Both writers attempt each leaver: each row must appear once.
				_, err := a.AppendOffboardingLog(context.Background(), logInput(fmt.Sprintf("employee/E%04d/leaver/1", i)))
				errs <- err
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	rows := readCSV(t, filepath.Join(dir, OffboardingLogPath))
	if len(rows) != n+1 {
		t.Fatalf("got %d rows, want header + %d", len(rows), n)
	}
	seen := map[string]bool{}
	for _, r := range rows[1:] {
		if r[0] == "employee_id" {
			t.Fatal("header written twice")
		}
		if seen[r[8]] {
			t.Fatalf("duplicate row for %s", r[8])
		}
		seen[r[8]] = true
	}
}

func TestOffboardingLogRefusesMissingIdentity(t *testing.T) {
	a := &Activities{EvidenceDir: t.TempDir(), Logger: zerolog.Nop()}
	in := logInput("")
	if _, err := a.AppendOffboardingLog(context.Background(), in); err == nil || !strings.Contains(err.Error(), "workflow id") {
		t.Fatalf("want a BadInput error, got %v", err)
	}
}

// TestOffboardingLogBlankFileGetsHeaderAndRow: a log file that exists but
// holds no row (created empty by hand, or only a newline) takes the header
// and the row; it neither panics nor loses the header.
func TestOffboardingLogBlankFileGetsHeaderAndRow(t *testing.T) {
	for name, content := range map[string]string{"empty": "", "newline": "\n"} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, OffboardingLogPath)
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(content), 0o640); err != nil {
				t.Fatal(err)
			}
			a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
			out, err := a.AppendOffboardingLog(context.Background(), logInput("employee/E0042/leaver/4"))
			if err != nil || !out.Appended {
				t.Fatalf("appended=%t err=%v", out.Appended, err)
			}
			rows := readCSV(t, path)
			if len(rows) != 2 || strings.Join(rows[0], ",") != strings.Join(OffboardingLogHeader, ",") || rows[1][8] != "employee/E0042/leaver/4" {
				t.Fatalf("rows %q, want the header and the row", rows)
			}
		})
	}
}

// TestOffboardingLogNoAccountsRow: a termination with nothing to offboard
// is one row that says so, met, with no duration; the month's SLA does not
// count it as a leaver.
func TestOffboardingLogNoAccountsRow(t *testing.T) {
	dir := t.TempDir()
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	in := logInput("employee/E9014/leaver/1")
	in.EmployeeID, in.NoAccounts, in.SLAMet = "E9014", true, false
	in.CompletedAt = in.EffectiveAt.Add(959671 * time.Second)
	if _, err := a.AppendOffboardingLog(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	normal := logInput("employee/E0042/leaver/2")
	normal.Preempted = "joiner employee/E0042/joiner/1"
	if _, err := a.AppendOffboardingLog(context.Background(), normal); err != nil {
		t.Fatal(err)
	}
	rows := readCSV(t, filepath.Join(dir, OffboardingLogPath))
	if len(rows) != 3 {
		t.Fatalf("rows %q", rows)
	}
	col := func(r []string, name string) string { return r[slices.Index(OffboardingLogHeader, name)] }
	if col(rows[1], "outcome") != OutcomeNoAccounts || col(rows[1], "sla_met") != "true" || col(rows[1], "duration_seconds") != "0" {
		t.Errorf("no-accounts row %q", rows[1])
	}
	if col(rows[2], "outcome") != OutcomeOffboarded || col(rows[2], "preempted") != "joiner employee/E0042/joiner/1" {
		t.Errorf("offboarded row %q", rows[2])
	}
	sum, err := SummariseOffboardingRows(rows, in.EffectiveAt.AddDate(0, 0, -1), in.EffectiveAt.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Leavers != 1 || sum.Met != 1 || sum.MaxSeconds != 90 {
		t.Errorf("summary %+v: the no-accounts row is not a leaver", sum)
	}
}

// TestOffboardingLogStartedByAnOlderVersion: a file whose header has the
// first ten columns takes rows with the appended ones, keeps taking them,
// and still reads back.
func TestOffboardingLogStartedByAnOlderVersion(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, OffboardingLogPath)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		t.Fatal(err)
	}
	old := strings.Join(OffboardingLogHeader[:10], ",") + "\n" +
		"E0001,2026-03-06T22:00:00Z,2026-03-06T22:00:30Z,30,true,entra=ok,entra: disable: disabled,,employee/E0001/leaver/1,run-0\n"
	if err := os.WriteFile(path, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	a := &Activities{EvidenceDir: dir, Logger: zerolog.Nop()}
	gone := logInput("employee/E9014/leaver/1")
	gone.NoAccounts = true
	for _, in := range []contract.OffboardingLogInput{logInput("employee/E0042/leaver/2"), gone, logInput("employee/E0042/leaver/2")} {
		if _, err := a.AppendOffboardingLog(context.Background(), in); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(b), old) {
		t.Fatalf("the existing rows were rewritten:\n%s", b)
	}
	var s sdktest.WorkflowTestSuite
	env := s.NewTestActivityEnvironment()
	env.RegisterActivity(a.SummariseOffboarding)
	v, err := env.ExecuteActivity(a.SummariseOffboarding, contract.MonthInput{Month: "2026-03"})
	if err != nil {
		t.Fatal(err)
	}
	var sum contract.OffboardingSummary
	if err := v.Get(&sum); err != nil {
		t.Fatal(err)
	}
	if sum.Leavers != 2 || sum.Met != 2 {
		t.Errorf("summary %+v, want the old row and the new offboarded one (the retry wrote nothing, no_accounts is not a leaver)", sum)
	}
}

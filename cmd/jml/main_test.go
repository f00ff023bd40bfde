package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/workers/codec"
)

func TestUsageAndHelp(t *testing.T) {
	var out, errOut bytes.Buffer
	assert.Equal(t, exitUsage, run(nil, &out, &errOut))
	assert.Contains(t, out.String(), "Commands:")
	assert.Equal(t, exitOK, run([]string{"--help"}, &out, &errOut))
	for _, cmd := range []string{"dev", "worker", "serve"} {
		errOut.Reset()
		assert.Equal(t, exitOK, run([]string{cmd, "--help"}, &out, &errOut), cmd)
		assert.Contains(t, errOut.String(), "Usage: jml "+cmd, cmd)
		assert.Contains(t, errOut.String(), "-config", cmd)
	}
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"frobnicate"}, &out, &errOut))
	assert.Contains(t, errOut.String(), `unknown command "frobnicate"`)
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"worker", "--bogus"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "flag provided but not defined: -bogus")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"worker"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "--config is required")
}

func TestBrokenConfigExits2WithEveryProblem(t *testing.T) {
	path := filepath.Join(t.TempDir(), "broken.yaml")
	require.NoError(t, os.WriteFile(path, []byte("track: nope\ndirectories:\n  okta: {enabled: true, org_url: ftp://x}\nsla: {leaver: soon}\nfoo: 1\n"), 0o600))
	for _, cmd := range []string{"worker", "serve", "dev"} {
		var out, errOut bytes.Buffer
		code := run([]string{cmd, "--config", path}, &out, &errOut)
		assert.Equal(t, exitUsage, code, cmd)
		msg := errOut.String()
		assert.Contains(t, msg, path+":4: sla.leaver: \"soon\" is not a duration", cmd)
		assert.Contains(t, msg, path+":5: foo: unknown key", cmd)
		assert.True(t, strings.HasPrefix(msg, "jml "+cmd+": invalid configuration (2 problems)"), msg)
	}
}

// TestDevStartsAndStopsCleanly runs the real binary the way `make run` does
// (bin/jml dev --config config/demo.yaml, demo included) from a folder laid
// out like a checkout: the UI comes up, the worker polls, every README
// command runs as written against it with no credential or key in the
// environment, and Ctrl-C leaves no process behind.
func TestDevStartsAndStopsCleanly(t *testing.T) {
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	temporalBin, err := devserver.TemporalBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "bin"), 0o755))
	bin := filepath.Join(dir, "bin", "jml")
	build := exec.Command("go", "build", "-o", bin, "./cmd/jml")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	require.NoError(t, os.Symlink(filepath.Join(root, "config"), filepath.Join(dir, "config")))

	ports := make([]int, 3)
	for i := range ports {
		ports[i], err = devserver.FreePort()
		require.NoError(t, err)
	}
	// The state folder is the default .state of the checkout, named in full
	// so that no process outside this test matches it below.
	state := filepath.Join(dir, ".state")
	cmd := exec.Command(bin, "dev", "--config", "config/demo.yaml",
		"--grpc-port", strconv.Itoa(ports[0]), "--ui-port", strconv.Itoa(ports[1]), "--intake-port", strconv.Itoa(ports[2]),
		"--state-dir", state)
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "JML_TEMPORAL_BIN="+temporalBin) // the folder has no go.mod to find .bin/ from
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	cmd.Stderr = io.Discard
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	ready := make(chan string, 1)
	go func() {
		var all strings.Builder
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			all.WriteString(sc.Text() + "\n")
			if strings.Contains(sc.Text(), "Reports/KPI-YYYY-MM") { // the printout's last line
				ready <- all.String()
			}
		}
	}()
	select {
	case banner := <-ready:
		assert.Contains(t, banner, "jml dev is running")
		assert.Contains(t, banner, "jml report --config", "the printout offers the evidence command")
	case err := <-done:
		t.Fatalf("jml dev exited early: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("jml dev did not come up within two minutes")
	}

	// The UI answers, and the worker polls its task queue.
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", ports[1]))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	temporalAddr := fmt.Sprintf("127.0.0.1:%d", ports[0])
	keys, err := codec.LoadKeys(func(k string) string {
		if k == codec.EnvKeysFile {
			return filepath.Join(state, "codec-keys")
		}
		return ""
	})
	require.NoError(t, err, "jml dev keeps its key in the state folder")
	c, err := client.Dial(codec.ClientOptions(keys, client.Options{HostPort: temporalAddr}))
	require.NoError(t, err)
	defer c.Close()
	var pollers []*taskqueuepb.PollerInfo
	require.Eventually(t, func() bool {
		r, err := c.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: "jml"}, TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
		if err != nil {
			return false
		}
		pollers = r.GetPollers()
		return len(pollers) > 0
	}, 30*time.Second, 200*time.Millisecond)
	intakeAddr := fmt.Sprintf("127.0.0.1:%d", ports[2])
	resp, err = http.Get("http://" + intakeAddr + "/healthz")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	// jml dev ensured the evidence schedules.
	for _, id := range []string{evidence.IdentityLogsScheduleID, evidence.KPIScheduleID} {
		_, err := c.ScheduleClient().GetHandle(context.Background(), id).Describe(context.Background())
		assert.NoError(t, err, id)
	}

	// The demo leaver (Sales) holds the demo's manual app: its owner task
	// runs (cmd/jml/dev_apptask_test.go).
	demoAppTaskRuns(t, c)
	// The demo access review: reviewers from HR, printable (cmd/jml/dev_review_test.go).
	demoReviewRuns(t, c, bin, dir, temporalAddr)

	t.Run("README commands", func(t *testing.T) {
		runREADME(t, root, dir, temporalAddr, intakeAddr, c)
	})

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-done:
		assert.NoError(t, err, "jml dev exits 0 on Ctrl-C")
	case <-time.After(time.Minute):
		t.Fatal("jml dev did not stop within a minute of SIGINT")
	}
	// No process (the dev server included) still runs with our state folder.
	assert.Empty(t, processesMentioning(t, state))
	_, err = os.Stat(filepath.Join(state, "temporal.db"))
	assert.NoError(t, err, "history is kept in SQLite under the state folder")
	_, err = os.Stat(filepath.Join(state, devStackFile))
	assert.ErrorIs(t, err, os.ErrNotExist, "the stopped stack no longer says it serves")
}

func processesMentioning(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	entries, err := os.ReadDir("/proc")
	require.NoError(t, err)
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) {
			out = append(out, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return out
}

// TestImportDryRunQuarantinesAndExits1 runs with no credential at all: a
// dry-run needs none.
func TestImportDryRunQuarantinesAndExits1(t *testing.T) {
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	for k := range emulators.DemoCredentials().Env() {
		t.Setenv(k, "")
	}
	evidence := t.TempDir()
	t.Setenv("JML_EVIDENCE_DIR", evidence)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.csv")
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(good, []byte("employee_id,email,given_name,family_name,status,start_date\nE1,a@demo.jml.test,A,B,active,2026-01-05\n"), 0o600))
	require.NoError(t, os.WriteFile(bad, []byte("employee_id,email,given_name,family_name,status\nE2,nope,A,B,active\n"), 0o600))
	cfg := filepath.Join(root, "config/demo.yaml")

	var out, errOut bytes.Buffer
	assert.Equal(t, exitOK, run([]string{"import", "--config", cfg, "--dry-run", good}, &out, &errOut), errOut.String())
	assert.Contains(t, out.String(), "good.csv: 1 valid, 0 quarantined")

	out.Reset()
	assert.Equal(t, exitRuntime, run([]string{"import", "--config", cfg, "--dry-run", good, bad}, &out, &errOut))
	assert.Contains(t, out.String(), "bad.csv: 0 valid, 1 quarantined")
	assert.Contains(t, out.String(), "quarantined line 2: record E2: field email: is not an email address")
	files, err := filepath.Glob(filepath.Join(evidence, "Quarantine", "*.jsonl"))
	require.NoError(t, err)
	assert.Len(t, files, 1)

	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"import", "--config", cfg, "--dry-run"}, &out, &errOut))
	assert.Contains(t, errOut.String(), "name at least one export file")
	errOut.Reset()
	assert.Equal(t, exitUsage, run([]string{"import", "--config", cfg, "--dry-run", filepath.Join(dir, "x.txt")}, &out, &errOut))
	assert.Contains(t, errOut.String(), "unknown export format")

	// The file: a stray quote in row 2 of 9; a manager nobody knows.
	quote := filepath.Join(dir, "quote.csv")
	rows := "employee_id,email,given_name,family_name,status,manager_employee_id\n"
	for n := 1; n <= 9; n++ {
		q := ""
		if n == 2 {
			q = `"`
		}
		rows += fmt.Sprintf("E%d,%se%d@demo.jml.test,A,B,active,E1\n", n, q, n)
	}
	rows = strings.Replace(rows, "E1,e1@demo.jml.test,A,B,active,E1", "E1,e1@demo.jml.test,A,B,active,E77", 1)
	require.NoError(t, os.WriteFile(quote, []byte(rows), 0o600))
	out.Reset()
	assert.Equal(t, exitRuntime, run([]string{"import", "--config", cfg, "--dry-run", quote}, &out, &errOut))
	assert.Contains(t, out.String(), "quote.csv: 8 valid, 1 quarantined, 0 unchanged (9 rows)")
	assert.Contains(t, out.String(), "quarantined line 3: line 3: malformed CSV")
	assert.Contains(t, out.String(), "warning: record E1 (line 2): field manager_employee_id: manager E77 is neither in this batch nor checked against jml")
}

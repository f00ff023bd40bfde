package main

import (
	"bufio"
	"net"
	"net/url"
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

	"github.com/jml-dev/jml/devstack/devserver"
)

// With directories.ad enabled, jml dev runs a real Samba AD DC, points
// directories.ad at it, and stops it with the rest on Ctrl-C.
func TestDevStartsADWhenEnabled(t *testing.T) {
	root, err := devserver.RepoRoot()
	require.NoError(t, err)
	temporalBin, err := devserver.TemporalBinary()
	require.NoError(t, err)
	dir := t.TempDir()
	bin := filepath.Join(dir, "jml")
	build := exec.Command("go", "build", "-o", bin, "./cmd/jml")
	build.Dir = root
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	demo, err := os.ReadFile(filepath.Join(root, "config", "demo.yaml"))
	require.NoError(t, err)
	withAD := strings.Replace(string(demo), "  ad:\n    enabled: false", "  ad:\n    enabled: true", 1)
	require.NotEqual(t, string(demo), withAD, "demo.yaml has an ad block, off")
	cfgPath := filepath.Join(dir, "ad.yaml")
	require.NoError(t, os.WriteFile(cfgPath, []byte(withAD), 0o600))

	ports := make([]int, 3)
	for i := range ports {
		ports[i], err = devserver.FreePort()
		require.NoError(t, err)
	}
	cmd := exec.Command(bin, "dev", "--config", cfgPath, "--no-demo",
		"--grpc-port", strconv.Itoa(ports[0]), "--ui-port", strconv.Itoa(ports[1]), "--intake-port", strconv.Itoa(ports[2]),
		"--state-dir", filepath.Join(dir, ".state"))
	cmd.Dir = dir
	cmd.Env = append(cleanEnv(), "JML_TEMPORAL_BIN="+temporalBin)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	adURL := make(chan string, 1)
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if u, ok := strings.CutPrefix(line, "jml dev: Active Directory at "); ok {
				adURL <- strings.Fields(u)[0]
			}
			if strings.Contains(line, "Reports/KPI-YYYY-MM") {
				close(ready)
			}
		}
	}()
	var dcURL string
	select {
	case dcURL = <-adURL:
	case err := <-done:
		t.Fatalf("jml dev exited early: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("jml dev did not start the DC within three minutes")
	}
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("jml dev exited early: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("jml dev did not come up within two minutes of the DC")
	}
	u, err := url.Parse(dcURL)
	require.NoError(t, err)
	assert.Equal(t, "ldaps", u.Scheme)
	assert.NotEqual(t, "127.0.0.1", u.Hostname(), "the DC has a loopback address of its own")
	conn, err := net.DialTimeout("tcp", u.Host, 5*time.Second)
	require.NoError(t, err, "the DC answers on LDAPS while jml dev runs")
	conn.Close()

	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	select {
	case err := <-done:
		assert.NoError(t, err, "jml dev exits 0 on Ctrl-C")
	case <-time.After(time.Minute):
		t.Fatal("jml dev did not stop within a minute")
	}
	_, err = net.DialTimeout("tcp", u.Host, 2*time.Second)
	assert.Error(t, err, "the DC stopped with jml dev")
}

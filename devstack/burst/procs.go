package burst

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.yaml.in/yaml/v3"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/stack"
)

// workerProc is one `jml worker` process on the burst's task queue.
type workerProc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *workerProc) pid() int { return p.cmd.Process.Pid }

// writeConfig renders the stack's configuration for a worker process, as
// production would load it; secrets are not part of it (environment).
func writeConfig(cfg *config.Config, path string) error {
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("render the burst config: %w", err)
	}
	return os.WriteFile(path, append([]byte("# written by jml bench burst: config/demo.yaml pointed at its emulators\n"), b...), 0o600)
}

// startWorker runs `jml worker --config path` with the emulators'
// credentials in its environment, and GOMEMLIMIT=memLimit unless empty.
func startWorker(bin, path, dir string, i int, memLimit string) (*workerProc, error) {
	f, err := os.Create(filepath.Join(dir, fmt.Sprintf("worker-%d.log", i)))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "worker", "--config", path)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "JML_") && (memLimit == "" || !strings.HasPrefix(kv, "GOMEMLIMIT=")) {
			env = append(env, kv)
		}
	}
	for k, v := range emulators.DemoCredentials().Env() {
		env = append(env, k+"="+v)
	}
	if memLimit != "" {
		env = append(env, "GOMEMLIMIT="+memLimit)
	}
	sort.Strings(env)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		f.Close()
		return nil, fmt.Errorf("start %s worker: %w", bin, err)
	}
	p := &workerProc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	return p, nil
}

// stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (p *workerProc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// waitWorkers waits until n distinct identities poll the activity queue.
func waitWorkers(ctx context.Context, env *stack.Env, n int) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		resp, err := env.Client.DescribeTaskQueue(ctx, env.Config.Temporal.TaskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY)
		if err == nil && len(resp.GetPollers()) >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the worker processes never polled the task queue (see their logs): %w", ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// hwmMB is a process's peak resident set (VmHWM), in MB; 0 if unknown.
func hwmMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	return 0
}

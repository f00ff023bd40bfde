package chaos

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// maxExits is how many exits the run did not cause before it stops
// restarting the worker: a binary that cannot start would loop forever.
const maxExits = 5

// supervisor runs the worker process, kills it when told and restarts it;
// an exit it did not cause is recorded and restarted too.
type supervisor struct {
	bin, config, dir string
	env              []string
	say              func(string, ...any)

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed when cmd has exited
	killing  bool          // the current process is being killed on purpose
	stopping bool
	starts   int
	kills    []Kill
	exits    []string
	logs     []string
	gaveUp   chan struct{} // closed when it stops restarting
	giveUp   sync.Once
}

func (s *supervisor) quit() { s.giveUp.Do(func() { close(s.gaveUp) }) }

func (s *supervisor) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gaveUp == nil {
		s.gaveUp = make(chan struct{})
	}
	return s.startLocked()
}

func (s *supervisor) startLocked() error {
	s.starts++
	path := filepath.Join(s.dir, fmt.Sprintf("worker-%d.log", s.starts))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, "worker", "--config", s.config)
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, f, f
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		f.Close()
		return fmt.Errorf("start the worker %s: %w", s.bin, err)
	}
	s.cmd, s.killing, s.done = cmd, false, make(chan struct{})
	s.logs = append(s.logs, path)
	go s.wait(cmd, f, path, s.done)
	return nil
}

// wait reaps one process and restarts it when it died on its own.
func (s *supervisor) wait(cmd *exec.Cmd, f *os.File, path string, done chan struct{}) {
	err := cmd.Wait()
	f.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	close(done)
	if s.killing || s.stopping || s.cmd != cmd {
		return
	}
	s.exits = append(s.exits, fmt.Sprintf("pid %d: %v: %s", cmd.Process.Pid, err, lastLine(path)))
	s.say("the worker exited on its own: %s", s.exits[len(s.exits)-1])
	if len(s.exits) >= maxExits {
		s.quit()
		return
	}
	time.Sleep(time.Second) // under the lock: nothing else may start one meanwhile
	if err := s.startLocked(); err != nil {
		s.exits = append(s.exits, err.Error())
		s.quit()
	}
}

func (s *supervisor) pid() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd.Process.Pid
}

// killPoint is one kill: at an emulator call count, then down for a while.
type killPoint struct {
	at   int
	down time.Duration
}

// killAt SIGKILLs the worker at each point and restarts it after the
// point's downtime, until the points or ctx run out.
func (s *supervisor) killAt(ctx context.Context, points []killPoint, calls func() int) {
	for i, p := range points {
		for calls() < p.at {
			select {
			case <-ctx.Done():
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
		s.mu.Lock()
		if s.stopping {
			s.mu.Unlock()
			return
		}
		cmd, done := s.cmd, s.done
		s.killing = true
		_ = cmd.Process.Signal(syscall.SIGKILL)
		s.mu.Unlock()
		<-done
		n := calls()
		s.say("kill %d/%d: SIGKILL pid %d after %d emulator calls; restart in %v", i+1, len(points), cmd.Process.Pid, n, p.down)
		time.Sleep(p.down)
		s.mu.Lock()
		s.kills = append(s.kills, Kill{AfterCalls: n, PID: cmd.Process.Pid, Down: p.down})
		err := s.startLocked()
		if err != nil {
			s.exits = append(s.exits, err.Error())
			s.quit()
		}
		s.mu.Unlock()
		if err != nil {
			return
		}
	}
}

// stop ends the worker (SIGTERM, then SIGKILL) and restarts nothing.
func (s *supervisor) stop() {
	s.mu.Lock()
	s.stopping = true
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// lastLine is the end of a worker's log, for saying why it exited.
func lastLine(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	b = bytes.TrimSpace(b)
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

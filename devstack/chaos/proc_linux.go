package chaos

import (
	"os/exec"
	"syscall"
)

// dieWithParent: a worker left behind by a crashed test would poll forever.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

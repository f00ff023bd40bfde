package samba

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// claimAddr picks a loopback address 127.0.0.N (N in 2..250) whose LDAP
// ports are free, and holds a lock file for it so that two test processes
// starting DCs at once never pick the same one. Plain 127.0.0.1 is never
// used: other services and other helpers' DCs may hold its 389/636.
func claimAddr() (string, *os.File, error) {
	for _, n := range rand.Perm(249) {
		addr := fmt.Sprintf("127.0.0.%d", n+2)
		f, err := os.OpenFile(filepath.Join(os.TempDir(), "jml-samba-"+addr+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
		if err != nil {
			return "", nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			continue
		}
		if portsFree(addr) {
			return addr, f, nil
		}
		releaseAddr(f)
	}
	return "", nil, fmt.Errorf("samba: no free loopback address 127.0.0.2-250 with ports 389 and 636 free")
}

func portsFree(addr string) bool {
	for _, p := range []string{"389", "636", "3268", "3269"} {
		l, err := net.Listen("tcp", net.JoinHostPort(addr, p))
		if err != nil {
			return false
		}
		l.Close()
	}
	return true
}

func releaseAddr(f *os.File) {
	if f == nil {
		return
	}
	_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

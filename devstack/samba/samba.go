// Package samba runs a real Active Directory domain controller (Debian's
// samba-ad-dc) for the tests and `jml dev`: not an emulator, the real LDAP
// server with AD's schema, userAccountControl, password policy and primary
// groups. One domain is provisioned per process into a template folder
// (about 10 s); each DC is a copy of it (a fraction of a second) bound to
// its own loopback address, since LDAP's ports are fixed (389/636) and
// other test processes run DCs at the same time.
package samba

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// The demo domain every DC here serves.
const (
	Realm     = "DEMO.JML.TEST"
	NetBIOS   = "DEMO"
	DNSDomain = "demo.jml.test"
	BaseDN    = "DC=demo,DC=jml,DC=test"
	HostName  = "DC1"
)

// DC is one running domain controller.
type DC struct {
	Addr          string // its loopback address, 127.0.0.N
	URL           string // ldaps://127.0.0.N:636
	BaseDN        string
	AdminUPN      string // Administrator@DEMO.JML.TEST
	AdminPassword string
	CAFile        string // the CA its LDAPS certificate is issued by (PEM)
	Dir           string

	cmd    *exec.Cmd
	lock   *os.File
	exited chan struct{}
	once   sync.Once
}

// Available reports why no DC can run here (samba-tool or samba missing),
// or nil.
func Available() error {
	for _, b := range []string{"samba-tool", "samba"} {
		if _, err := lookPath(b); err != nil {
			return fmt.Errorf("samba: %s not found (install Debian's samba-ad-dc: apt-get install -y samba-ad-dc): %w", b, err)
		}
	}
	return nil
}

// lookPath also searches /usr/sbin, where Debian puts samba, which a
// non-root PATH often lacks.
func lookPath(b string) (string, error) {
	if p, err := exec.LookPath(b); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin", "/sbin"} {
		p := filepath.Join(d, b)
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

var (
	tmplMu       sync.Mutex
	tmplDir      string
	tmplPassword string
)

// template provisions the process's domain once and returns its folder.
func template(ctx context.Context) (string, string, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplDir != "" {
		return tmplDir, tmplPassword, nil
	}
	if err := Available(); err != nil {
		return "", "", err
	}
	dir, err := os.MkdirTemp("", "jml-samba-template-")
	if err != nil {
		return "", "", err
	}
	pw := "Jml-" + randHex(12) + "!a1"
	tool, _ := lookPath("samba-tool")
	cmd := exec.CommandContext(ctx, tool, "domain", "provision",
		"--realm="+Realm, "--domain="+NetBIOS, "--server-role=dc", "--dns-backend=NONE",
		"--host-name="+HostName,
		"--adminpass="+pw, "--targetdir="+dir,
		"--option=interfaces=127.0.0.1/8", "--option=bind interfaces only=yes")
	out, err := cmd.CombinedOutput()
	if err != nil {
		_ = os.RemoveAll(dir)
		// The output never holds the password (samba-tool does not echo it).
		return "", "", fmt.Errorf("samba: provision: %v: %s", err, tail(string(out), 2000))
	}
	tmplDir, tmplPassword = dir, pw
	return dir, pw, nil
}

// CleanupTemplate removes the process's template folder (TestMain calls it
// through StopShared).
func CleanupTemplate() {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if tmplDir != "" {
		_ = os.RemoveAll(tmplDir)
		tmplDir = ""
	}
}

// Start runs a fresh DC: a copy of the template on a free loopback address,
// with an LDAPS certificate for that address from a CA of its own. It
// returns once LDAPS answers a bind.
func Start(ctx context.Context) (*DC, error) {
	src, pw, err := template(ctx)
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		addr, lock, err := claimAddr()
		if err != nil {
			return nil, err
		}
		dc, err := startAt(ctx, src, pw, addr, lock)
		if err == nil {
			return dc, nil
		}
		lastErr = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, lastErr
}

func startAt(ctx context.Context, src, pw, addr string, lock *os.File) (_ *DC, err error) {
	dir, err := os.MkdirTemp("", "jml-samba-dc-")
	if err != nil {
		releaseAddr(lock)
		return nil, err
	}
	dc := &DC{Addr: addr, URL: "ldaps://" + addr + ":636", BaseDN: BaseDN, AdminUPN: "Administrator@" + Realm,
		AdminPassword: pw, Dir: dir, lock: lock, exited: make(chan struct{})}
	defer func() {
		if err != nil {
			dc.Stop()
		}
	}()
	if out, err := exec.CommandContext(ctx, "cp", "-a", src+"/.", dir).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("samba: copy template: %v: %s", err, out)
	}
	if dc.CAFile, err = writeTLS(filepath.Join(dir, "private", "jmltls"), addr); err != nil {
		return nil, err
	}
	if err := writeConf(dc, src); err != nil {
		return nil, err
	}
	bin, _ := lookPath("samba")
	if err := os.MkdirAll(filepath.Join(dir, "run"), 0o700); err != nil {
		return nil, err
	}
	dc.cmd = exec.Command(bin, "-i", "-s", filepath.Join(dir, "etc", "smb.conf"), "-M", "single")
	logf, err := os.Create(filepath.Join(dir, "samba.out"))
	if err != nil {
		return nil, err
	}
	dc.cmd.Stdout, dc.cmd.Stderr = logf, logf
	// The DC dies with the test process, even a killed one.
	dc.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := dc.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("samba: start: %w", err)
	}
	go func() { _ = dc.cmd.Wait(); logf.Close(); close(dc.exited) }()
	if err := dc.waitReady(ctx, 90*time.Second); err != nil {
		b, _ := os.ReadFile(filepath.Join(dir, "samba.out"))
		return nil, fmt.Errorf("samba: DC on %s did not answer LDAPS: %v: %s", addr, err, tail(string(b), 1500))
	}
	return dc, nil
}

// waitReady waits until an LDAPS bind as Administrator succeeds.
func (dc *DC) waitReady(ctx context.Context, max time.Duration) error {
	deadline := time.Now().Add(max)
	var last error
	for time.Now().Before(deadline) {
		select {
		case <-dc.exited:
			return errors.New("samba exited")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		c, err := dc.Dial()
		if err == nil {
			c.Close()
			return nil
		}
		last = err
		time.Sleep(200 * time.Millisecond)
	}
	return fmt.Errorf("timed out after %s: %v", max, last)
}

// TLSConfig verifies the DC's certificate against its CA only.
func (dc *DC) TLSConfig() (*tls.Config, error) {
	pem, err := os.ReadFile(dc.CAFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("samba: no certificate in %s", dc.CAFile)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// Dial opens an LDAPS connection bound as Administrator (for seeding and
// test inspection; jml itself connects through integrations/ad).
func (dc *DC) Dial() (*ldap.Conn, error) {
	tc, err := dc.TLSConfig()
	if err != nil {
		return nil, err
	}
	c, err := ldap.DialURL(dc.URL, ldap.DialWithTLSConfig(tc), ldap.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}))
	if err != nil {
		return nil, err
	}
	c.SetTimeout(30 * time.Second)
	if err := c.Bind(dc.AdminUPN, dc.AdminPassword); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Stop ends the DC (SIGTERM, then SIGKILL after 10 s) and removes its folder.
func (dc *DC) Stop() {
	dc.once.Do(func() {
		if dc.cmd != nil && dc.cmd.Process != nil {
			_ = syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGTERM)
			select {
			case <-dc.exited:
			case <-time.After(10 * time.Second):
				_ = syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGKILL)
				<-dc.exited
			}
		}
		_ = os.RemoveAll(dc.Dir)
		releaseAddr(dc.lock)
	})
}

// Kill ends the DC abruptly (SIGKILL), for tests of a DC that goes away.
func (dc *DC) Kill() {
	if dc.cmd != nil && dc.cmd.Process != nil {
		_ = syscall.Kill(-dc.cmd.Process.Pid, syscall.SIGKILL)
		<-dc.exited
	}
}

// writeConf rewrites the copied smb.conf for this DC: its folder, its
// address, only the LDAP service (no NetBIOS, SMB or Kerberos listeners that
// would collide with other DCs on loopback broadcast ports), logs in its
// folder and the LDAPS certificate for its address.
func writeConf(dc *DC, src string) error {
	p := filepath.Join(dc.Dir, "etc", "smb.conf")
	b, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	s := strings.ReplaceAll(string(b), src, dc.Dir)
	set := map[string]string{
		"interfaces":      dc.Addr + "/8",
		"server services": "ldap",
		"log file":        filepath.Join(dc.Dir, "log.%m"),
		"pid directory":   filepath.Join(dc.Dir, "run"),
	}
	for k, v := range set {
		re := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(k) + ` = .*$`)
		if re.MatchString(s) {
			s = re.ReplaceAllLiteralString(s, "\t"+k+" = "+v)
		} else {
			s = strings.Replace(s, "[global]", "[global]\n\t"+k+" = "+v, 1)
		}
	}
	tlsDir := filepath.Join(dc.Dir, "private", "jmltls")
	extra := strings.Join([]string{
		"disable netbios = yes",
		// A throw-away DC: no fsync per commit (Samba's own selftest
		// setting), which makes seeding about ten times faster.
		"ldb:nosync = true",
		"tls enabled = yes",
		"tls keyfile = " + filepath.Join(tlsDir, "key.pem"),
		"tls certfile = " + filepath.Join(tlsDir, "cert.pem"),
		"tls cafile = " + filepath.Join(tlsDir, "ca.pem"),
	}, "\n\t")
	s = strings.Replace(s, "[global]", "[global]\n\t"+extra, 1)
	return os.WriteFile(p, []byte(s), 0o600)
}

func randHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

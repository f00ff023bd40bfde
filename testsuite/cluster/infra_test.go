//go:build cluster

package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binDir holds temporal-server, temporal-sql-tool and temporal-ui-server
// (make test-cluster builds them into .bin/).
func binDir(t *testing.T, root string) string {
	if d := os.Getenv("JML_CLUSTER_BIN"); d != "" {
		return d
	}
	return filepath.Join(root, ".bin")
}

func secret(t *testing.T) string {
	b := make([]byte, 16)
	_, err := rand.Read(b)
	require.NoError(t, err)
	return hex.EncodeToString(b)
}

// lowPort is a free loopback port below 32768: Temporal stores membership
// ports as smallint.
func lowPort(t *testing.T) int {
	for range 200 {
		p := 20000 + mrand.Intn(12000)
		ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
		if err == nil {
			ln.Close()
			return p
		}
	}
	t.Fatal("no free port below 32768")
	return 0
}

// pgBin finds PostgreSQL's programs: on PATH, else Debian's folder.
func pgBin(t *testing.T, name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	m, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(m) > 0 {
		return m[len(m)-1]
	}
	t.Fatalf("%s not found: make test-cluster installs PostgreSQL (.ci/need-postgres)", name)
	return ""
}

type postgres struct {
	port     int
	password string
	dir      string
	cred     *syscall.Credential
}

// startPostgres makes a throw-away cluster in a temp folder on loopback.
// PostgreSQL refuses to run as root: then it runs as the postgres user.
func startPostgres(t *testing.T) *postgres {
	dir, err := os.MkdirTemp("", "jml-pg-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.Chmod(dir, 0o755))
	pg := &postgres{port: lowPort(t), password: secret(t), dir: dir}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			u, err = user.Lookup("nobody")
		}
		require.NoError(t, err, "running as root, PostgreSQL needs an unprivileged user")
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		pg.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		require.NoError(t, os.Chown(dir, uid, gid))
	}
	pw := filepath.Join(dir, "pw")
	require.NoError(t, os.WriteFile(pw, []byte(pg.password+"\n"), 0o600))
	if pg.cred != nil {
		require.NoError(t, os.Chown(pw, int(pg.cred.Uid), int(pg.cred.Gid)))
	}
	pg.run(t, pgBin(t, "initdb"), "-D", filepath.Join(dir, "data"), "-U", "temporal", "--pwfile", pw, "-A", "scram-sha-256", "-E", "UTF8", "--no-sync")
	// The postmaster in the foreground, as a child that dies with the test
	// (Pdeathsig): pg_ctl's daemon outlived a test that timed out.
	log, err := os.OpenFile(filepath.Join(dir, "postgres.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	cmd := exec.Command(pgBin(t, "postgres"), "-D", filepath.Join(dir, "data"), "-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(pg.port),
		"-k", dir, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=300")
	pg.as(cmd)
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	cmd.Stdout, cmd.Stderr = log, log
	require.NoError(t, cmd.Start(), "start postgres")
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGQUIT) // immediate shutdown
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	// pg_isready answers at once (1 while the server is starting up).
	deadline := time.Now().Add(2 * time.Minute)
	for {
		out, err := exec.Command(pgBin(t, "pg_isready"), "-h", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-t", "5").CombinedOutput()
		if err == nil {
			break
		}
		select {
		case <-done:
			b, _ := os.ReadFile(filepath.Join(dir, "postgres.log"))
			t.Fatalf("postgres exited:\n%s", b)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("postgres not ready after 2 minutes: %s", out)
		}
		time.Sleep(300 * time.Millisecond)
	}
	return pg
}

func (pg *postgres) as(cmd *exec.Cmd) {
	if pg.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: pg.cred}
	}
	cmd.Dir = pg.dir
}

func (pg *postgres) run(t *testing.T, bin string, args ...string) {
	cmd := exec.Command(bin, args...)
	pg.as(cmd)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s %s:\n%s", bin, strings.Join(args, " "), out)
}

// setupSchema does what compose's schema service does: create the
// temporal and temporal_visibility databases and bring each schema to its
// latest version with the SQL tool from the server's own module.
func setupSchema(t *testing.T, tool, schemaRoot string, pg *postgres) {
	for _, db := range []struct{ name, dir string }{{"temporal", "temporal"}, {"temporal_visibility", "visibility"}} {
		base := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "-p", strconv.Itoa(pg.port), "-u", "temporal", "--db", db.name}
		for _, step := range [][]string{{"create-database"}, {"setup-schema", "-v", "0.0"},
			{"update-schema", "-d", filepath.Join(schemaRoot, "postgresql", "v12", db.dir, "versioned")}} {
			cmd := exec.Command(tool, append(base, step...)...)
			cmd.Env = append(os.Environ(), "SQL_PASSWORD="+pg.password)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "temporal-sql-tool %s on %s:\n%s", step[0], db.name, out)
		}
	}
}

// serverSchemaRoot is go.temporal.io/server@v1.29.1's schema folder.
func serverSchemaRoot(t *testing.T) string {
	out, err := exec.Command("go", "mod", "download", "-json", "go.temporal.io/server@v1.29.1").Output()
	require.NoError(t, err)
	i := bytes.Index(out, []byte(`"Dir": "`))
	require.Positive(t, i, "go mod download -json: %s", out)
	rest := out[i+len(`"Dir": "`):]
	return filepath.Join(string(rest[:bytes.IndexByte(rest, '"')]), "schema")
}

// process is a child that dies with the test.
type process struct {
	name string
	cmd  *exec.Cmd
	log  string
	done chan struct{}
}

func start(t *testing.T, dir, name string, env []string, bin string, args ...string) *process {
	log := filepath.Join(dir, name+".log")
	f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	require.NoError(t, err)
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr, cmd.Dir = env, f, f, dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start(), "start %s", name)
	p := &process{name: name, cmd: cmd, log: log, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(p.done) }()
	t.Cleanup(func() { p.stop() })
	return p
}

func (p *process) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

func (p *process) kill() {
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.done
}

func (p *process) tail() string {
	b, _ := os.ReadFile(p.log)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// waitHTTP waits until url answers (any status) or the process exits.
func waitTCP(t *testing.T, p *process, addr string, within time.Duration) {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("%s exited:\n%s", p.name, p.tail())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s did not listen on %s within %v:\n%s", p.name, addr, within, p.tail())
}

var _ = context.Background

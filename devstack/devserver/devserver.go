// Package devserver starts what `jml dev`, `jml bench` and the tests need: the
// Temporal CLI dev server (from .bin/temporal, built from the Go module
// proxy when missing, never downloaded) with jml's search attributes
// registered, and a jml worker on a fresh task queue.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"

	"github.com/jml-dev/jml/contract"
	"go.temporal.io/sdk/client"
	sdktest "go.temporal.io/sdk/testsuite"
)

// TemporalCLIVersion is the newest CLI that installs from the module proxy;
// it bundles server 1.29.1 and UI 2.42.1.
const TemporalCLIVersion = "v1.5.1"

// RepoRoot walks up from the working directory to the folder holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

var buildOnce sync.Mutex

// TemporalBinary returns the path of .bin/temporal, building it with
// `go install github.com/temporalio/cli/cmd/temporal@v1.5.1` when missing.
func TemporalBinary() (string, error) {
	if p := os.Getenv("JML_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(root, ".bin", "temporal")
	buildOnce.Lock()
	defer buildOnce.Unlock()
	if _, err := os.Stat(bin); err == nil {
		return bin, nil
	}
	cmd := exec.Command("go", "install", "github.com/temporalio/cli/cmd/temporal@"+TemporalCLIVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+filepath.Join(root, ".bin"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the Temporal CLI into .bin (make temporal): %v\n%s", err, out)
	}
	return bin, nil
}

// SearchAttributeArgs are the dev server flags registering jml's attributes.
func SearchAttributeArgs() []string {
	var names []string
	for n := range contract.SearchAttributes() {
		names = append(names, n)
	}
	sort.Strings(names)
	var args []string
	for _, n := range names {
		// The enum's String() is the CLI's short name: Keyword, Bool, Datetime.
		args = append(args, "--search-attribute", n+"="+contract.SearchAttributes()[n].String())
	}
	return args
}

// ServerOptions tune the dev server.
type ServerOptions struct {
	GRPCPort   int       // 0 = a free port
	UIPort     int       // 0 = a free port; -1 = no UI
	Output     io.Writer // the server's own output; nil = this process's
	Namespaces []string  // created at start, besides "default", with jml's search attributes
	DBFile     string    // empty = in memory
	ExtraArgs  []string
	LogLevel   string
	ClientOpts *client.Options
}

// StartServer starts the dev server with jml's search attributes.
func StartServer(ctx context.Context, o ServerOptions) (*sdktest.DevServer, error) {
	bin, err := TemporalBinary()
	if err != nil {
		return nil, err
	}
	if o.GRPCPort == 0 {
		if o.GRPCPort, err = FreePort(); err != nil {
			return nil, err
		}
	}
	// One task-queue partition: with the default four, a task written to a
	// partition no poller is on waits for the forwarder (seen as ~2 s
	// stalls of single activities). A production cluster has pollers on
	// every partition.
	args := append(SearchAttributeArgs(),
		"--dynamic-config-value", "matching.numTaskqueueReadPartitions=1",
		"--dynamic-config-value", "matching.numTaskqueueWritePartitions=1")
	for _, ns := range o.Namespaces {
		args = append(args, "--namespace", ns)
	}
	args = append(args, o.ExtraArgs...)
	ui := ""
	if o.UIPort > 0 {
		ui = strconv.Itoa(o.UIPort)
	}
	level := o.LogLevel
	if level == "" {
		level = "error"
	}
	opts := sdktest.DevServerOptions{
		ExistingPath:  bin,
		ClientOptions: withHostPort(o.ClientOpts, o.GRPCPort),
		LogLevel:      level,
		DBFilename:    o.DBFile,
		EnableUI:      o.UIPort >= 0,
		UIPort:        ui,
		ExtraArgs:     args,
		Stdout:        o.Output,
		Stderr:        o.Output,
	}
	return sdktest.StartDevServer(ctx, opts)
}

func withHostPort(c *client.Options, port int) *client.Options {
	out := client.Options{}
	if c != nil {
		out = *c
	}
	out.HostPort = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	return &out
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

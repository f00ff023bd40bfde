package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/devserver"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/elevation"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/starters/hrimport"
	"github.com/jml-dev/jml/starters/intake"
	"github.com/jml-dev/jml/starters/posture"
	"github.com/jml-dev/jml/starters/reviews"
	"github.com/jml-dev/jml/starters/sweep"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("dev", "Starts everything on loopback with the demo organisation: the Temporal dev server\n(SQLite under the state folder, Web UI), emulators of Graph, Okta, Google, Slack, SCIM and\nBambooHR, the worker and the intake server. Ctrl-C stops all of it.", stderr)
	cfgPath := fs.String("config", "config/demo.yaml", "configuration file (YAML)")
	uiPort := fs.Int("ui-port", 0, "Temporal Web UI port (default: dev.ui_port, 8233)")
	grpcPort := fs.Int("grpc-port", 0, "Temporal gRPC port (default: dev.grpc_port, 7233)")
	intakePort := fs.Int("intake-port", 0, "intake server port (default: the port of intake.listen)")
	stateDir := fs.String("state-dir", "", "folder for the dev server's SQLite file and the dev codec key (default: dev.state_dir)")
	noSeed := fs.Bool("no-demo", false, "do not send the demo joiners, leaver and elevation request at start")
	if err := parse(fs, args); err != nil {
		return err
	}
	creds := emulators.DemoCredentials()
	demoEnv := creds.Env()
	getenv := func(k string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		if k == "JML_AD_BIND_PASSWORD" {
			return devDCPassword // the dev DC started below sets the real one
		}
		return demoEnv[k]
	}
	cfg, err := config.LoadWithEnv(*cfgPath, getenv)
	if err != nil {
		return err
	}
	z := newLogger(cfg.Log, stderr)
	if *uiPort == 0 {
		*uiPort = cfg.Dev.UIPort
	}
	if *grpcPort == 0 {
		*grpcPort = cfg.Dev.GRPCPort
	}
	if *intakePort == 0 {
		_, p, _ := net.SplitHostPort(cfg.Intake.Listen)
		*intakePort, _ = strconv.Atoi(p)
	}
	if *stateDir == "" {
		*stateDir = cfg.Dev.StateDir
	} else if rel, err := filepath.Rel(cfg.Dev.StateDir, cfg.Evidence.Dir); err == nil && !strings.HasPrefix(rel, "..") {
		// evidence kept under the state folder moves with it
		cfg.Evidence.Dir = filepath.Join(*stateDir, rel)
	}
	for _, p := range []struct {
		flag string
		port int
	}{{"--grpc-port", *grpcPort}, {"--ui-port", *uiPort}, {"--intake-port", *intakePort}} {
		if err := portFree(p.port); err != nil {
			return usagef("port %d (%s) is in use: stop what holds it or choose another with %s", p.port, p.flag, p.flag)
		}
	}
	if err := os.MkdirAll(*stateDir, 0o700); err != nil {
		return fmt.Errorf("state folder %s: %w", *stateDir, err)
	}
	keys, keysFile, err := devKeys(*stateDir)
	if err != nil {
		return err
	}
	// Always on in dev: the worker refuses a plaintext start, signal or
	// update (a client without the key would put PII in SQLite in clear).
	cfg.Codec.Required = true
	intakeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(*intakePort))
	cfg.Intake.Listen = intakeAddr
	cfg.Intake.UIOrigin = fmt.Sprintf("http://127.0.0.1:%d", *uiPort)
	cfg.Intake.CodecWithoutToken = true
	cfg.Temporal.Address = net.JoinHostPort("127.0.0.1", strconv.Itoa(*grpcPort))

	org := demoorg.New(cfg.Dev.Employees, cfg.Dev.Joiners)
	emus, err := emulators.Start(emulators.Options{Org: org, Creds: creds,
		SlackRequestURL: "http://" + intakeAddr + "/slack/interactivity", SlashCommandURL: "http://" + intakeAddr + "/slack/commands",
		BambooWebhookURL: "http://" + intakeAddr + "/hr/bamboohr", SweepAccounts: demoorg.SweepAccounts()})
	if err != nil {
		return err
	}
	defer emus.Close()
	emus.Configure(cfg)
	stack.GrantDemoManualApp(cfg) // the demo leaver opens an owner task (devstack/stack/apps.go)
	stopDC, err := startDevDC(ctx, cfg, org, emus, stdout)
	if err != nil {
		return err
	}
	defer stopDC()

	fmt.Fprintln(stdout, "jml dev: starting the Temporal dev server (first start takes a few seconds)...")
	server, err := devserver.StartServer(ctx, devserver.ServerOptions{
		GRPCPort: *grpcPort, UIPort: *uiPort, DBFile: filepath.Join(*stateDir, "temporal.db"),
		Output:    io.Discard,
		ExtraArgs: []string{"--ui-codec-endpoint", "http://" + intakeAddr + "/codec"},
	})
	if err != nil {
		return fmt.Errorf("start the Temporal dev server: %w", err)
	}
	defer server.Stop()

	c, err := workers.Dial(ctx, cfg, z, keys)
	if err != nil {
		return err
	}
	defer c.Close()
	deps, err := workers.BuildDeps(ctx, cfg)
	if err != nil {
		return err
	}
	w := workers.New(c, cfg, deps, z)
	if err := w.Start(); err != nil {
		return fmt.Errorf("start the worker: %w", err)
	}
	defer w.Stop()
	srv, err := intake.FromConfig(cfg, c, keys, z)
	if err != nil {
		return err
	}
	if err := srv.Start(); err != nil {
		return usagef("intake %s: %v", intakeAddr, err)
	}
	defer shutdownIntake(srv)

	if _, err := evidence.EnsureSchedules(ctx, c, cfg); err != nil {
		return fmt.Errorf("evidence schedules: %w", err)
	}
	if _, err := hrimport.EnsureSchedules(ctx, c, cfg); err != nil {
		return fmt.Errorf("HR import schedules: %w", err)
	}
	if _, err := sweep.EnsureSchedule(ctx, c, cfg); err != nil {
		return err
	}
	if _, err := posture.EnsureSchedule(ctx, c, cfg); err != nil {
		return fmt.Errorf("posture schedule: %w", err)
	}
	if _, err := reviews.EnsureSchedule(ctx, c, cfg); err != nil {
		return fmt.Errorf("access-review schedule: %w", err)
	}
	marker, err := writeDevStack(*stateDir, devStack{TemporalAddress: cfg.Temporal.Address, Namespace: cfg.Temporal.Namespace,
		Intake: intakeAddr, KeysFile: keysFile, PID: os.Getpid()})
	if err != nil {
		return err
	}
	defer os.Remove(marker)
	printDev(stdout, *uiPort, *grpcPort, intakeAddr, cfg, emus, commandEnv(cfg, *cfgPath, *stateDir, keysFile, getenv))
	if !*noSeed {
		sink := employees.Sink{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()}
		if err := seedDemo(ctx, sink, org, time.Now()); err != nil {
			z.Error().Err(err).Msg("demo records")
		}
		go demoElevation(ctx, sink, &elevation.Starter{Client: c, TaskQueue: cfg.Temporal.TaskQueue, Config: cfg}, org, stdout)
		go demoSweep(ctx, c, cfg, sink, emus, org, stdout)
		go demoReview(ctx, c, cfg, org, stdout) // cmd/jml/dev_review.go
	}
	<-ctx.Done()
	fmt.Fprintln(stdout, "jml dev: stopping...")
	return nil
}

// portFree reports whether a loopback port can be bound.
func portFree(port int) error {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return err
	}
	return ln.Close()
}

// devKeys uses JML_CODEC_KEYS when set, else a key generated once and kept
// in the state folder, so the dev history is encrypted in SQLite, readable
// in the UI through the codec endpoint, and survives a restart. It returns
// the key file's absolute path ("" for keys from the environment).
func devKeys(stateDir string) (*codec.Keyring, string, error) {
	if k, err := codec.LoadKeys(os.Getenv); k != nil || err != nil {
		return k, "", err
	}
	path, err := filepath.Abs(filepath.Join(stateDir, devCodecKeysFile))
	if err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return nil, "", err
		}
		entry := "dev1:" + base64.StdEncoding.EncodeToString(secret)
		if err := os.WriteFile(path, []byte(entry+"\n"), 0o600); err != nil {
			return nil, "", fmt.Errorf("write the dev codec key: %w", err)
		}
	}
	k, err := codec.LoadKeys(func(k string) string {
		if k == codec.EnvKeysFile {
			return path
		}
		return ""
	})
	return k, path, err
}

// commandEnv is what jml's commands run with --config cfgPath need in front
// to reach this stack when it does not run where the file says: the gRPC
// address, and the key file when the state folder is not dev.state_dir.
// Empty for `make run`.
func commandEnv(cfg *config.Config, cfgPath, stateDir, keysFile string, getenv func(string) string) string {
	file, err := config.LoadFor(cfgPath, getenv, config.NeedNothing)
	if err != nil {
		return ""
	}
	var env []string
	if file.Temporal.Address != cfg.Temporal.Address {
		env = append(env, "JML_TEMPORAL_ADDRESS="+cfg.Temporal.Address)
	}
	if a, b := filepath.Clean(file.Dev.StateDir), filepath.Clean(stateDir); keysFile != "" && a != b {
		env = append(env, codec.EnvKeysFile+"="+keysFile)
	}
	if len(env) == 0 {
		return ""
	}
	return strings.Join(env, " ") + " "
}

func printDev(w io.Writer, uiPort, grpcPort int, intakeAddr string, cfg *config.Config, emus *emulators.Set, env string) {
	fmt.Fprintf(w, "\njml dev is running. Ctrl-C stops everything.\n\n")
	fmt.Fprintf(w, "  Temporal Web UI   http://127.0.0.1:%d/namespaces/%s/workflows\n", uiPort, cfg.Temporal.Namespace)
	fmt.Fprintf(w, "  Temporal gRPC     127.0.0.1:%d   task queue %q\n", grpcPort, cfg.Temporal.TaskQueue)
	fmt.Fprintf(w, "  Intake            http://%s   (POST /hr/records, signed)\n", intakeAddr)
	urls := emus.URLs()
	names := make([]string, 0, len(urls))
	for n := range urls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-17s %s\n", n, urls[n])
	}
	fmt.Fprintf(w, "\n  Find leavers past SLA in the UI:  LifecycleEvent = \"leaver\" AND SLABreached = true\n")
	fmt.Fprintf(w, "  jml's commands (import, elevate, report) find this stack's key in its state folder.\n")
	fmt.Fprintf(w, "  Evidence (scheduled monthly, 1st 02:00 UTC) now:  %sbin/jml report --config %s --month %s\n", env, cfg.Source, contract.PreviousMonth(time.Now()))
	fmt.Fprintf(w, "    writes %s/IdentityLogs/YYYY/MM/ and %s/Reports/KPI-YYYY-MM.{json,html} (the dashboard) with a CSV per chart\n", cfg.Evidence.Dir, cfg.Evidence.Dir)
	fmt.Fprintf(w, "  Sign-in policies (snapshot daily) now:  %sbin/jml posture --config %s\n", env, cfg.Source)
	fmt.Fprintf(w, "    change one, then run it again (drift alert in %s):\n    curl -X PATCH -d '{\"state\":\"disabled\"}' %s\n\n",
		cfg.Slack.SecurityChannel, emus.Graph.URL()+"/__admin/conditionalAccess/policies/"+graphemu.CAPolicyRequireMFA)
}

// demoElevation sends one elevation request at start, so a visitor can
// press Approve in the Slack emulator's page: an Engineering employee asks
// for the first configured role; their manager gets the buttons.
func demoElevation(ctx context.Context, sink employees.Sink, st *elevation.Starter, org demoorg.Org, stdout io.Writer) {
	if len(st.Config.Elevation.Roles) == 0 || len(org.Employees) <= len(demoorg.Departments) {
		return
	}
	var who demoorg.Employee
	for _, e := range org.Employees[len(demoorg.Departments):] {
		if e.Department == "Engineering" && e.DeviceOK && e.MFA {
			who = e
			break
		}
	}
	if who.EmployeeID == "" {
		return
	}
	if _, err := sink.Submit(ctx, who.Record); err != nil { // jml learns the manager from HR
		return
	}
	// and the manager's work email, where the approval goes, from HR too.
	for _, m := range org.Employees {
		if m.EmployeeID == who.ManagerEmployeeID {
			if _, err := sink.Submit(ctx, m.Record); err != nil {
				return
			}
		}
	}
	req := elevation.Request{EmployeeID: who.EmployeeID, Role: st.Config.Elevation.Roles[0].Name, Justification: "demo: reset a locked account", Via: "dev"}
	for range 30 { // until the Employee workflow holds the record
		started, err := st.Request(ctx, req)
		if err == nil {
			fmt.Fprintf(stdout, "  Demo elevation: %s asks for %s; press Approve in the Slack page (DM to %s). Workflow %s\n\n",
				who.EmployeeID, req.Role, started.ApproverEmployeeID, started.WorkflowID)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// seedDemo sends the demo's joiners (starting today) and one leaver.
func seedDemo(ctx context.Context, sink employees.Sink, org demoorg.Org, now time.Time) error {
	var errs []string
	// The joiners' managers first: their notices go to the work email of
	// the HR record jml holds for them.
	var managers []string
	for _, j := range org.Joiners {
		if j.ManagerEmployeeID != "" && !slices.Contains(managers, j.ManagerEmployeeID) {
			managers = append(managers, j.ManagerEmployeeID)
		}
	}
	for _, m := range org.Employees {
		if slices.Contains(managers, m.EmployeeID) {
			if _, err := sink.Submit(ctx, m.Record); err != nil {
				errs = append(errs, err.Error())
			}
		}
	}
	for _, j := range org.Joiners {
		j.StartDate = now.In(j.TimeZone()).Format(time.DateOnly)
		if _, err := sink.Submit(ctx, j); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(org.Employees) > 100 {
		leaver := org.Employees[99].Record
		leaver.Status = domain.HRTerminated
		leaver.TerminationEffectiveAt = now.UTC().Truncate(time.Second)
		if _, err := sink.Submit(ctx, leaver); err != nil {
			errs = append(errs, err.Error())
		}
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

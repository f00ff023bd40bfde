// Command jml is the one binary of jml: the Temporal worker, the intake
// server, the development environment and the operator tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/rs/zerolog"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workers"
	"github.com/jml-dev/jml/workers/codec"
)

// Exit codes.
const (
	exitOK      = 0
	exitRuntime = 1
	exitUsage   = 2 // usage or configuration error
)

// usageError is a bad command line or configuration: exit 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{
	"elevate":  {"request a just-in-time admin elevation (approved in Slack, device- and MFA-gated, revoked on a timer)", runElevate},
	"import":   {"import HR exports (CSV/JSON) into the Employee workflows; bad rows are quarantined", runImport},
	"dev":      {"run everything on loopback: Temporal dev server + UI, emulators with the demo organisation, worker, intake", runDev},
	"worker":   {"run the Temporal worker (every jml workflow and activity)", runWorker},
	"bench":    {"measure leaver latency end to end on this machine (dev server, worker, emulators); `jml bench chaos` kills the worker under injected faults and checks the end state; `jml bench intake` times a 1,000-record webhook batch and a 500-row import", runBench},
	"evidence": {"verify the evidence folder: re-hash every file against its monthly manifest (ok, tampered, missing); exit 1 on a problem", runEvidence},
	"report":   {"run the monthly evidence now: identity-log export and KPI report for --month; prints the files", runReport},
	"serve":    {"run the intake server: HR webhooks, Slack interactivity, codec endpoint for the Temporal UI", runServe},
	"sweep":    {"run the privilege sweep now: admin holders and orphan accounts in every directory; prints the KPI", runSweep},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stdout)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "jml: unknown command %q (run jml --help)\n", args[0])
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := cmd.run(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errQuarantined):
		fmt.Fprintf(stderr, "jml %s: %v\n", args[0], err)
		return exitRuntime
	case isUsage(err):
		fmt.Fprintf(stderr, "jml %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "jml %s: %v\n", args[0], err)
		return exitRuntime
	}
}

func isUsage(err error) bool {
	var u usageError
	var ce *config.Error
	return errors.As(err, &u) || errors.As(err, &ce)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "jml: joiner, mover, leaver and JIT elevation as Temporal workflows\n\nUsage: jml <command> [flags]\n\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-8s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun jml <command> --help for its flags.")
}

// newFlags makes a flag set whose errors are returned, not fatal.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("jml "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: jml %s [flags]\n\n%s\n\nFlags:\n", name, usage)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags; a bad flag is a usage error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// loadConfig loads the file, checking only what the command needs, and
// builds the logger it asks for.
func loadConfig(path string, need config.Need, stderr io.Writer) (*config.Config, zerolog.Logger, error) {
	if path == "" {
		return nil, zerolog.Nop(), usagef("--config is required")
	}
	cfg, err := config.LoadFor(path, os.Getenv, need)
	if err != nil {
		return nil, zerolog.Nop(), err
	}
	return cfg, newLogger(cfg.Log, stderr), nil
}

// session is what every command that talks to Temporal starts from.
type session struct {
	cfg    *config.Config
	log    zerolog.Logger
	keys   *codec.Keyring
	client client.Client
}

// connect loads the configuration and payload keys and dials Temporal.
// A command that only starts workflows (import, elevate, report: need is
// config.NeedNothing) pointed at a running jml dev uses that stack's key
// from its state folder; the services (worker, serve) never do.
func connect(ctx context.Context, cfgPath string, need config.Need, stderr io.Writer) (*session, error) {
	return connectWith(ctx, cfgPath, need, stderr, nil)
}

// connectWith is connect whose client reports the SDK's metrics to what
// sdkMetrics returns for the loaded configuration (nil: none).
func connectWith(ctx context.Context, cfgPath string, need config.Need, stderr io.Writer, sdkMetrics func(*config.Config) (client.MetricsHandler, error)) (*session, error) {
	cfg, z, err := loadConfig(cfgPath, need, stderr)
	if err != nil {
		return nil, err
	}
	var mh client.MetricsHandler
	if sdkMetrics != nil {
		if mh, err = sdkMetrics(cfg); err != nil {
			return nil, err
		}
	}
	keys, err := codec.LoadKeys(os.Getenv)
	if err != nil {
		return nil, usageError{err}
	}
	if keys == nil && need == config.NeedNothing {
		var path string
		if keys, path, err = devStackKeys(cfg); err != nil {
			return nil, usageError{err}
		}
		if keys != nil {
			cfg.Codec.Required = true // as everywhere in jml dev
			z.Debug().Str("keys_file", path).Msg("using the payload key of the jml dev stack at this address")
		}
	}
	c, err := workers.DialWithMetrics(ctx, cfg, z, keys, mh)
	if errors.Is(err, workers.ErrNoCodecKeys) {
		return nil, usageError{err}
	}
	if err != nil {
		return nil, err
	}
	return &session{cfg: cfg, log: z, keys: keys, client: c}, nil
}

func newLogger(l config.Log, w io.Writer) zerolog.Logger {
	level, err := zerolog.ParseLevel(l.Level)
	if err != nil {
		level = zerolog.InfoLevel
	}
	out := w
	if l.Format == "console" {
		out = zerolog.ConsoleWriter{Out: w, TimeFormat: "15:04:05"}
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger()
}

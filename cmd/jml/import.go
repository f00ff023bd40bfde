package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
)

// errQuarantined exits 1: the import ran, some rows need a human.
var errQuarantined = errors.New("some rows were quarantined")

// dryRun validates without delivering.
type dryRun struct{}

func (dryRun) Submit(context.Context, domain.HRRecord) (string, error) { return "", nil }

func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("import", "Imports HR exports (CSV with a header of the record's field names, or JSON: one record,\nan array, or {\"records\": [...]}) into the Employee workflows, in file order. Rows that cannot\nbe used are quarantined with their reason under <evidence.dir>/Quarantine/. Exits 1 when any\nrow was quarantined, so a scheduler notices. Every row is counted: delivered + quarantined +\nunchanged = rows. A malformed row is quarantined alone; text fields hold at most 256 characters,\nno control characters. Usage: jml import --config FILE [--dry-run] EXPORT...", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	dry := fs.Bool("dry-run", false, "validate and quarantine only; deliver nothing (no Temporal connection)")
	conc := fs.Int("concurrency", 0, "records delivered to Temporal at once (default intake.concurrency, 32)")
	var urgent idList
	fs.Var(&urgent, "urgent", "EMPLOYEE_ID whose termination the mass-termination guard never holds (repeatable)")
	uploader := fs.String("uploader", "", "your employee id: you cannot approve this run's held terminations")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	files := fs.Args()
	if len(files) == 0 {
		return usagef("name at least one export file")
	}
	// A dry-run checks the file and the exports only: no credential, no
	// Temporal. A delivery needs Temporal and the codec, never a directory.
	var sub importer.Submitter = dryRun{}
	var guard *employees.Guard
	var known func(context.Context, string) (bool, error) // nil in a dry run: managers are checked against the file only
	var cfg *config.Config
	var z zerolog.Logger
	if *dry {
		var err error
		if cfg, z, err = loadConfig(*cfgPath, config.NeedNothing, stderr); err != nil {
			return err
		}
	} else {
		s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr)
		if err != nil {
			return err
		}
		defer s.client.Close()
		cfg, z = s.cfg, s.log
		sink := employees.Sink{Client: s.client, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()}
		sub, known = sink, sink.Known
		if p := cfg.GuardPolicy(); p.Enabled {
			guard = &employees.Guard{Client: s.client, TaskQueue: cfg.Temporal.TaskQueue, Policy: p}
		}
	}
	if *conc <= 0 {
		*conc = cfg.Intake.Concurrency
	}
	quarantined := false
	for _, path := range files {
		rows, unknown, err := importer.Read(path)
		if err != nil {
			return usagef("%s: %v", path, err)
		}
		run := guard.NewRun("import:"+path, *uploader, urgent) // nil guard: every record goes straight through
		res := importer.Import(ctx, rows, importer.Options{Source: "import:" + path, Known: known, Concurrency: *conc, AllowNoEmail: cfg.HR.Login.Enabled(),
			Submit: func(ctx context.Context, _ int, rec domain.HRRecord) (string, error) {
				return run.Deliver(ctx, func(ctx context.Context, rec domain.HRRecord, _ string) (string, error) { return sub.Submit(ctx, rec) }, rec, "")
			}})
		res.File, res.UnknownColumns = path, unknown
		if res.QuarantineFile, err = importer.WriteQuarantine(cfg.Evidence.Dir, path, res.Quarantined, time.Now()); err != nil {
			return fmt.Errorf("%s: write the quarantine file: %w", path, err)
		}
		verb := "delivered"
		if *dry {
			verb = "valid"
		}
		c := res.Counts
		fmt.Fprintf(stdout, "%s: %d %s, %d quarantined, %d unchanged (%d rows)\n", path, c.Delivered, verb, c.Quarantined, c.Unchanged, c.Rows)
		if n, holds := run.Held(); n > 0 {
			fmt.Fprintf(stdout, "  held by the mass-termination guard: %d terminations (%s), waiting for approval in Slack\n", n, strings.Join(holds, ", "))
		}
		if len(unknown) > 0 {
			fmt.Fprintf(stdout, "  ignored unknown columns: %v\n", unknown)
		}
		for _, w := range res.Warnings {
			fmt.Fprintf(stdout, "  warning: %s\n", w)
		}
		for _, q := range res.Quarantined {
			fmt.Fprintf(stdout, "  quarantined %s: %s\n", q.Ref, q.Reason)
		}
		if res.QuarantineFile != "" {
			fmt.Fprintf(stdout, "  quarantine file: %s\n", res.QuarantineFile)
			quarantined = true
		}
		z.Info().Str("file", path).Int("rows", c.Rows).Int("delivered", c.Delivered).Int("unchanged", c.Unchanged).
			Int("quarantined", c.Quarantined).Int("warnings", len(res.Warnings)).Bool("dry_run", *dry).Msg("HR import")
	}
	if quarantined {
		return errQuarantined
	}
	return nil
}

// idList is a repeatable flag of employee ids.
type idList []string

func (l *idList) String() string { return strings.Join(*l, ",") }

func (l *idList) Set(v string) error {
	if !domain.ValidEmployeeID(v) {
		return fmt.Errorf("%q is not an employee id", v)
	}
	*l = append(*l, v)
	return nil
}

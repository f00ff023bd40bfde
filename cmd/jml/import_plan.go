package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/importer"
	"github.com/jml-dev/jml/starters/planner"
	"github.com/jml-dev/jml/workers"
)

// planFlags are jml import's test mode.
type planFlags struct {
	plan      *bool
	jsonPath  *string
	csvPath   *string
	noDirRead *bool
}

// on reports whether any test-mode flag asks for a plan.
func (f planFlags) on() bool { return *f.plan || *f.jsonPath != "" || *f.csvPath != "" }

// runImportPlan is jml import --plan: each export planned against the live
// Employee state and, when their credentials are in the environment, the
// directories (read-only); nothing is signalled or written but the plan.
func runImportPlan(ctx context.Context, cfgPath, profile string, conc int, files []string, f planFlags, stdout, stderr io.Writer) error {
	s, err := connect(ctx, cfgPath, config.NeedNothing, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	cfg := s.cfg
	if conc <= 0 {
		conc = cfg.Intake.Concurrency
	}
	prof, err := cfg.HRProfile(profile)
	if err != nil {
		return usagef("--profile: %v", err)
	}
	source := "import:"
	if profile != "" {
		source = "import:" + prof.Name + ":"
	}
	p := planner.Planner{States: planner.WorkflowStates{Client: s.client}, Catalog: cfg.Catalog.Domain(), Policy: cfg.Policy(), Concurrency: conc}
	var note string
	if !*f.noDirRead {
		// Only with every directory's credential: a plan that guessed
		// would be wrong about which accounts exist.
		if full, err := config.LoadFor(cfgPath, os.Getenv, config.NeedDirectories); err != nil {
			note = "directories not read (their credentials are not in this environment)"
		} else if deps, err := workers.BuildDeps(ctx, full); err != nil {
			note = "directories not read: " + err.Error()
		} else {
			p.Lookup = planner.DirectoryLookup(deps.Directories)
		}
	}
	known := employees.Sink{Client: s.client, TaskQueue: cfg.Temporal.TaskQueue, Policy: cfg.Policy()}.Known
	var plans []planner.Plan
	for _, path := range files {
		rows, _, err := importer.ReadProfile(path, prof)
		if err != nil {
			return usagef("%s: %v", path, err)
		}
		plan := p.Plan(ctx, source+path, rows, known)
		plan.File = path
		if note != "" {
			plan.Notes = append([]string{note}, plan.Notes...)
		}
		fmt.Fprintf(stdout, "%s:\n", path)
		if err := plan.WriteTable(stdout); err != nil {
			return err
		}
		plans = append(plans, plan)
		s.log.Info().Str("file", path).Int("rows", plan.Counts.Rows).Int("quarantined", plan.Counts.Quarantined).Msg("HR import planned (test mode: nothing applied)")
	}
	if *f.jsonPath != "" {
		if err := writeFile(*f.jsonPath, func(w io.Writer) error {
			if len(plans) == 1 {
				return plans[0].WriteJSON(w)
			}
			return planner.Plans(plans).WriteJSON(w)
		}); err != nil {
			return err
		}
	}
	if *f.csvPath != "" {
		if err := writeFile(*f.csvPath, func(w io.Writer) error { return planner.Plans(plans).WriteCSV(w) }); err != nil {
			return err
		}
	}
	return nil
}

// writeFile writes a plan file whole or not at all.
func writeFile(path string, fn func(io.Writer) error) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("plan file: %w", err)
	}
	if err := fn(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("plan file %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("plan file %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

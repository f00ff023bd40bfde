package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/jml-dev/jml/devstack/burst"
)

func runBenchBurst(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench burst", "A layoff day on this machine: the emulators at the vendors' published rate limits (or\nscaled ten times up, or none), N leavers sent through the signed intake in one batch, and\nthe time until every Leaver workflow has verified every directory, against the floor the\nlimits set (each directory's calls divided by its limit).", stderr)
	leavers := fs.Int("leavers", 100, "leavers in the batch")
	joiners := fs.Int("joiners", 0, "joiners in the same batch (load, not timed)")
	limits := fs.String("limits", "scaled", "rate limits: published, scaled (the same ratios, ten times the rate) or none")
	nw := fs.Int("workers", 1, "worker processes: this one plus N-1 `jml worker` processes on the same task queue")
	latency := fs.Duration("latency", 0, "inject this latency on every directory call and time one leaver against its critical path (use with --leavers 1)")
	memLimit := fs.String("worker-memory-limit", "", "GOMEMLIMIT for the `jml worker` processes (e.g. 250MiB), as a container's memory limit sets it")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *leavers < 1 || *leavers+*joiners > 1000 || *joiners < 0 || *nw < 1 || *nw > 8 {
		return usagef("--leavers must be at least 1, --leavers + --joiners at most 1000, --workers 1..8")
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "jml bench burst: starting the dev server, emulators and worker(s)...")
	rep, err := burst.Run(ctx, burst.Options{Leavers: *leavers, Joiners: *joiners, Limits: *limits, Workers: *nw, WorkerBin: self, WorkerMemoryLimit: *memLimit, Latency: *latency,
		Say: func(f string, a ...any) { fmt.Fprintf(stdout, "  "+f+"\n", a...) }})
	if err != nil {
		return err
	}
	rep.Print(stdout)
	if *jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

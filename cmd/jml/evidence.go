package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/manifest"
)

const evidenceUsage = "jml evidence verify [--config FILE | --dir DIR] [--month YYYY-MM]"

// runEvidence dispatches `jml evidence <subcommand>`.
func runEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stderr, "Usage: "+evidenceUsage)
			return nil
		}
		return usagef("want a subcommand: %s", evidenceUsage)
	}
	return runEvidenceVerify(ctx, args[1:], stdout, stderr)
}

// errEvidenceProblems makes `jml evidence verify` exit 1.
type errEvidenceProblems struct{ n int }

func (e errEvidenceProblems) Error() string {
	return fmt.Sprintf("%d evidence file(s) tampered or missing", e.n)
}

func runEvidenceVerify(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("evidence verify", "Re-hashes every evidence file against the monthly manifests (<evidence.dir>/Manifests/YYYY-MM.json,\neach chained to the month before by its hash) and the identity-log manifests, and prints ok, tampered\nor missing per file. Exits 1 on any problem, or when nothing is sealed. Needs no worker.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML): verifies its evidence.dir")
	dir := fs.String("dir", "", "the evidence folder to verify (instead of --config), e.g. an auditor's copy")
	month := fs.String("month", "", "verify one month, YYYY-MM (default: every month)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *month != "" {
		if _, _, err := contract.MonthRange(*month); err != nil {
			return usageError{fmt.Errorf("--month: %w", err)}
		}
	}
	root := *dir
	if root == "" {
		cfg, _, err := loadConfig(*cfgPath, config.NeedNothing, stderr)
		if err != nil {
			return err
		}
		root = cfg.Evidence.Dir
	}
	rep, err := manifest.Verify(root, *month)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, r := range rep.Results {
		counts[r.Status]++
		line := fmt.Sprintf("%-8s %s", r.Status, r.Path)
		if r.Detail != "" && r.Status != manifest.OK {
			line += "  (" + r.Detail + ")"
		}
		fmt.Fprintln(stdout, line)
	}
	fmt.Fprintf(stdout, "%d files in %d month(s) under %s: %d ok, %d tampered, %d missing (checked %s)\n", len(rep.Results), len(rep.Months), root,
		counts[manifest.OK], counts[manifest.Tampered], counts[manifest.Missing], time.Now().UTC().Format(time.RFC3339))
	if len(rep.Results) == 0 {
		return fmt.Errorf("nothing is sealed under %s yet: the monthly identity-log run (or jml report) seals each month", root)
	}
	if n := rep.Problems(); n > 0 {
		return errEvidenceProblems{n}
	}
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/sweep"
)

func runSweep(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	df := newDatedFlags("sweep", "Runs the privilege sweep now: every holder of an admin role and every account in every enabled\ndirectory, classified against the HR records jml holds, the active elevations and governance; one\nchild workflow per standing admin, unknown holder and orphan account. Prints the KPI and the evidence\nfile (<evidence.dir>/Sweeps/YYYY/MM/DD/<run>.json). A worker must be running.", "the sweep's date, YYYY-MM-DD (its workflow id is sweep/<date>)", stderr)
	reportOnly := df.fs.Bool("report-only", false, "list and notify, start no removal or disable (overrides sweep.report_only)")
	s, err := df.connect(ctx, args, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	res, err := sweep.RunNow(ctx, s.client, s.cfg, *df.date, *reportOnly || s.cfg.Sweep.ReportOnly)
	if err != nil {
		return err
	}
	k := res.KPI
	fmt.Fprintf(stdout, "privilege sweep %s (workflow %s)\n", res.Date, contract.PrivilegeSweepWorkflowID(res.Date))
	fmt.Fprintf(stdout, "  standing admins outside JIT and break-glass: %d of %d principals holding an admin role (target 0)\n", k.StandingOutsideJIT, k.Population)
	fmt.Fprintf(stdout, "  Entra Global Administrators: %d (target 2-8: %s)\n", k.GlobalAdmins, map[bool]string{true: "met", false: "not met"}[k.GlobalAdminsOK])
	fmt.Fprintf(stdout, "  break-glass: %d, orphan accounts: %d\n", k.BreakGlass, k.Orphans)
	for _, o := range res.Outcomes {
		fmt.Fprintf(stdout, "  %-8s %-12s %s\n", o.Kind, o.Outcome, o.Detail)
	}
	fmt.Fprintf(stdout, "  %s\n", filepath.Join(s.cfg.Evidence.Dir, filepath.FromSlash(res.Evidence.Path)))
	return nil
}

package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/evidence"
)

func runReport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", "Runs the month's evidence workflows now and prints the files they wrote: the identity-log\nexport (<evidence.dir>/IdentityLogs/YYYY/MM/) and the KPI report (<evidence.dir>/Reports/KPI-YYYY-MM.*).\nA worker must be running. The identity logs are the daily capture's: the run catches it up and seals\nthe month (re-running seals it again); a range no capture holds is named in the manifest.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	month := fs.String("month", contract.PreviousMonth(time.Now()), "month to report on, YYYY-MM")
	kind := fs.String("kind", evidence.KindAll, "what to run: logs, kpi or all")
	emps := fs.String("employees", "", "comma-separated employee ids for the KPI population (default: the active Employee workflows)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if _, _, err := contract.MonthRange(*month); err != nil {
		return usageError{err}
	}
	if *kind != evidence.KindLogs && *kind != evidence.KindKPI && *kind != evidence.KindAll {
		return usagef("--kind %q: want logs, kpi or all", *kind)
	}
	var employees []string
	for _, e := range strings.Split(*emps, ",") {
		if e = strings.TrimSpace(e); e != "" {
			employees = append(employees, e)
		}
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr) // Temporal and the codec only
	if err != nil {
		return err
	}
	defer s.client.Close()
	res, err := evidence.RunNow(ctx, s.client, s.cfg, *month, *kind, employees)
	if res.Logs != nil {
		fmt.Fprintf(stdout, "identity logs %s: %d events (workflow %s)\n", res.Logs.Month, res.Logs.TotalEvents, contract.IdentityLogExportWorkflowID(*month))
		for _, f := range res.Logs.Files {
			fmt.Fprintf(stdout, "  %s/%s\n", res.Logs.Folder, f.File)
		}
		fmt.Fprintf(stdout, "  %s\n", res.Logs.Manifest)
	}
	if res.KPI != nil {
		fmt.Fprintf(stdout, "KPI report %s (workflow %s)\n  %s\n  %s\n", res.KPI.Month, contract.KPIReportWorkflowID(*month), res.KPI.JSON, res.KPI.HTML)
		for _, c := range res.KPI.CSVs {
			fmt.Fprintf(stdout, "  %s\n", c)
		}
	}
	return err
}

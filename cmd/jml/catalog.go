package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/catalogreport"
)

func runCatalog(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "report" && args[0] != "-h" && args[0] != "--help") {
		return usagef("want a subcommand: jml catalog report [--html FILE] [--csv FILE]")
	}
	if args[0] == "report" {
		args = args[1:]
	}
	fs := newFlags("catalog report", "Renders the role catalog for an auditor (SOC 2 CC6.3): each rule with what it grants per\ndirectory and app, how many active employees it matches today (read from the Employee workflows,\nso Temporal must be reachable), the apps by provisioning mode, and the admin roles only reachable\nthrough JIT elevation. The HTML is self-contained (no script, no external reference). Without\n--html or --csv both go to <evidence.dir>/Reports/RoleCatalog-YYYY-MM-DD.html and .csv.", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	htmlPath := fs.String("html", "", "write the HTML report to this file")
	csvPath := fs.String("csv", "", "write the CSV report to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr) // Temporal and the codec only
	if err != nil {
		return err
	}
	defer s.client.Close()
	recs, err := catalogreport.Population(ctx, s.client, s.cfg.Temporal.Namespace)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	r := catalogreport.Build(catalogreport.FromConfig(s.cfg, recs, now))
	if *htmlPath == "" && *csvPath == "" {
		if s.cfg.Evidence.Dir == "" {
			return usagef("give --html or --csv, or set evidence.dir")
		}
		base := filepath.Join(s.cfg.Evidence.Dir, "Reports", "RoleCatalog-"+now.Format("2006-01-02"))
		*htmlPath, *csvPath = base+".html", base+".csv"
	}
	for _, out := range []struct {
		path  string
		write func(io.Writer, catalogreport.Report) error
	}{{*htmlPath, catalogreport.WriteHTML}, {*csvPath, catalogreport.WriteCSV}} {
		if out.path == "" {
			continue
		}
		var b bytes.Buffer
		if err := out.write(&b, r); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(out.path), 0o750); err != nil {
			return err
		}
		if err := os.WriteFile(out.path, b.Bytes(), 0o640); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "  %s\n", out.path)
	}
	fmt.Fprintf(stdout, "role catalog: %d rules, %d apps, %d JIT-only admin roles, %d active employees\n", len(r.Rules), len(r.Apps), len(r.JIT), r.Population)
	return nil
}

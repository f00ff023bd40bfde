package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/starters/posture"
)

func runPosture(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	df := newDatedFlags("posture", "Snapshots every enabled directory's sign-in policies now (Entra Conditional Access, Okta sign-on and\nauthentication policies, Google 2SV enforcement) into <evidence.dir>/Posture/YYYY/MM/DD/policies-<dir>.json\nwith a .sha256 beside, diffs each against the last snapshot and alerts slack.security_channel with the\nchanges. A worker must be running. The daily schedule (posture.schedule) runs the same workflow.", "day of the snapshot, YYYY-MM-DD", stderr)
	s, err := df.connect(ctx, args, stderr)
	if err != nil {
		return err
	}
	defer s.client.Close()
	res, err := posture.RunNow(ctx, s.client, s.cfg, *df.date)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "policy snapshot %s (workflow %s): %d changes, alerted: %t\n", res.Date, contract.PostureSnapshotWorkflowID(res.Date), res.Changes, res.Alerted)
	for _, d := range res.Directories {
		if d.NotSupported != "" {
			fmt.Fprintf(stdout, "  %s: %s\n", d.Directory, d.NotSupported)
			continue
		}
		fmt.Fprintf(stdout, "  %s: %d policies, %d changes  %s\n", d.Directory, d.Policies, len(d.Changes), filepath.Join(s.cfg.Evidence.Dir, d.File))
		for _, c := range d.Changes {
			fmt.Fprintf(stdout, "    %s\n", c)
		}
	}
	return nil
}

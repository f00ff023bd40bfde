package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/starters/elevation"
)

func runElevate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("elevate", "Requests a just-in-time admin elevation for an employee: the approver (their manager in HR,\nor the role's named approver) gets Approve/Deny buttons in Slack; once approved, and the\ndevice and MFA gates pass, the role is granted until the duration ends and then revoked.\nPrints the workflow id. Usage: jml elevate --config FILE --employee E0042 --role entra-user-admin --for 1h --reason \"...\"", stderr)
	cfgPath := fs.String("config", "", "configuration file (YAML)")
	employee := fs.String("employee", "", "the requester's employee id")
	role := fs.String("role", "", "the role to request (elevation.roles[].name)")
	dur := fs.Duration("for", 0, "how long (default: elevation.default_duration, at most the role's max_duration)")
	reason := fs.String("reason", "", "justification, shown to the approver and recorded")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *employee == "" || *role == "" || *reason == "" {
		return usagef("--employee, --role and --reason are required")
	}
	s, err := connect(ctx, *cfgPath, config.NeedNothing, stderr) // Temporal and the codec only
	if err != nil {
		return err
	}
	defer s.client.Close()
	st := &elevation.Starter{Client: s.client, TaskQueue: s.cfg.Temporal.TaskQueue, Config: s.cfg}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	started, err := st.Request(ctx, elevation.Request{EmployeeID: *employee, Role: *role, Duration: *dur, Justification: *reason, Via: "cli"})
	var re *elevation.RequestError
	if errors.As(err, &re) {
		return usageError{re}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", started.WorkflowID)
	fmt.Fprintf(stderr, "requested %s for %s; approver %s has been asked in Slack\n", *role, started.Duration, started.ApproverEmployeeID)
	return nil
}

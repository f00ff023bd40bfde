package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/sweep"
)

// demoSweep shows the privilege sweep in jml dev: HR says the former
// employee left, an app admin re-enabled their zoom account afterwards,
// and today's sweep runs once the HR records it joins against are visible.
// With the demo's 2-minute grace the seeded standing admin E0007 loses
// User Administrator in the Temporal UI two minutes later.
func demoSweep(ctx context.Context, c client.Client, cfg *config.Config, sink employees.Sink, emus *emulators.Set, org demoorg.Org, stdout io.Writer) {
	former := demoorg.FormerRecord()
	former.TerminationDate = time.Now().UTC().AddDate(0, -1, 0).Format(time.DateOnly)
	if _, err := sink.Submit(ctx, former); err != nil {
		return
	}
	want := map[string]string{"E0007": "active", demoorg.FormerEmployee: "terminated"}
	// The deciders of the findings' Slack buttons (sweep.owners,
	// sweep.security_approvers): a press counts from the Slack member of
	// the work email HR gives them, so jml must hold their records.
	deciders := append([]string{}, cfg.Sweep.SecurityApprovers...)
	for _, id := range cfg.Sweep.Owners {
		deciders = append(deciders, id)
	}
	for _, e := range org.Employees {
		if slices.Contains(deciders, e.EmployeeID) { // a record already held is no change
			if _, err := sink.Submit(ctx, e.Record); err != nil {
				return
			}
			want[e.EmployeeID] = "active"
		}
	}
	for range 120 {
		if heldAs(ctx, c, cfg, want) {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(500 * time.Millisecond):
		}
	}
	emus.SCIM.SetActive("zoom", former.Email, true)
	res, err := sweep.RunNow(ctx, c, cfg, time.Now().UTC().Format(contract.DateLayout), cfg.Sweep.ReportOnly)
	if err != nil {
		fmt.Fprintf(stdout, "  Demo sweep: %v\n", err)
		return
	}
	fmt.Fprintf(stdout, "  Demo sweep %s: %d standing admins outside JIT and break-glass of %d principals holding a role, %d Global Admins, %d break-glass, %d orphans; %d child workflows (sweep/standing/..., sweep/unknown/..., sweep/orphan/...). Evidence %s\n\n",
		res.Date, res.KPI.StandingOutsideJIT, res.KPI.Population, res.KPI.GlobalAdmins, res.KPI.BreakGlass, res.KPI.Orphans, len(res.Children), res.Evidence.Path)
}

// heldAs reports whether visibility shows each employee's Employee
// workflow with the lifecycle status wanted.
func heldAs(ctx context.Context, c client.Client, cfg *config.Config, want map[string]string) bool {
	resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: cfg.Temporal.Namespace,
		Query: fmt.Sprintf("WorkflowType = %q", contract.EmployeeWorkflowName)})
	if err != nil {
		return false
	}
	got := map[string]string{}
	for _, ex := range resp.GetExecutions() {
		var st string
		if p := ex.GetSearchAttributes().GetIndexedFields()[contract.LifecycleStatusKey.GetName()]; p != nil {
			_ = json.Unmarshal(p.GetData(), &st)
		}
		got[strings.TrimPrefix(ex.GetExecution().GetWorkflowId(), contract.EmployeeWorkflowID(""))] = st
	}
	for id, s := range want {
		if got[id] != s {
			return false
		}
	}
	return true
}

package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// PrivilegeSweepWorkflow lists every holder of an admin role and every
// account in every enabled directory, classifies them, starts one child
// workflow per finding (standing admin, unknown holder, orphan account),
// and writes the result and its KPI to evidence. The children outlive the
// sweep (their grace periods run for days); each one's id carries only
// the finding's opaque key, so tomorrow's sweep does not start it again.
func PrivilegeSweepWorkflow(ctx workflow.Context, in contract.SweepInput) (contract.SweepResult, error) {
	if in.Date == "" {
		at := workflow.Now(ctx)
		if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(temporal.NewSearchAttributeKeyTime(scheduledStartTimeSAName)); ok && !t.IsZero() {
			at = t
		}
		in.Date = at.UTC().Format(contract.DateLayout)
		var out contract.SweepResult
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID:    contract.PrivilegeSweepWorkflowID(in.Date),
			StaticSummary: fmt.Sprintf("%s %s · scheduled", contract.PrivilegeSweepWorkflowName, in.Date),
		})
		err := workflow.ExecuteChildWorkflow(cctx, contract.PrivilegeSweepWorkflowName, in).Get(ctx, &out)
		return out, err
	}
	if _, err := time.Parse(contract.DateLayout, in.Date); err != nil {
		return contract.SweepResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("date %q: want YYYY-MM-DD", in.Date), string(domain.ErrBadInput), nil)
	}
	dirs := strings.Join(in.Directories, ", ")
	active, err := contract.ListActiveElevations.Execute(ctx, "list active elevations · temporal", contract.Empty{})
	if err != nil {
		return contract.SweepResult{}, err
	}
	elevated := map[string][]contract.ElevationRoleRef{}
	for _, a := range active {
		if r, ok := in.ElevationRoles[a.RoleName]; ok {
			elevated[a.EmployeeID] = append(elevated[a.EmployeeID], r)
		}
	}
	hr, err := contract.ListHRPopulation.Execute(ctx, "list HR records jml holds · temporal", contract.Empty{})
	if err != nil {
		return contract.SweepResult{}, err
	}
	inv, err := contract.SweepInventory.Execute(ctx, summary("sweep inventory", in.Date, dirs), contract.SweepInventoryInput{
		Date: in.Date, Directories: in.Directories, Apps: in.Apps, Elevated: elevated, ElevationRoles: in.ElevationRoles,
		BreakGlass: in.BreakGlass, ServiceAccounts: in.ServiceAccounts, HR: hr.Status,
	})
	if err != nil {
		return contract.SweepResult{}, err
	}
	res := contract.SweepResult{Date: in.Date, KPI: contract.ComputeSweepKPI(inv)}
	res.Outcomes, res.Children = startSweepChildren(ctx, in, inv)
	if len(inv.Warnings) > 0 && in.Policy.SecurityChannel != "" {
		alertSecurity(ctx, in.Policy.SecurityChannel, "", "Privilege sweep "+in.Date+":\n• "+strings.Join(inv.Warnings, "\n• "))
	}
	info := workflow.GetInfo(ctx)
	ev, err := contract.WriteSweepEvidence.Execute(ctx, summary("write sweep evidence", in.Date, "evidence"), contract.SweepFacts{
		Date: in.Date, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, GeneratedAt: workflow.Now(ctx).UTC(),
		Inventory: inv, Outcomes: res.Outcomes, KPI: res.KPI,
	})
	if err != nil {
		return res, err
	}
	res.Evidence = ev
	return res, nil
}

// startSweepChildren starts one abandoned child per finding and waits only
// for each to start. One already running (in its grace period, or a kept
// orphan) is recorded as in progress.
func startSweepChildren(ctx workflow.Context, in contract.SweepInput, inv contract.SweepInventoryOutput) ([]contract.SweepOutcome, []string) {
	type started struct {
		id, key, kind string
		f             workflow.ChildWorkflowFuture
	}
	var all []started
	seenUnknown := map[string]bool{}
	start := func(kind, key, name, summary string, arg any) {
		id := contract.SweepChildID(kind, key)
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: id, StaticSummary: summary, ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		})
		all = append(all, started{id, key, kind, workflow.ExecuteChildWorkflow(cctx, name, arg)})
	}
	for _, h := range inv.Holders {
		switch {
		case h.Class == contract.SweepStanding && in.Policy.Remediate:
			start("standing", h.Key, contract.StandingAdminWorkflowName, fmt.Sprintf("standing admin %s · %s", h.EmployeeID, h.Directory),
				contract.StandingAdminInput{Date: in.Date, Holder: h, Policy: in.Policy})
		case h.Class == contract.SweepUnknown && !seenUnknown[h.Key]:
			seenUnknown[h.Key] = true
			start("unknown", h.Key, contract.UnknownAdminWorkflowName, fmt.Sprintf("unknown admin %s · %s", h.Kind, h.Directory),
				contract.StandingAdminInput{Date: in.Date, Holder: h, Policy: in.Policy})
		}
	}
	var kept []contract.SweepOutcome
	if in.Policy.Remediate {
		for _, o := range inv.Orphans {
			if !o.KeptUntil.IsZero() { // a keep signed in Slack holds it (sweepdecide.go)
				kept = append(kept, contract.SweepOutcome{Key: o.Key, Kind: "orphan", Outcome: "kept",
					Detail: fmt.Sprintf("until %s, sponsor %s", o.KeptUntil.UTC().Format(contract.DateLayout), o.Sponsor)})
				continue
			}
			start("orphan", o.Key, contract.OrphanAccountWorkflowName, fmt.Sprintf("orphan account %s · %s", o.Reason, o.Directory),
				contract.OrphanInput{Date: in.Date, Orphan: o, Policy: in.Policy})
		}
	}
	var outcomes []contract.SweepOutcome
	var ids []string
	for _, s := range all {
		o := contract.SweepOutcome{Key: s.key, Kind: s.kind, Outcome: "started", Detail: s.id}
		err := s.f.GetChildWorkflowExecution().Get(ctx, nil)
		var already *temporal.ChildWorkflowExecutionAlreadyStartedError
		switch {
		case errors.As(err, &already):
			o.Outcome = "in_progress"
		case err != nil:
			o.Outcome, o.Detail = "not_started", err.Error()
		default:
			ids = append(ids, s.id)
		}
		outcomes = append(outcomes, o)
	}
	return append(outcomes, kept...), ids
}

package workflows

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/contract"
	"go.temporal.io/sdk/workflow"
)

// assessBatch is how many employees one contract.AssessEmployees call checks.
const assessBatch = 100

// KPIReportWorkflow computes the month's identity KPIs and writes the
// JSON and HTML report.
func KPIReportWorkflow(ctx workflow.Context, in contract.EvidenceInput) (contract.KPIReportResult, error) {
	month, scheduled, err := resolveMonth(ctx, in)
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	if scheduled {
		in.Month = month
		return runForMonth[contract.KPIReportResult](ctx, contract.KPIReportWorkflowName, contract.KPIReportWorkflowID(month), in)
	}
	from, to, _ := contract.MonthRange(month)
	pop := contract.PopulationOutput{EmployeeIDs: in.Employees, Source: "input"}
	if len(in.Employees) == 0 {
		if pop, err = contract.ListActiveEmployees.Execute(ctx, "list active employees · temporal", contract.Empty{}); err != nil {
			return contract.KPIReportResult{}, err
		}
	}
	active, err := contract.ListActiveElevations.Execute(ctx, "list active elevations · temporal", contract.Empty{})
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	elevated := map[string][]contract.ElevationRoleRef{}
	for _, a := range active {
		if r, ok := in.ElevationRoles[a.RoleName]; ok {
			elevated[a.EmployeeID] = append(elevated[a.EmployeeID], r)
		}
	}

	offF := contract.SummariseOffboarding.Start(ctx, summary("summarise offboarding", month, "evidence"), contract.MonthInput{Month: month})
	logF := contract.ReadIdentityLogManifest.Start(ctx, summary("read manifest", month, "evidence"), contract.MonthInput{Month: month})
	total, err := assess(ctx, in, pop.EmployeeIDs, elevated)
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	offb, err := offF.Get(ctx)
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	logs, err := logF.Get(ctx)
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	var priv *contract.PrivilegedOutput
	if workflow.GetVersion(ctx, changeKPIPrivilegedGroups, workflow.DefaultVersion, 1) >= 1 {
		p, err := contract.ReadPrivilegedGroups.Execute(ctx, summary("read privileged groups", month, strings.Join(in.Directories, ", ")),
			contract.PrivilegedInput{Directories: in.Directories, Elevated: elevated})
		if err != nil {
			return contract.KPIReportResult{}, err
		}
		priv = &p
	}
	var mfa *contract.MFAPosture
	if workflow.GetVersion(ctx, changeKPIMFAPosture, workflow.DefaultVersion, 1) >= 1 && in.Posture != nil {
		if mfa, err = assessMFA(ctx, month, *in.Posture, pop.EmployeeIDs); err != nil {
			return contract.KPIReportResult{}, err
		}
	}
	info := workflow.GetInfo(ctx)
	facts := contract.KPIFacts{Month: month, From: from, To: to, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
		GeneratedAt: workflow.Now(ctx).UTC(), PopulationSource: pop.Source, Assessment: total, Offboarding: offb, IdentityLogs: logs, Privileged: priv, MFA: mfa}
	res, err := contract.WriteKPIReport.Execute(ctx, summary("write KPI report", month, "evidence"), facts)
	if err != nil {
		return contract.KPIReportResult{}, err
	}
	return res, nil
}

// changeKPIPrivilegedGroups guards the read of the directories' privileged
// groups (AD's permanent Domain Admins outside the break-glass list).
const changeKPIPrivilegedGroups = "kpi-privileged-groups"

// assess checks the population in batches, in parallel, and adds the
// batches' counts up.
func assess(ctx workflow.Context, in contract.EvidenceInput, ids []string, elevated map[string][]contract.ElevationRoleRef) (contract.AssessOutput, error) {
	var batches []contract.Future[contract.AssessOutput]
	for i := 0; i < len(ids); i += assessBatch {
		batch := ids[i:min(i+assessBatch, len(ids))]
		b := contract.AssessInput{Directories: in.Directories, EmployeeIDs: batch, Elevated: map[string][]contract.ElevationRoleRef{}}
		for _, id := range batch {
			if r, ok := elevated[id]; ok {
				b.Elevated[id] = r
			}
		}
		batches = append(batches, contract.AssessEmployees.Start(ctx, summary("assess employees", fmt.Sprintf("%d-%d", i+1, i+len(batch)), strings.Join(in.Directories, ", ")), b))
	}
	total := contract.AssessOutput{}
	for _, f := range batches {
		out, err := f.Get(ctx)
		if err != nil {
			return total, err
		}
		total = contract.MergeAssessments(total, out)
	}
	return total, nil
}

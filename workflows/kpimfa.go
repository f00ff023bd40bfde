package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// changeKPIMFAPosture guards the KPI report's MFA posture (registered by
// strength, enforced, used, blind spots, baseline and action plan).
const changeKPIMFAPosture = "kpi-mfa-posture"

// assessMFA reads the month's posture, counts the population's MFA in
// batches, in parallel, and writes the action plan.
func assessMFA(ctx workflow.Context, month string, p contract.PostureInput, ids []string) (*contract.MFAPosture, error) {
	dirs := strings.Join(p.Directories, ", ")
	read, err := contract.ReadPosture.Execute(ctx, summary("read sign-in posture", month, dirs), contract.ReadPostureInput{Month: month, Posture: p})
	if err != nil {
		return nil, err
	}
	var batches []contract.Future[contract.MFAPosture]
	for i := 0; i < len(ids); i += assessBatch {
		batch := ids[i:min(i+assessBatch, len(ids))]
		batches = append(batches, contract.AssessMFA.Start(ctx, summary("assess MFA", fmt.Sprintf("%d-%d", i+1, i+len(batch)), dirs),
			contract.AssessMFAInput{Directories: p.Directories, EmployeeIDs: batch, Policies: read.Policies, UsedMFA: read.UsedMFA, SignedIn: read.SignedIn}))
	}
	total := read.Posture
	for _, f := range batches {
		b, err := f.Get(ctx)
		if err != nil {
			return nil, err
		}
		total = contract.MergeMFA(total, b)
	}
	plan, err := contract.WriteActionPlan.Execute(ctx, summary("write action plan", month, "evidence"), contract.ActionPlanInput{Month: month, Posture: total})
	if err != nil {
		return nil, err
	}
	total.Controls, total.ActionPlan = plan.Controls, plan.File
	return &total, nil
}

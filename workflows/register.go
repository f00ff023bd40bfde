// Package workflows holds jml's deterministic workflow code, one workflow
// per file, phases as small named functions. The contract it shares with
// the worker, the starters and the activities is in package contract; the
// nouns and rules are in package domain. Policy arrives in the workflow
// input: nothing here reads configuration or talks to a directory.
package workflows

import (
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// Register registers every workflow of this package under its contract name.
func Register(r worker.WorkflowRegistry) {
	for name, fn := range map[string]any{
		contract.EmployeeWorkflowName:           EmployeeWorkflow,
		contract.JoinerWorkflowName:             JoinerWorkflow,
		contract.MoverWorkflowName:              MoverWorkflow,
		contract.LeaverWorkflowName:             LeaverWorkflow,
		contract.RehireWorkflowName:             RehireWorkflow,
		contract.ElevationWorkflowName:          ElevationWorkflow,
		contract.IdentityLogExportWorkflowName:  IdentityLogExportWorkflow,
		contract.KPIReportWorkflowName:          KPIReportWorkflow,
		contract.IdentityLogCaptureWorkflowName: IdentityLogCaptureWorkflow,
		contract.LoginReservationWorkflowName:   LoginReservationWorkflow,
		contract.GuardWorkflowName:              TerminationGuardWorkflow,
		contract.HRBatchWorkflowName:            HRBatchWorkflow,
		contract.HRImportWorkflowName:           HRImportWorkflow,
		contract.AppTaskWorkflowName:            AppTaskWorkflow,
		contract.PrivilegeSweepWorkflowName:     PrivilegeSweepWorkflow,
		contract.StandingAdminWorkflowName:      StandingAdminWorkflow,
		contract.UnknownAdminWorkflowName:       UnknownAdminWorkflow,
		contract.OrphanAccountWorkflowName:      OrphanAccountWorkflow,
	} {
		r.RegisterWorkflowWithOptions(fn, workflow.RegisterOptions{Name: name})
	}
}

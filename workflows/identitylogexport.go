package workflows

import (
	"fmt"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// changeSealCaptured guards (workflow.GetVersion) the monthly run that
// catches the daily capture up and seals the month, instead of reading
// the whole month again (which, past a directory's retention horizon,
// returned less than the month and called it complete).
const changeSealCaptured = "identity-logs-seal-captured"

// IdentityLogExportWorkflow exports each enabled directory's sign-in and
// audit events of one month, in parallel, then writes the manifest. A
// directory that fails is recorded in the manifest and fails the workflow
// after the others are written.
//
// From changeSealCaptured on, it seals the month the daily capture filled
// (sealMonth, identitylogcapture.go).
func IdentityLogExportWorkflow(ctx workflow.Context, in contract.EvidenceInput) (contract.IdentityLogResult, error) {
	month, scheduled, err := resolveMonth(ctx, in)
	if err != nil {
		return contract.IdentityLogResult{}, err
	}
	if scheduled {
		in.Month = month
		return runForMonth[contract.IdentityLogResult](ctx, contract.IdentityLogExportWorkflowName, contract.IdentityLogExportWorkflowID(month), in)
	}
	from, to, _ := contract.MonthRange(month)
	if len(in.Directories) == 0 {
		return contract.IdentityLogResult{}, temporal.NewNonRetryableApplicationError("no directory enabled", string(domain.ErrBadInput), nil)
	}
	if workflow.GetVersion(ctx, changeSealCaptured, workflow.DefaultVersion, 1) == 1 {
		return sealMonth(ctx, in, month)
	}
	futures := make([]contract.Future[contract.LogFile], len(in.Directories))
	for i, d := range in.Directories {
		futures[i] = contract.ExportIdentityLog.Start(ctx, summary("export identity log", month, d), contract.ExportLogInput{Directory: d, Month: month, From: from, To: to})
	}
	res := contract.IdentityLogResult{Month: month}
	var failed []string
	for i, f := range futures {
		lf, err := f.Get(ctx)
		if err != nil {
			lf = contract.LogFile{Directory: in.Directories[i], Error: err.Error()}
			failed = append(failed, in.Directories[i])
		}
		res.Files = append(res.Files, lf)
		res.TotalEvents += lf.Events
	}
	info := workflow.GetInfo(ctx)
	man, err := contract.WriteIdentityLogManifest.Execute(ctx, summary("write manifest", month, "evidence"), contract.LogManifestInput{
		LogRun: contract.LogRun{Month: month, From: from, To: to, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
			GeneratedAt: workflow.Now(ctx).UTC()},
		Files: res.Files,
	})
	if err != nil {
		return res, err
	}
	res.Folder, res.Manifest = man.Folder, man.Manifest
	if len(failed) > 0 {
		return res, temporal.NewApplicationError(fmt.Sprintf("identity-log export of %s failed for %v (recorded in the manifest)", month, failed), string(domain.ErrExportFailed))
	}
	return res, nil
}

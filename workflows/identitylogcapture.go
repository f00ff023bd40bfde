package workflows

import (
	"fmt"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// fallbackRetentionDays is the horizon of a directory the input names no
// retention for (a schedule written before the setting existed): the
// shortest any supported directory keeps, Entra ID Free's 7 days.
const fallbackRetentionDays = 7

// IdentityLogCaptureWorkflow is the daily capture: each enabled
// directory's new sign-in and audit events, from its cursor up to now,
// appended to the month's files before the directory's retention horizon
// drops them. A directory that fails fails the run after the others.
func IdentityLogCaptureWorkflow(ctx workflow.Context, in contract.EvidenceInput) (contract.IdentityLogCaptureResult, error) {
	if len(in.Directories) == 0 {
		return contract.IdentityLogCaptureResult{}, temporal.NewNonRetryableApplicationError("no directory enabled", string(domain.ErrBadInput), nil)
	}
	res, outcomes := captureAll(ctx, in, workflow.Now(ctx).UTC())
	out := contract.IdentityLogCaptureResult{Captures: res}
	for _, o := range outcomes {
		if o.Error != "" {
			out.Failed = append(out.Failed, o.Directory)
		}
	}
	if len(out.Failed) > 0 {
		return out, temporal.NewApplicationError(fmt.Sprintf("identity-log capture failed for %v", out.Failed), string(domain.ErrExportFailed))
	}
	return out, nil
}

// captureAll runs every directory's capture up to until, in parallel.
func captureAll(ctx workflow.Context, in contract.EvidenceInput, until time.Time) ([]contract.CaptureResult, []contract.CaptureOutcome) {
	futures := make([]contract.Future[contract.CaptureResult], len(in.Directories))
	for i, d := range in.Directories {
		days := in.LogRetentionDays[d]
		if days <= 0 {
			days = fallbackRetentionDays
		}
		futures[i] = contract.CaptureIdentityLog.Start(ctx, summary("capture identity log", "", d), contract.CaptureInput{Directory: d, RetentionDays: days, Until: until})
	}
	var res []contract.CaptureResult
	var outcomes []contract.CaptureOutcome
	for i, f := range futures {
		o := contract.CaptureOutcome{Directory: in.Directories[i]}
		r, err := f.Get(ctx)
		if err != nil {
			o.Error = err.Error()
			r = contract.CaptureResult{Directory: in.Directories[i]}
		}
		o.NotCollected = r.NotCollected
		res = append(res, r)
		outcomes = append(outcomes, o)
	}
	return res, outcomes
}

// sealMonth is the monthly run once the capture exists: catch every
// directory up to now, then seal the month (its files, the ranges no
// capture holds, the manifests) and the month's other evidence. A
// directory whose catch-up failed is recorded and fails the run.
func sealMonth(ctx workflow.Context, in contract.EvidenceInput, month string) (contract.IdentityLogResult, error) {
	from, to, _ := contract.MonthRange(month)
	until := workflow.Now(ctx).UTC()
	_, outcomes := captureAll(ctx, in, until)
	info := workflow.GetInfo(ctx)
	res, err := contract.SealIdentityLogMonth.Execute(ctx, summary("seal identity logs", month, "evidence"), contract.SealLogInput{
		LogRun: contract.LogRun{Month: month, From: from, To: to, WorkflowID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID,
			GeneratedAt: workflow.Now(ctx).UTC()},
		CapturedUntil: until, Captures: outcomes,
	})
	if err != nil {
		return res, err
	}
	if _, err := contract.SealEvidenceMonth.Execute(ctx, summary("seal evidence", month, "evidence"), contract.MonthInput{Month: month}); err != nil {
		return res, err
	}
	var failed []string
	for _, o := range outcomes {
		if o.Error != "" {
			failed = append(failed, o.Directory)
		}
	}
	if len(failed) > 0 {
		return res, temporal.NewApplicationError(fmt.Sprintf("identity-log capture of %s failed for %v (recorded in the manifest)", month, failed), string(domain.ErrExportFailed))
	}
	return res, nil
}

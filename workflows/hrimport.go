package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// HRImportWorkflow is one scheduled import of an HR source: an activity
// finds the newest export, parses it with jml import's code and diffs it
// against the last accepted snapshot; only the changed rows are signalled,
// a chunk per activity (the rows stay in the activities' files, never in
// this history); then the snapshot moves on and the run report is written.
// A refused file (older than the last accepted one, empty, too many people
// missing) alerts the security channel and applies nothing.
func HRImportWorkflow(ctx workflow.Context, in contract.HRImportInput) (contract.HRImportResult, error) {
	if in.Source == "" {
		return contract.HRImportResult{}, temporal.NewNonRetryableApplicationError("source is required", string(domain.ErrBadInput), nil)
	}
	run := workflow.GetInfo(ctx).WorkflowExecution.RunID
	diff, err := contract.DiffHRImport.Execute(ctx, summary("diff export", "", "hr "+in.Source), contract.HRImportDiffInput{Source: in.Source, Run: run})
	if err != nil {
		return contract.HRImportResult{}, err
	}
	commit := contract.HRImportCommitInput{Source: in.Source, Run: run, Diff: diff}
	if diff.Refused != "" {
		alertSecurity(ctx, in.SecurityChannel, "", fmt.Sprintf("jml: HR import of source %s refused, nothing applied: %s (run %s)", in.Source, diff.Refused, run))
		commit.Alerted = in.SecurityChannel != ""
	} else {
		for i := range diff.Chunks {
			out, err := contract.DeliverHRImport.Execute(ctx, summary("signal changed rows", fmt.Sprintf("chunk %d/%d", i+1, diff.Chunks), "hr "+in.Source),
				contract.HRImportDeliverInput{Staged: diff.Staged, Chunk: i})
			if err != nil {
				return contract.HRImportResult{}, err
			}
			commit.Signalled += out.Signalled
		}
	}
	return contract.CommitHRImport.Execute(ctx, summary("write run report", "", "hr "+in.Source), commit)
}

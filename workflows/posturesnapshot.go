package workflows

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// PostureSnapshotWorkflow snapshots every enabled directory's sign-in
// policies into the day's evidence, diffs each against the last snapshot,
// and alerts the security channel with the diff when anything changed.
func PostureSnapshotWorkflow(ctx workflow.Context, in contract.PostureInput) (contract.PostureResult, error) {
	date := in.Date
	if date == "" {
		at := workflow.Now(ctx)
		if t, ok := workflow.GetTypedSearchAttributes(ctx).GetTime(temporal.NewSearchAttributeKeyTime(scheduledStartTimeSAName)); ok && !t.IsZero() {
			at = t
		}
		date = at.UTC().Format(contract.DateLayout)
	}
	res := contract.PostureResult{Date: date}
	if len(in.Directories) == 0 {
		return res, temporal.NewNonRetryableApplicationError("no directory enabled", string(domain.ErrBadInput), nil)
	}
	futures := make([]contract.Future[contract.PolicySnapshotResult], len(in.Directories))
	for i, d := range in.Directories {
		futures[i] = contract.SnapshotPolicies.Start(ctx, summary("snapshot sign-in policies", date, d), contract.SnapshotPoliciesInput{Directory: d, Date: date})
	}
	var changed []string
	for _, f := range futures {
		r, err := f.Get(ctx)
		if err != nil {
			return res, err
		}
		res.Directories = append(res.Directories, r)
		res.Changes += len(r.Changes)
		if len(r.Changes) > 0 || r.PreviousTampered {
			changed = append(changed, r.Directory)
		}
	}
	if len(changed) == 0 || in.SecurityChannel == "" {
		return res, nil
	}
	out, err := contract.NotifyChannel.Execute(ctx, summary("alert policy drift", fmt.Sprintf("%d changes", res.Changes), strings.Join(changed, ", ")),
		contract.NotifyChannelInput{Channel: in.SecurityChannel, Text: contract.PostureAlertText(date, res.Directories)})
	if err != nil {
		return res, err
	}
	res.Alerted = out.Delivered
	return res, nil
}

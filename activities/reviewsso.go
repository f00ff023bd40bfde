package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/directory"
)

// RemoveSSOApp unassigns an sso_app item through the directory's
// UserAppRemover. A group-derived assignment is not an error to retry: the
// output says group_assigned with the granting groups, so the campaign can
// record that the app stays and why.
func (a *Activities) RemoveSSOApp(ctx context.Context, in contract.SSOAppInput) (contract.SSOAppOutput, error) {
	d, err := a.dir(in.Directory)
	if err != nil {
		return contract.SSOAppOutput{}, err
	}
	if in.AccountID == "" || in.App == "" {
		return contract.SSOAppOutput{}, badInput(fmt.Sprintf("%s: account_id and app are required (employee %s)", in.Directory, in.EmployeeID))
	}
	rm, ok := d.(directory.UserAppRemover)
	if !ok {
		return contract.SSOAppOutput{}, temporalError(directory.Unsupported(d.Name(), "app unassignment"))
	}
	o, err := rm.RemoveUserApp(ctx, in.AccountID, in.App)
	var ga *directory.AppGroupAssigned
	if errors.As(err, &ga) {
		a.log(ctx, in.EmployeeID, in.Directory, "unassign app").Str("app", in.App).Strs("groups", ga.Groups).Msg("app is group-assigned: not removed")
		return contract.SSOAppOutput{Outcome: contract.SSOAppGroupAssigned, Groups: ga.Groups, Detail: ga.Error()}, nil
	}
	if err != nil {
		return contract.SSOAppOutput{}, temporalError(err)
	}
	a.log(ctx, in.EmployeeID, in.Directory, "unassign app").Str("app", in.App).Str("outcome", string(o)).Msg("app unassigned")
	return contract.SSOAppOutput{Outcome: string(o)}, nil
}

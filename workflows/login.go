package workflows

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// changeJoinerAllocatesLogin guards the joiner's login allocation (HR sent
// no email, hr.login configured) and its per-lane account match.
const changeJoinerAllocatesLogin = "joiner-allocates-login"

// LoginReservationWorkflow is a lock: its id (domain.LoginLockID of an
// address) can be started once per namespace retention, so two joiners
// named alike, started at the same moment, cannot both take the address.
// It does nothing else: by the time its id could be reused, the account
// with that address exists and the directory check finds it.
func LoginReservationWorkflow(ctx workflow.Context, in contract.LoginReservationInput) (contract.LoginReservationInput, error) {
	return in, nil
}

// allocateLogin gives a joiner HR sent without an email its work email: an
// existing account's login if the employee has one, else the first
// candidate no directory holds that this joiner manages to reserve.
func (l *lifecycle) allocateLogin(ctx workflow.Context, in contract.JoinerInput) (string, error) {
	if in.Login != "" {
		return in.Login, nil
	}
	lane := &contract.DirectoryResult{Directory: "login", Result: domain.ResultOK}
	from := 1
	var taken []string
	for {
		out, ok, err := step(ctx, l, lane, "find login", "", contract.FindLogin, contract.FindLoginInput{EmployeeID: in.EmployeeID,
			GivenName: in.Record.GivenName, FamilyName: in.Record.FamilyName, Policy: *in.Policy.Login, Directories: in.Policy.Directories, From: from})
		if err != nil {
			return "", err
		}
		if !ok {
			return "", temporal.NewNonRetryableApplicationError("no login: an operator skipped its allocation", string(domain.ErrBadInput), nil)
		}
		taken = append(taken, out.Taken...)
		if !out.Existing {
			opts := workflow.ChildWorkflowOptions{
				WorkflowID:            domain.LoginLockID(out.Address),
				WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
				ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
				StaticSummary:         "login reservation · employee " + in.EmployeeID,
			}
			f := workflow.ExecuteChildWorkflow(workflow.WithChildOptions(ctx, opts), contract.LoginReservationWorkflowName,
				contract.LoginReservationInput{EmployeeID: in.EmployeeID, Address: out.Address})
			if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
				if temporal.IsWorkflowExecutionAlreadyStartedError(err) {
					// Another joiner reserved it a moment ago: the next one.
					taken = append(taken, fmt.Sprintf("candidate %d (reserved by another joiner)", out.N))
					from = out.N + 1
					continue
				}
				return "", err
			}
		}
		ev := &contract.DirectoryResult{Directory: "evidence", Result: domain.ResultOK}
		if _, _, err := step(ctx, l, ev, "record login", "", contract.RecordLogin, contract.LoginRecordInput{EmployeeID: in.EmployeeID,
			Address: out.Address, Existing: out.Existing, Taken: taken,
			WorkflowID: workflow.GetInfo(ctx).WorkflowExecution.ID, RunID: workflow.GetInfo(ctx).WorkflowExecution.RunID}); err != nil {
			return "", err
		}
		return out.Address, nil
	}
}

// matchAccount finds the lane's existing account (employee id, email, the
// match attribute). ok is false when the lane must stop (skipped by an
// operator after an ambiguous match, or cancelled: err set).
func (l *lifecycle) matchAccount(ctx workflow.Context, lane *contract.DirectoryResult, in contract.JoinerInput, email string) (contract.AccountOutput, bool, error) {
	return step(ctx, l, lane, "match account", "", contract.MatchAccount, contract.MatchAccountInput{Directory: lane.Directory,
		EmployeeID: in.EmployeeID, Email: email, MatchAttribute: in.Policy.Login.MatchAttribute})
}

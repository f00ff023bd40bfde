package activities

import (
	"context"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// A leaver's lane in three activities (contract/offboard.go), each making
// the calls the separate ones made, minus the reads the directory's
// fewer-calls capabilities make unnecessary (directory/fewer_calls.go).

// LockOutAccount finds the account unless the lane knows its id, disables
// it and revokes its sessions. No account is an answer (Found false).
func (a *Activities) LockOutAccount(ctx context.Context, in contract.LockOutInput) (contract.LockOutOutput, error) {
	ctx = withWorkflowID(ctx)
	out := contract.LockOutOutput{Directory: in.Directory}
	d, err := a.dir(in.Directory)
	if err != nil {
		return out, err
	}
	if in.EmployeeID == "" && in.AccountID == "" {
		return out, badInput("employee id or account id is required")
	}
	var o domain.Outcome
	if in.AccountID != "" {
		out.Found, out.AccountID = true, in.AccountID
		o, err = d.Disable(ctx, in.AccountID)
	} else {
		var acct domain.Account
		acct, err = findForLeaver(ctx, d, in.EmployeeID, in.Email)
		if directory.IsNotFound(err) {
			return out, nil
		}
		if err != nil {
			return out, temporalError(err)
		}
		out.Found, out.AccountID, out.Login = true, acct.ID, acct.Login
		o, err = disableFound(ctx, d, acct)
		if directory.IsNotFound(err) {
			// Gone since the search saw it: look again, fully (a rehire's
			// new account by login), and disable that.
			if acct, err = d.FindUser(ctx, in.EmployeeID, in.Email); directory.IsNotFound(err) {
				return contract.LockOutOutput{Directory: in.Directory}, nil
			} else if err == nil {
				out.AccountID, out.Login = acct.ID, acct.Login
				o, err = d.Disable(ctx, acct.ID)
			}
		}
	}
	if err != nil {
		return out, temporalError(err)
	}
	out.Actions = append(out.Actions, contract.Action{Step: "disable", Outcome: string(o)})
	a.log(ctx, in.EmployeeID, in.Directory, "disable").Str("outcome", string(o)).Msg("done")
	ro := "unsupported"
	if sr, ok := d.(directory.SessionRevoker); ok {
		r, err := sr.RevokeSessions(ctx, out.AccountID)
		if err != nil {
			return out, temporalError(err)
		}
		ro = string(r)
	}
	out.Actions = append(out.Actions, contract.Action{Step: "revoke sessions", Outcome: ro})
	a.log(ctx, in.EmployeeID, in.Directory, "revoke sessions").Str("outcome", ro).Msg("done")
	return out, nil
}

// findForLeaver is the look-up: from the search's answer alone where the
// directory offers it (the lane writes regardless and reads back at the
// end), else FindUser.
func findForLeaver(ctx context.Context, d directory.Directory, employeeID, email string) (domain.Account, error) {
	if sf, ok := d.(directory.SearchFinder); ok {
		return sf.FindBySearch(ctx, employeeID, email)
	}
	return d.FindUser(ctx, employeeID, email)
}

// disableFound disables an account just found from what the look-up
// returned, where the directory can, without reading it first.
func disableFound(ctx context.Context, d directory.Directory, acct domain.Account) (domain.Outcome, error) {
	if fd, ok := d.(directory.FoundDisabler); ok {
		return fd.DisableFound(ctx, acct)
	}
	return d.Disable(ctx, acct.ID)
}

// RemoveAccessAndDevices is RemoveAllAccess, then RetireDevices when the
// policy says so, in one activity.
func (a *Activities) RemoveAccessAndDevices(ctx context.Context, in contract.OffboardAccessInput) (contract.StepOutput, error) {
	out, err := a.RemoveAllAccess(ctx, in.AccountInput)
	if err != nil || !in.RetireDevices {
		return out, err
	}
	devs, err := a.RetireDevices(ctx, in.AccountInput)
	out.Actions = append(out.Actions, devs.Actions...)
	return out, err
}

// revokeListedRoles revokes every role assignment just listed, by the
// listing's assignment where the directory can (no re-read per role).
func revokeListedRoles(ctx context.Context, d directory.Directory, out *contract.StepOutput, id string, roles []domain.RoleAssignment, rm directory.AdminRoleManager) error {
	lr, listed := d.(directory.ListedRoleRevoker)
	for _, r := range roles {
		heartbeat(ctx, "role", r.Role)
		var o domain.Outcome
		var err error
		if listed {
			o, err = lr.RevokeListedRole(ctx, id, r)
		} else {
			o, err = rm.RevokeAdminRole(ctx, id, r.Role)
		}
		if err != nil {
			return temporalError(err)
		}
		out.Actions = append(out.Actions, contract.Action{Step: "revoke admin role", Target: r.Role, Outcome: string(o)})
	}
	return nil
}

// listDevices lists the account's devices, by the login the look-up found
// where the directory lists by it (no read of the user for it).
func listDevices(ctx context.Context, d directory.Directory, dm directory.DeviceManager, in contract.AccountInput) ([]domain.Device, error) {
	if ll, ok := d.(directory.LoginDeviceLister); ok && in.Login != "" {
		return ll.ListDevicesByLogin(ctx, in.Login)
	}
	return dm.ListDevices(ctx, in.AccountID)
}

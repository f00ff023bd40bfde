package activities

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// Approvals is what the elevation activities need from Slack beyond
// notices: an approval message with buttons, and its rewrite once decided.
// The worker adapts the Slack client to it; nil means Slack is disabled.
type Approvals interface {
	ApprovalMessage(ctx context.Context, approverEmail, title string, fields []contract.MessageField, approveValue, denyValue string) (channel, ts string, err error)
	UpdateApproval(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error
	// SlackUserID is the member with that email (users.lookupByEmail); a
	// missing or deactivated member is a NotFound *directory.Error.
	SlackUserID(ctx context.Context, email string) (string, error)
}

// ordered puts first in front of the other directories (each once).
func ordered(first string, dirs []string) []string {
	out := []string{}
	if first != "" {
		out = append(out, first)
	}
	for _, d := range dirs {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}

// findPerson finds the employee's account in the first directory that has it.
func (a *Activities) findPerson(ctx context.Context, employeeID string, dirs []string) (string, domain.Account, error) {
	return a.findPersonWith(ctx, employeeID, dirs, nil)
}

// findPersonWith is findPerson among the directories that can (any when can
// is nil). An empty name means no such directory has the person.
func (a *Activities) findPersonWith(ctx context.Context, employeeID string, dirs []string, can func(directory.Directory) bool) (string, domain.Account, error) {
	if employeeID == "" {
		return "", domain.Account{}, badInput("employee id is required")
	}
	if len(dirs) == 0 {
		dirs = slices.Sorted(maps.Keys(a.Directories))
	}
	for _, name := range dirs {
		d, ok := a.Directories[name]
		if !ok || (can != nil && !can(d)) {
			continue
		}
		acct, err := d.FindUser(ctx, employeeID, "")
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return "", domain.Account{}, temporalError(err)
		}
		return name, acct, nil
	}
	return "", domain.Account{}, nil
}

// ResolvePerson finds an employee's account; not found is an answer.
func (a *Activities) ResolvePerson(ctx context.Context, in contract.ResolvePersonInput) (contract.ResolvePersonOutput, error) {
	dir, acct, err := a.findPerson(ctx, in.EmployeeID, in.Directories)
	if err != nil || dir == "" {
		return contract.ResolvePersonOutput{}, err
	}
	return contract.ResolvePersonOutput{Found: true, Directory: dir, AccountID: acct.ID, Enabled: acct.Enabled}, nil
}

// CheckGates checks the requester's device compliance and MFA enrolment,
// in the role's directory first, else in any enabled directory that can
// tell. A required gate no directory can check fails closed.
func (a *Activities) CheckGates(ctx context.Context, in contract.CheckGatesInput) (contract.GatesOutput, error) {
	out := contract.GatesOutput{
		Device: contract.GateResult{Required: in.RequireCompliantDevice},
		MFA:    contract.GateResult{Required: in.RequireMFA},
	}
	if in.EmployeeID == "" {
		return out, badInput("employee id is required")
	}
	dirs := ordered(in.Directory, in.Directories)
	if in.RequireCompliantDevice {
		out.Device.Detail = "no directory can report devices"
		name, acct, err := a.findPersonWith(ctx, in.EmployeeID, dirs, has[directory.DeviceManager])
		if err != nil {
			return out, err
		}
		if name != "" {
			devs, err := a.Directories[name].(directory.DeviceManager).ListDevices(ctx, acct.ID)
			if err != nil {
				return out, temporalError(err)
			}
			out.Device.Checked, out.Device.Directory = true, name
			var seen []string
			for _, dev := range devs {
				if dev.Retired {
					continue
				}
				seen = append(seen, dev.Compliance)
				if dev.Compliant() {
					out.Device.Passed = true
					out.Device.Detail = fmt.Sprintf("device %s is %s", dev.ID, dev.Compliance)
					break
				}
			}
			if !out.Device.Passed {
				if len(seen) == 0 {
					out.Device.Detail = "no managed device in " + name
				} else {
					out.Device.Detail = "devices in " + name + ": " + strings.Join(seen, ", ")
				}
			}
		}
	}
	if in.RequireMFA {
		out.MFA.Detail = "no directory can report MFA"
		name, acct, err := a.findPersonWith(ctx, in.EmployeeID, dirs, has[directory.MFAReader])
		if err != nil {
			return out, err
		}
		if name != "" {
			m, err := a.Directories[name].(directory.MFAReader).MFAStatus(ctx, acct.ID)
			if err != nil {
				return out, temporalError(err)
			}
			out.MFA.Checked, out.MFA.Directory, out.MFA.Passed = true, name, m.Enrolled
			if m.Enrolled {
				out.MFA.Detail = "enrolled: " + strings.Join(m.Methods, ", ")
			} else {
				out.MFA.Detail = "no MFA method enrolled in " + name
			}
		}
	}
	a.Logger.Info().Str("employee_id", in.EmployeeID).Bool("device_ok", out.Device.Passed).Bool("mfa_ok", out.MFA.Passed).Msg("elevation gates")
	return out, nil
}

func (a *Activities) roleDir(in contract.AdminRoleInput) (directory.AdminRoleManager, error) {
	d, err := a.account(in.Directory, in.AccountID)
	if err != nil {
		return nil, err
	}
	if in.Role == "" {
		return nil, badInput("role is required")
	}
	rm, ok := d.(directory.AdminRoleManager)
	if !ok {
		return nil, badInput(fmt.Sprintf("directory %q cannot grant admin roles", in.Directory))
	}
	return rm, nil
}

// GrantAdminRole grants the role until in.Until. Where the directory
// expires grants itself (Entra PIM) and holds this one with an earlier end
// (an extension), the grant is removed and made again with the new end.
func (a *Activities) GrantAdminRole(ctx context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
	d, err := a.roleDir(in)
	if err != nil {
		return contract.AdminRoleOutput{}, err
	}
	ra, o, err := d.GrantAdminRole(ctx, in.AccountID, in.Role, in.Until)
	if err != nil {
		return contract.AdminRoleOutput{}, temporalError(err)
	}
	if _, expires := d.(directory.RoleGrantExpirer); expires && o == domain.AlreadyPresent && !ra.ExpiresAt.IsZero() && ra.ExpiresAt.Before(in.Until) {
		if _, err := d.RevokeAdminRole(ctx, in.AccountID, in.Role); err != nil {
			return contract.AdminRoleOutput{}, temporalError(err)
		}
		if ra, _, err = d.GrantAdminRole(ctx, in.AccountID, in.Role, in.Until); err != nil {
			return contract.AdminRoleOutput{}, temporalError(err)
		}
		o = domain.Updated
	}
	a.log(ctx, in.EmployeeID, in.Directory, "grant admin role").Str("outcome", string(o)).Msg("done")
	return contract.AdminRoleOutput{Outcome: string(o), ExpiresAt: ra.ExpiresAt}, nil
}

// RevokeAdminRole removes the role; already gone is success.
func (a *Activities) RevokeAdminRole(ctx context.Context, in contract.AdminRoleInput) (contract.AdminRoleOutput, error) {
	d, err := a.roleDir(in)
	if err != nil {
		return contract.AdminRoleOutput{}, err
	}
	o, err := d.RevokeAdminRole(ctx, in.AccountID, in.Role)
	if directory.IsNotFound(err) {
		o, err = domain.WasAbsent, nil
	}
	if err != nil {
		return contract.AdminRoleOutput{}, temporalError(err)
	}
	a.log(ctx, in.EmployeeID, in.Directory, "revoke admin role").Str("outcome", string(o)).Msg("done")
	return contract.AdminRoleOutput{Outcome: string(o)}, nil
}

// VerifyAdminRoleRevoked reads the account's roles back: the role must be
// gone (retried while the directory catches up).
func (a *Activities) VerifyAdminRoleRevoked(ctx context.Context, in contract.AdminRoleInput) (contract.Empty, error) {
	d, err := a.roleDir(in)
	if err != nil {
		return contract.Empty{}, err
	}
	held, err := holdsAdminRole(ctx, d, in.AccountID, in.Role)
	if err != nil {
		return contract.Empty{}, temporalError(err)
	}
	if held {
		return contract.Empty{}, temporalErrorVerify(fmt.Sprintf("%s: role %q of employee %s still assigned", in.Directory, in.Role, in.EmployeeID))
	}
	return contract.Empty{}, nil
}

// holdsAdminRole asks the directory itself where it lists roles by another
// name than the catalog's (directory.AdminRoleChecker), else compares the
// listed names.
func holdsAdminRole(ctx context.Context, d directory.AdminRoleManager, id, role string) (bool, error) {
	if rc, ok := d.(directory.AdminRoleChecker); ok {
		return rc.HoldsAdminRole(ctx, id, role)
	}
	roles, err := d.ListAdminRoles(ctx, id)
	if err != nil {
		return false, err
	}
	for _, r := range roles {
		if strings.EqualFold(r.Role, role) {
			return true, nil
		}
	}
	return false, nil
}

// PostApproval DMs the approver the request with Approve and Deny buttons,
// at the work email of their HR record (a directory's email can be edited
// by the admins who ask for elevation), and returns the Slack ids of the
// approver and the requester by their HR emails: the workflow accepts a
// Slack press only from the approver's.
func (a *Activities) PostApproval(ctx context.Context, in contract.PostApprovalInput) (contract.ApprovalMessageOutput, error) {
	if a.Approvals == nil {
		a.Logger.Warn().Str("approver_employee_id", in.ApproverEmployeeID).Msg("slack disabled: approval request not sent")
		return contract.ApprovalMessageOutput{Detail: "slack disabled"}, nil
	}
	if in.ApproverEmail == "" {
		a.Logger.Warn().Str("approver_employee_id", in.ApproverEmployeeID).Msg("approver has no HR email: approval request not sent")
		return contract.ApprovalMessageOutput{Detail: "approver's HR email unknown"}, nil
	}
	approver, err := a.Approvals.SlackUserID(ctx, in.ApproverEmail)
	if directory.IsNotFound(err) {
		a.Logger.Warn().Str("approver_employee_id", in.ApproverEmployeeID).Msg("approver not in Slack: approval request not sent")
		return contract.ApprovalMessageOutput{Detail: "approver not found in Slack"}, nil
	}
	if err != nil {
		return contract.ApprovalMessageOutput{}, temporalError(err)
	}
	var requester string
	if in.RequesterEmail != "" {
		requester, err = a.Approvals.SlackUserID(ctx, in.RequesterEmail)
		if err != nil && !directory.IsNotFound(err) {
			return contract.ApprovalMessageOutput{}, temporalError(err)
		}
	}
	ch, ts, err := a.Approvals.ApprovalMessage(ctx, in.ApproverEmail, in.Title, in.Fields, in.ApproveValue, in.DenyValue)
	if err != nil {
		return contract.ApprovalMessageOutput{}, temporalError(err)
	}
	return contract.ApprovalMessageOutput{Delivered: true, Channel: ch, TS: ts, ApproverSlackUserID: approver, RequesterSlackUserID: requester}, nil
}

// UpdateApprovalMessage rewrites the approval with the outcome, no buttons.
func (a *Activities) UpdateApprovalMessage(ctx context.Context, in contract.UpdateApprovalInput) (contract.NotifyOutput, error) {
	if a.Approvals == nil {
		return contract.NotifyOutput{Detail: "slack disabled"}, nil
	}
	if in.Channel == "" || in.TS == "" {
		return contract.NotifyOutput{}, badInput("channel and ts are required")
	}
	if err := a.Approvals.UpdateApproval(ctx, in.Channel, in.TS, in.Title, in.Fields, in.Outcome); err != nil {
		return contract.NotifyOutput{}, temporalError(err)
	}
	return contract.NotifyOutput{Delivered: true}, nil
}

package workflows

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
)

// StandingAdminWorkflow handles one HR employee holding an admin role
// outside JIT: a Slack notice to them and their manager (how to request it
// through JIT where an elevation role grants it), the grace period, then
// removal of the standing assignment, read back.
func StandingAdminWorkflow(ctx workflow.Context, in contract.StandingAdminInput) (contract.SweepOutcome, error) {
	h := in.Holder
	out := contract.SweepOutcome{Key: h.Key, Kind: "standing"}
	dir := h.Directory
	removeAt := workflow.Now(ctx).Add(in.Policy.Grace).UTC()
	how := "Ask IT for just-in-time access when you need it."
	if h.Elevation != "" {
		how = fmt.Sprintf("When you need it, request it just in time: `/jml elevate %s` in Slack or `jml elevate --role %s`.", h.Elevation, h.Elevation)
	}
	text := fmt.Sprintf("You hold the admin role %s in %s permanently, outside just-in-time elevation. It will be removed on %s. %s",
		h.Role, dir, removeAt.Format("2006-01-02 15:04 MST"), how)
	if _, err := contract.NotifyEmployee.Execute(ctx, summary("notify standing admin", h.EmployeeID, "slack"), contract.NotifyEmployeeInput{EmployeeID: h.EmployeeID, Text: text}); err != nil {
		workflow.GetLogger(ctx).Warn("standing-admin notice not delivered", "employee_id", h.EmployeeID, "error", err.Error())
	}
	if h.Manager != "" {
		mt := fmt.Sprintf("Your report %s holds the admin role %s in %s permanently, outside just-in-time elevation. jml removes it on %s. %s",
			h.EmployeeID, h.Role, dir, removeAt.Format("2006-01-02 15:04 MST"), how)
		if _, err := contract.NotifyManager.Execute(ctx, summary("notify manager", h.Manager, "slack"), contract.NotifyManagerInput{ManagerEmployeeID: h.Manager, Text: mt}); err != nil {
			workflow.GetLogger(ctx).Warn("manager notice not delivered", "employee_id", h.EmployeeID, "error", err.Error())
		}
	}
	if err := workflow.Sleep(ctx, in.Policy.Grace); err != nil {
		return out, err
	}
	role := contract.AdminRoleInput{Directory: dir, AccountID: h.PrincipalID, EmployeeID: h.EmployeeID, Role: h.Role}
	r, err := contract.RevokeAdminRole.Execute(ctx, summary("remove standing role", h.EmployeeID, dir), role)
	if err != nil {
		return out, err
	}
	if _, err := contract.VerifyAdminRoleRevoked.Execute(ctx, summary("verify role removed", h.EmployeeID, dir), role); err != nil {
		return out, err
	}
	out.Outcome, out.Detail = r.Outcome, "read back: role gone"
	alertSecurity(ctx, in.Policy.SecurityChannel, h.EmployeeID, fmt.Sprintf("Privilege sweep: removed the standing %s of %s in %s after the grace period (%s).", h.Role, h.EmployeeID, dir, r.Outcome))
	return out, nil
}

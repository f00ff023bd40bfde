package directory

import "context"

// AdminRoleChecker answers whether an account holds a role named as
// GrantAdminRole and RevokeAdminRole take it, resolving the name the same
// way they do. Where ListAdminRoles reports a role by another name than the
// catalog's (Google's roleName _USER_MANAGEMENT_ADMIN_ROLE for "User
// Management Administrator", Okta's HELP_DESK_ADMIN for "Help Desk
// Administrator"), a revoke's read-back comparing names would never see
// the role still held.
type AdminRoleChecker interface {
	HoldsAdminRole(ctx context.Context, id, role string) (bool, error)
}

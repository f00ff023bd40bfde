package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
)

// A JIT elevation's revoke is read back: a role still held after the
// revoke must fail VerifyAdminRoleRevoked. Each directory is granted the
// role by its catalog name (the demo's "User Management Administrator",
// "Help Desk Administrator"), and the revoke's DELETE answers 404 without
// removing it (a replica that has not seen the grant yet), which the
// revoke counts as already gone. Google lists the assignment by roleId
// (roleName _USER_MANAGEMENT_ADMIN_ROLE) and Okta by role type
// (HELP_DESK_ADMIN): a read-back comparing names reported them revoked.
func TestVerifyAdminRoleRevokedSeesARoleStillHeld(t *testing.T) {
	r := newRig(t)
	e := r.employee("E0005")
	gu, ok := r.set.Google.User(e.Email)
	require.True(t, ok)
	ou, ok := r.set.Okta.UserByLogin(e.Email)
	require.True(t, ok)
	for _, c := range []struct {
		dir, account, role, family string
		faults                     interface{ AddFault(emulator.Fault) }
		held                       func() bool
	}{
		{"google", gu.ID, "User Management Administrator", "roleassignments", r.set.Google, func() bool {
			return len(r.set.Google.RoleAssignments(gu.ID)) > 0
		}},
		{"okta", ou.ID, "Help Desk Administrator", "roles", r.set.Okta, func() bool {
			return len(r.set.Okta.AdminRoles(ou.ID)) > 0
		}},
	} {
		t.Run(c.dir, func(t *testing.T) {
			in := contract.AdminRoleInput{Directory: c.dir, AccountID: c.account, EmployeeID: e.EmployeeID, Role: c.role, Until: time.Now().Add(time.Hour)}
			var out contract.AdminRoleOutput
			r.must(contract.GrantAdminRole.Name, in, &out)
			require.Equal(t, "added", out.Outcome)
			require.True(t, c.held(), "granted in the emulator")

			c.faults.AddFault(emulator.Fault{Status: 404, Family: c.family, Method: "DELETE", Times: 1})
			r.must(contract.RevokeAdminRole.Name, in, &out)
			require.True(t, c.held(), "the faulted DELETE removed nothing")
			err := r.run(contract.VerifyAdminRoleRevoked.Name, in, nil)
			require.Error(t, err, "%s: the role is still assigned", c.dir)
			assert.True(t, strings.Contains(err.Error(), "still assigned"), err.Error())
			assert.NotContains(t, err.Error(), e.Email, "no PII in the error")

			// revoked for real, the read-back passes
			r.must(contract.RevokeAdminRole.Name, in, &out)
			assert.Equal(t, "removed", out.Outcome)
			assert.False(t, c.held())
			r.must(contract.VerifyAdminRoleRevoked.Name, in, nil)
		})
	}
}

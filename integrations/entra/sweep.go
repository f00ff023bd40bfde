package entra

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// AdminHolders lists every active directory-role assignment in the tenant
// with its principal expanded ($expand=principal): users (members and
// guests), service principals and role-assignable groups. The schedule
// instances carry the end of a time-bound grant; no end is standing.
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	const op = "list_admin_holders"
	if err := c.roles.load(ctx, op); err != nil {
		return nil, err
	}
	b := c.graph.RoleManagement().Directory().RoleAssignmentScheduleInstances()
	out := []directory.AdminHolder{}
	err := each(
		func() (models.UnifiedRoleAssignmentScheduleInstanceCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetRequestConfiguration{
				QueryParameters: &rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetQueryParameters{Expand: []string{"principal"}},
			})
		},
		func(l string) (models.UnifiedRoleAssignmentScheduleInstanceCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(in models.UnifiedRoleAssignmentScheduleInstanceable) error {
			h := directory.AdminHolder{Role: c.roles.name(str(in.GetRoleDefinitionId())), AssignmentID: str(in.GetId()),
				PrincipalID: str(in.GetPrincipalId()), Kind: directory.PrincipalUser}
			if t := in.GetEndDateTime(); t != nil {
				h.Until = t.UTC()
			} else {
				h.Permanent = true
			}
			switch p := in.GetPrincipal().(type) {
			case models.Userable:
				h.Login, h.EmployeeID = str(p.GetUserPrincipalName()), str(p.GetEmployeeId())
				h.Enabled = p.GetAccountEnabled() != nil && *p.GetAccountEnabled()
				if strings.EqualFold(str(p.GetUserType()), "Guest") {
					h.Kind = directory.PrincipalGuest
				}
			case models.ServicePrincipalable:
				h.Kind, h.Login = directory.PrincipalService, str(p.GetAppId())
				h.Enabled = p.GetAccountEnabled() == nil || *p.GetAccountEnabled()
			case models.Groupable:
				h.Kind, h.Login, h.Enabled = directory.PrincipalGroup, str(p.GetDisplayName()), true
			}
			out = append(out, h)
			return nil
		})
	if err != nil {
		return nil, c.fail(op, err)
	}
	return out, nil
}

// ListUsers pages through every user of the tenant.
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	const op = "list_users"
	top := int32(max(1, min(pageSize, 999)))
	b := c.graph.Users()
	err := each(
		func() (models.UserCollectionResponseable, error) {
			return b.Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Top: &top, Select: userSelect},
			})
		},
		func(l string) (models.UserCollectionResponseable, error) { return b.WithUrl(l).Get(ctx, nil) },
		func(u models.Userable) error { return fn(toAccount(u)) })
	if err != nil {
		if _, ok := err.(stop); ok {
			return nil
		}
		if de := asDirErr(err); de != nil {
			return err // fn's own error, already classified
		}
		return c.fail(op, err)
	}
	return nil
}

// DeleteUser deletes the user (Entra keeps it 30 days in deleted items,
// where it can be restored).
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "delete_user"
	if err := c.graph.Users().ByUserId(id).Delete(ctx, nil); err != nil {
		ce := c.fail(op, err)
		if directory.IsNotFound(ce) {
			return domain.WasAbsent, nil
		}
		return "", ce
	}
	return domain.Removed, nil
}

// LastSignIn reads the user's signInActivity (P1/P2 and AuditLog.Read.All).
func (c *Client) LastSignIn(ctx context.Context, id string) (time.Time, error) {
	const op = "last_sign_in"
	u, err := c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "signInActivity"}},
	})
	if err != nil {
		return time.Time{}, c.fail(op, err)
	}
	if a := u.GetSignInActivity(); a != nil && a.GetLastSignInDateTime() != nil {
		return a.GetLastSignInDateTime().UTC(), nil
	}
	return time.Time{}, nil
}

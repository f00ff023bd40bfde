package google

import (
	"context"
	"strconv"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var (
	_ directory.AdminHolderLister = (*Client)(nil)
	_ directory.AccountLister     = (*Client)(nil)
	_ directory.AccountDeleter    = (*Client)(nil)
	_ directory.LastSignInReader  = (*Client)(nil)
)

// eachUser pages users.list (at most 500 a page, Google's maximum) with an
// optional query, calling fn for each user.
func (c *Client) eachUser(ctx context.Context, op, query string, pageSize int, fn func(*admin.User) error) error {
	n := int64(max(1, min(pageSize, 500)))
	tok := ""
	for {
		l, err := call(ctx, c, op, func() (*admin.Users, error) {
			q := c.dir.Users.List().Customer(c.customer).MaxResults(n).PageToken(tok).Context(ctx)
			if query != "" {
				q = q.Query(query)
			}
			return q.Do()
		})
		if err != nil {
			return err
		}
		for _, u := range l.Users {
			if err := fn(u); err != nil {
				return err
			}
		}
		if tok = l.NextPageToken; tok == "" {
			return nil
		}
	}
}

// AdminHolders reads every role assignment of the customer
// (roleAssignments.list without a userKey, 200 a page), names the roles
// (roles.list, cached), and details the users holding them from two
// users.list queries (isAdmin=true, isDelegatedAdmin=true) rather than one
// users.get each. Holders can be users, groups (assigneeType "group") or an
// IAM service account (an assignedTo no user or group has); a user the two
// queries missed (say, one whose role arrived mid-sweep) is read alone.
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	const op = "list_admin_holders"
	if err := c.loadRoles(ctx); err != nil {
		return nil, err
	}
	var as []*admin.RoleAssignment
	tok := ""
	for {
		l, err := call(ctx, c, op, func() (*admin.RoleAssignments, error) {
			return c.dir.RoleAssignments.List(c.customer).MaxResults(200).PageToken(tok).Context(ctx).Do()
		})
		if err != nil {
			return nil, err
		}
		as = append(as, l.Items...)
		if tok = l.NextPageToken; tok == "" {
			break
		}
	}
	users := map[string]*admin.User{}
	for _, q := range []string{"isAdmin=true", "isDelegatedAdmin=true"} {
		err := c.eachUser(ctx, op, q, 500, func(u *admin.User) error {
			users[u.Id] = u
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out := []directory.AdminHolder{}
	for _, a := range as {
		name, label := c.roleNames(a.RoleId)
		h := directory.AdminHolder{Role: name, RoleLabel: label, AssignmentID: strconv.FormatInt(a.RoleAssignmentId, 10),
			PrincipalID: a.AssignedTo, Permanent: true}
		if a.AssigneeType == "group" {
			g, err := call(ctx, c, op, func() (*admin.Group, error) { return c.dir.Groups.Get(a.AssignedTo).Context(ctx).Do() })
			if directory.IsNotFound(err) {
				continue // deleted since the list
			}
			if err != nil {
				return nil, err
			}
			h.Kind, h.Login, h.Enabled = directory.PrincipalGroup, g.Email, true
			out = append(out, h)
			continue
		}
		u := users[a.AssignedTo]
		if u == nil {
			var err error
			u, err = c.getUser(ctx, op, a.AssignedTo)
			switch {
			case directory.IsNotFound(err):
				// no user: an IAM service account's uniqueId
				h.Kind, h.Login, h.Enabled = directory.PrincipalService, a.AssignedTo, true
				out = append(out, h)
				continue
			case err != nil:
				return nil, err
			}
		}
		out = append(out, userHolder(h, u))
	}
	return out, nil
}

func userHolder(h directory.AdminHolder, u *admin.User) directory.AdminHolder {
	h.Kind, h.Login, h.EmployeeID, h.Enabled = directory.PrincipalUser, u.PrimaryEmail, employeeIDOf(u), !u.Suspended && !u.Archived
	return h
}

// roleNames is a role's roleName (what ListAdminRoles reports and
// RevokeAdminRole takes) and, for a system role, its description ("Super
// Admin", "User Management Administrator": the names an elevation role may
// use).
func (c *Client) roleNames(id int64) (name, label string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.byID[id]
	if r == nil {
		return strconv.FormatInt(id, 10), ""
	}
	if r.IsSystemRole {
		label = r.RoleDescription
	}
	return r.RoleName, label
}

// ListUsers pages through every user of the customer (users.list, at most
// 500 a page); the employee id is the externalIds entry of type
// "organization".
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	return c.eachUser(ctx, "list_users", "", pageSize, func(u *admin.User) error { return fn(toAccount(u)) })
}

// DeleteUser deletes the user (users.delete; Google keeps a deleted user
// restorable for 20 days). Gone already is WasAbsent.
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	err := c.do(ctx, "delete_user", func() error { return c.dir.Users.Delete(id).Context(ctx).Do() })
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Removed, nil
}

// LastSignIn is the user's lastLoginTime (Google answers the epoch for
// never).
func (c *Client) LastSignIn(ctx context.Context, id string) (time.Time, error) {
	u, err := c.getUser(ctx, "last_sign_in", id)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339, u.LastLoginTime)
	if err != nil || t.Year() <= 1970 {
		return time.Time{}, nil
	}
	return t.UTC(), nil
}

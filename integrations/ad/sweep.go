package ad

import (
	"context"

	"github.com/go-ldap/ldap/v3"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var (
	_ directory.AdminHolderLister = (*Client)(nil)
	_ directory.AccountLister     = (*Client)(nil)
	_ directory.AccountDeleter    = (*Client)(nil)
)

// AdminHolders is AD's privileged-group membership as admin holders: each
// built-in privileged group is the "role". The principal is the account's
// objectGUID, which RevokeAdminRole and ListAdminRoles take and ListUsers
// reports; the login its sAMAccountName, as the break-glass list names it.
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	ms, err := c.PrivilegedMembers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]directory.AdminHolder, 0, len(ms))
	for _, m := range ms {
		out = append(out, directory.AdminHolder{Role: m.Group, PrincipalID: m.ID, Kind: directory.PrincipalUser,
			Login: m.Account, EmployeeID: m.EmployeeID, Enabled: m.Enabled, Permanent: true, BreakGlass: m.BreakGlass})
	}
	return out, nil
}

// filterSweepUser is every person account but the domain's critical
// system objects (Administrator, Guest, krbtgt): those are no one's to
// own, and the built-in Administrator is a privileged holder the admin
// side of the sweep already reports.
const filterSweepUser = "(&" + filterUser + "(!(isCriticalSystemObject=TRUE)))"

// ListUsers pages through every user object under the base DN (one paged
// LDAP search, PageSize entries a page, Simple Paged Results control); the
// employee id is employeeID, the login sAMAccountName.
func (c *Client) ListUsers(ctx context.Context, _ int, fn func(domain.Account) error) error {
	es, err := c.searchAll(ctx, "list users", c.o.BaseDN, ldap.ScopeWholeSubtree, filterSweepUser, userAttrs)
	if err != nil {
		return err
	}
	for _, e := range es {
		a := account(e)
		// the login is sAMAccountName here, as AdminHolders and the
		// break-glass list name AD accounts
		if sam := e.GetAttributeValue("sAMAccountName"); sam != "" {
			a.Login = sam
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// DeleteUser deletes the user object (AD keeps it as a tombstone, and in
// the Recycle Bin where that is on). A critical system object is refused.
// Gone already is WasAbsent.
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "delete user"
	e, err := c.byID(ctx, op, id, "isCriticalSystemObject")
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if e.GetAttributeValue("isCriticalSystemObject") == "TRUE" {
		return "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "account " + id + " is a critical system object; jml does not delete it"}
	}
	err = c.do(ctx, op, false, func(conn *ldap.Conn) error { return conn.Del(ldap.NewDelRequest(e.DN, nil)) })
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Removed, nil
}

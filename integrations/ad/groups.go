package ad

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// PrivilegedGroups are AD's built-in groups that control the domain: their
// members are admins, read as admin roles, never as catalog groups.
var PrivilegedGroups = []string{
	"Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators",
	"Account Operators", "Backup Operators", "Server Operators", "Print Operators",
}

// inChain is LDAP_MATCHING_RULE_IN_CHAIN: membership through nested groups.
const inChain = "1.2.840.113556.1.4.1941"

const filterGroup = "(objectClass=group)"

func (c *Client) isAdminGroup(name string) bool {
	return slices.ContainsFunc(PrivilegedGroups, func(g string) bool { return strings.EqualFold(g, name) }) ||
		slices.ContainsFunc(c.o.AdminGroups, func(g string) bool { return strings.EqualFold(g, name) })
}

// groupDN finds a group by sAMAccountName (the name the catalog uses).
func (c *Client) groupDN(ctx context.Context, op, name string) (string, error) {
	key := strings.ToLower(name)
	if dn, ok := c.groups.Load(key); ok {
		return dn.(string), nil
	}
	es, err := c.searchAll(ctx, op, c.o.BaseDN, ldap.ScopeWholeSubtree,
		"(&"+filterGroup+"(sAMAccountName="+ldap.EscapeFilter(name)+"))", []string{"sAMAccountName"})
	if err != nil {
		return "", err
	}
	if len(es) != 1 {
		return "", &directory.Error{System: System, Op: op, Kind: directory.KindNotFound, Message: "group " + name + " not found in AD"}
	}
	c.groups.Store(key, es[0].DN)
	return es[0].DN, nil
}

// groupsOf lists the groups dn is a direct member of (the primary group,
// Domain Users, is not a member value and so never listed), by name.
func (c *Client) groupsOf(ctx context.Context, op, dn string, chain bool) ([]string, error) {
	f := "(&" + filterGroup + "(member=" + ldap.EscapeFilter(dn) + "))"
	if chain {
		f = "(&" + filterGroup + "(member:" + inChain + ":=" + ldap.EscapeFilter(dn) + "))"
	}
	es, err := c.searchAll(ctx, op, c.o.BaseDN, ldap.ScopeWholeSubtree, f, []string{"sAMAccountName"})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.GetAttributeValue("sAMAccountName"))
	}
	slices.Sort(out)
	return out, nil
}

// ListGroups lists the account's direct group memberships other than the
// admin groups (those are its admin roles) and the primary group.
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	e, err := c.byID(ctx, "list groups", id)
	if err != nil {
		return nil, err
	}
	all, err := c.groupsOf(ctx, "list groups", e.DN, false)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, c.isAdminGroup), nil
}

func (c *Client) isMember(ctx context.Context, op, groupDN, userDN string) (bool, error) {
	es, err := c.searchAll(ctx, op, groupDN, ldap.ScopeBaseObject, "(member="+ldap.EscapeFilter(userDN)+")", []string{"cn"})
	return len(es) > 0, err
}

// AddToGroup adds a direct membership.
func (c *Client) AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	return c.member(ctx, "add to group", id, group, true)
}

// RemoveFromGroup removes a direct membership.
func (c *Client) RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	return c.member(ctx, "remove from group", id, group, false)
}

func (c *Client) member(ctx context.Context, op, id, group string, add bool) (domain.Outcome, error) {
	e, err := c.byID(ctx, op, id)
	if err != nil {
		return "", err
	}
	gdn, err := c.groupDN(ctx, op, group)
	if err != nil {
		return "", err
	}
	in, err := c.isMember(ctx, op, gdn, e.DN)
	if err != nil {
		return "", err
	}
	switch {
	case add && in:
		return domain.AlreadyPresent, nil
	case !add && !in:
		return domain.WasAbsent, nil
	}
	m := ldap.NewModifyRequest(gdn, nil)
	if add {
		m.Add("member", []string{e.DN})
	} else {
		m.Delete("member", []string{e.DN})
	}
	err = c.modify(ctx, op, m)
	switch code := ldapCode(err); {
	case err == nil && add:
		return domain.Added, nil
	case err == nil:
		return domain.Removed, nil
	case add && (code == ldap.LDAPResultEntryAlreadyExists || code == ldap.LDAPResultAttributeOrValueExists):
		return domain.AlreadyPresent, nil // a concurrent add, or ours before a drop
	case !add && (code == ldap.LDAPResultUnwillingToPerform || code == ldap.LDAPResultNoSuchAttribute):
		return domain.WasAbsent, nil
	}
	return "", err
}

// implied maps each admin group to the admin groups it is itself a
// (nested) member of: Domain Admins is in Administrators by default, so a
// Domain Admin is reported once, as a Domain Admin. Cached for 5 minutes.
func (c *Client) implied(ctx context.Context) (map[string][]string, error) {
	c.impMu.Lock()
	defer c.impMu.Unlock()
	if c.imp != nil && time.Since(c.impAt) < 5*time.Minute {
		return c.imp, nil
	}
	imp := map[string][]string{}
	for _, g := range append(slices.Clone(PrivilegedGroups), c.o.AdminGroups...) {
		dn, err := c.groupDN(ctx, "list admin roles", g)
		if directory.IsNotFound(err) {
			continue // Enterprise/Schema Admins exist only in a forest root domain
		}
		if err != nil {
			return nil, err
		}
		parents, err := c.groupsOf(ctx, "list admin roles", dn, true)
		if err != nil {
			return nil, err
		}
		imp[strings.ToLower(g)] = parents
	}
	c.imp, c.impAt = imp, time.Now()
	return imp, nil
}

// ListAdminRoles lists the admin groups the account is in, directly or
// through a nested group (ID "nested": jml cannot remove that one itself),
// leaving out those only implied by another admin group it holds.
func (c *Client) ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error) {
	e, err := c.byID(ctx, "list admin roles", id)
	if err != nil {
		return nil, err
	}
	direct, err := c.groupsOf(ctx, "list admin roles", e.DN, false)
	if err != nil {
		return nil, err
	}
	chain, err := c.groupsOf(ctx, "list admin roles", e.DN, true)
	if err != nil {
		return nil, err
	}
	imp, err := c.implied(ctx)
	if err != nil {
		return nil, err
	}
	held := slices.DeleteFunc(slices.Clone(chain), func(g string) bool { return !c.isAdminGroup(g) })
	impliedBy := map[string]bool{}
	for _, g := range held {
		for _, p := range imp[strings.ToLower(g)] {
			impliedBy[strings.ToLower(p)] = true
		}
	}
	var out []domain.RoleAssignment
	for _, g := range held {
		isDirect := slices.ContainsFunc(direct, func(d string) bool { return strings.EqualFold(d, g) })
		switch {
		case isDirect:
			out = append(out, domain.RoleAssignment{Role: g})
		case !impliedBy[strings.ToLower(g)]:
			out = append(out, domain.RoleAssignment{ID: "nested", Role: g})
		}
	}
	return out, nil
}

// GrantAdminRole adds the account to the admin group; AD holds it with no
// expiry, so jml's durable timer revokes it.
func (c *Client) GrantAdminRole(ctx context.Context, id, role string, _ time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	o, err := c.AddToGroup(ctx, id, role)
	if err != nil {
		return domain.RoleAssignment{}, "", err
	}
	return domain.RoleAssignment{Role: role}, o, nil
}

// RevokeAdminRole removes the direct membership; a membership held only
// through a nested group is a permanent error naming what to do.
func (c *Client) RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error) {
	o, err := c.RemoveFromGroup(ctx, id, role)
	if err != nil || o != domain.WasAbsent {
		return o, err
	}
	roles, err := c.ListAdminRoles(ctx, id)
	if err != nil {
		return "", err
	}
	for _, r := range roles {
		if strings.EqualFold(r.Role, role) && r.ID == "nested" {
			return "", &directory.Error{System: System, Op: "revoke admin role", Kind: directory.KindPermanent,
				Message: role + " is held through a nested group; remove that group membership in AD"}
		}
	}
	return domain.WasAbsent, nil
}

// PrivilegedMembers lists every user account in each admin group,
// nested memberships included (paged: a forest can have many), marking the
// configured break-glass accounts.
func (c *Client) PrivilegedMembers(ctx context.Context) ([]directory.PrivilegedMember, error) {
	var out []directory.PrivilegedMember
	for _, g := range PrivilegedGroups {
		dn, err := c.groupDN(ctx, "list privileged members", g)
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		es, err := c.searchAll(ctx, "list privileged members", c.o.BaseDN, ldap.ScopeWholeSubtree,
			"(&"+filterUser+"(memberOf:"+inChain+":="+ldap.EscapeFilter(dn)+"))", userAttrs)
		if err != nil {
			return nil, err
		}
		direct, err := c.searchAll(ctx, "list privileged members", c.o.BaseDN, ldap.ScopeWholeSubtree,
			"(&"+filterUser+"(memberOf="+ldap.EscapeFilter(dn)+"))", []string{"cn"})
		if err != nil {
			return nil, err
		}
		isDirect := map[string]bool{}
		for _, e := range direct {
			isDirect[strings.ToLower(e.DN)] = true
		}
		for _, e := range es {
			a := account(e)
			sam := e.GetAttributeValue("sAMAccountName")
			bg := slices.ContainsFunc(c.o.BreakGlass, func(b string) bool { return strings.EqualFold(b, sam) })
			out = append(out, directory.PrivilegedMember{Group: g, Account: sam, ID: a.ID, EmployeeID: a.EmployeeID, Enabled: a.Enabled, BreakGlass: bg,
				Nested: !isDirect[strings.ToLower(e.DN)]})
		}
	}
	return out, nil
}

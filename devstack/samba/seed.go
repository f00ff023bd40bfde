package samba

import (
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// The demo domain's OUs: where jml creates joiners, where leavers go, and
// where the catalog's groups live.
var (
	UsersOU    = "OU=Staff," + BaseDN
	DisabledOU = "OU=Disabled Users," + BaseDN
	GroupsOU   = "OU=Groups," + BaseDN
)

// BreakGlass are the demo's two break-glass accounts: standing Domain
// Admins by design, the only ones the KPI report does not count.
var BreakGlass = []string{"breakglass-1", "breakglass-2"}

// Seeded tells a test what Seed wrote.
type Seeded struct {
	// DN and SAM of each employee's account, by employee id.
	DN, SAM map[string]string
	// StandingAdmins are employee ids seeded as permanent Domain Admins
	// outside the break-glass list (the finding the KPI report must show).
	StandingAdmins []string
}

// SAMFor is the demo's sAMAccountName for an employee: initial, family
// name and the employee number ("alovelace1"), at most 20 characters.
func SAMFor(e demoorg.Record) string {
	n := strings.TrimLeft(strings.TrimPrefix(e.EmployeeID, "E"), "0")
	base := strings.ToLower(e.GivenName[:1] + strings.NewReplacer("-", "", " ", "", "'", "").Replace(e.FamilyName))
	if len(base)+len(n) > 20 {
		base = base[:20-len(n)]
	}
	return base + n
}

// Seed writes the demo organisation into the DC: the OUs, the catalog's
// groups, every employee (enabled, with manager DN and group memberships),
// a standing Domain Admin outside the break-glass list (the first employee
// with a standing admin role) and the two break-glass accounts.
func Seed(dc *DC, org demoorg.Org) (Seeded, error) {
	c, err := dc.Dial()
	if err != nil {
		return Seeded{}, err
	}
	defer c.Close()
	s := Seeded{DN: map[string]string{}, SAM: map[string]string{}}
	for _, ou := range []string{UsersOU, DisabledOU, GroupsOU} {
		r := ldap.NewAddRequest(ou, nil)
		r.Attribute("objectClass", []string{"top", "organizationalUnit"})
		if err := c.Add(r); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
			return s, fmt.Errorf("samba seed: add %s: %w", ou, err)
		}
	}
	members := map[string][]string{}
	for _, g := range org.Groups {
		if err := addGroup(c, g); err != nil {
			return s, err
		}
	}
	for _, e := range org.Employees {
		sam := SAMFor(e.Record)
		dn := fmt.Sprintf("CN=%s,%s", ldap.EscapeDN(e.GivenName+" "+e.FamilyName+" ("+sam+")"), UsersOU)
		r := ldap.NewAddRequest(dn, nil)
		r.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		r.Attribute("sAMAccountName", []string{sam})
		r.Attribute("userPrincipalName", []string{e.Email})
		r.Attribute("mail", []string{e.Email})
		r.Attribute("givenName", []string{e.GivenName})
		r.Attribute("sn", []string{e.FamilyName})
		r.Attribute("displayName", []string{e.GivenName + " " + e.FamilyName})
		r.Attribute("employeeID", []string{e.EmployeeID})
		r.Attribute("department", []string{e.Department})
		r.Attribute("title", []string{e.Title})
		// Enabled (NORMAL_ACCOUNT) with no password set yet, which
		// PASSWD_NOTREQD allows: hashing 500 passwords would cost the
		// seed seconds and no test signs in as a seeded user.
		r.Attribute("userAccountControl", []string{"544"})
		if m := s.DN[e.ManagerEmployeeID]; m != "" {
			r.Attribute("manager", []string{m})
		}
		if err := c.Add(r); err != nil {
			return s, fmt.Errorf("samba seed: add user %s: %w", e.EmployeeID, err)
		}
		s.DN[e.EmployeeID], s.SAM[e.EmployeeID] = dn, sam
		for _, g := range e.Groups {
			members[g] = append(members[g], dn)
		}
		if len(e.AdminRoles) > 0 && len(s.StandingAdmins) == 0 {
			s.StandingAdmins = append(s.StandingAdmins, e.EmployeeID)
			members["Domain Admins"] = append(members["Domain Admins"], dn)
		}
	}
	for _, bg := range BreakGlass {
		dn := fmt.Sprintf("CN=%s,CN=Users,%s", bg, BaseDN)
		r := ldap.NewAddRequest(dn, nil)
		r.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		r.Attribute("sAMAccountName", []string{bg})
		r.Attribute("description", []string{"break-glass account (sealed credentials)"})
		r.Attribute("userAccountControl", []string{"544"})
		if err := c.Add(r); err != nil {
			return s, fmt.Errorf("samba seed: add %s: %w", bg, err)
		}
		members["Domain Admins"] = append(members["Domain Admins"], dn)
	}
	for g, dns := range members {
		gdn := GroupsOU
		if g == "Domain Admins" {
			gdn = "CN=Users," + BaseDN
		}
		gdn = fmt.Sprintf("CN=%s,%s", ldap.EscapeDN(g), gdn)
		for i := 0; i < len(dns); i += 500 {
			m := ldap.NewModifyRequest(gdn, nil)
			m.Add("member", dns[i:min(i+500, len(dns))])
			if err := c.Modify(m); err != nil {
				return s, fmt.Errorf("samba seed: members of %s: %w", g, err)
			}
		}
	}
	return s, nil
}

// addGroup creates a global security group in the groups OU.
func addGroup(c *ldap.Conn, name string) error {
	r := ldap.NewAddRequest(fmt.Sprintf("CN=%s,%s", ldap.EscapeDN(name), GroupsOU), nil)
	r.Attribute("objectClass", []string{"top", "group"})
	r.Attribute("sAMAccountName", []string{name})
	r.Attribute("groupType", []string{"-2147483646"}) // global, security
	if err := c.Add(r); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return fmt.Errorf("samba seed: add group %s: %w", name, err)
	}
	return nil
}

// AddGroups creates more groups in the groups OU (a test's catalog).
func AddGroups(dc *DC, names ...string) error {
	c, err := dc.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	for _, n := range names {
		if err := addGroup(c, n); err != nil {
			return err
		}
	}
	return nil
}

// AddBulkUsers adds n disabled users named prefix-00001... under ou (which
// it creates), for paging tests.
func AddBulkUsers(dc *DC, ou, prefix string, n int) error {
	c, err := dc.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	r := ldap.NewAddRequest(ou, nil)
	r.Attribute("objectClass", []string{"top", "organizationalUnit"})
	if err := c.Add(r); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultEntryAlreadyExists) {
		return err
	}
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("%s-%05d", prefix, i)
		r := ldap.NewAddRequest("CN="+name+","+ou, nil)
		r.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		r.Attribute("sAMAccountName", []string{name})
		r.Attribute("employeeID", []string{name})
		r.Attribute("userAccountControl", []string{"546"}) // disabled
		if err := c.Add(r); err != nil {
			return fmt.Errorf("samba: add %s: %w", name, err)
		}
	}
	return nil
}

package graphemu

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// LDAPSource reads users from a real Active Directory over LDAPS, as Entra
// Connect's AD connector does: a paged subtree search of the domain for
// user objects (not the critical system ones: Administrator, krbtgt,
// Guest), with the attributes its default rules flow to Entra.
type LDAPSource struct {
	URL      string // ldaps://127.0.0.1:636
	BindDN   string // Administrator@DEMO.JML.TEST or a DN
	Password string
	BaseDN   string // DC=demo,DC=jml,DC=test
	TLS      *tls.Config
	Timeout  time.Duration // per connection; 0 means 30s
}

var sourceAttributes = []string{"objectGUID", "sAMAccountName", "distinguishedName", "userPrincipalName", "displayName",
	"givenName", "sn", "mail", "employeeID", "employeeType", "department", "title", "physicalDeliveryOfficeName",
	"company", "c", "userAccountControl", "manager"}

// uacAccountDisable is userAccountControl's ACCOUNTDISABLE bit.
const uacAccountDisable = 0x2

// SyncUsers reads every user object (computers excluded) of the domain.
func (s LDAPSource) SyncUsers(ctx context.Context) ([]SourceUser, error) {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	conn, err := ldap.DialURL(s.URL, ldap.DialWithTLSConfig(s.TLS), ldap.DialWithDialer(&net.Dialer{Timeout: timeout}))
	if err != nil {
		return nil, fmt.Errorf("entra connect: dial %s: %w", s.URL, err)
	}
	defer conn.Close()
	conn.SetTimeout(timeout)
	if err := conn.Bind(s.BindDN, s.Password); err != nil {
		return nil, fmt.Errorf("entra connect: bind as %s: %w", s.BindDN, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := ldap.NewSearchRequest(s.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		"(&(objectCategory=person)(objectClass=user)(!(isCriticalSystemObject=TRUE)))", sourceAttributes, nil)
	res, err := conn.SearchWithPaging(req, 500)
	if err != nil {
		return nil, fmt.Errorf("entra connect: search %s: %w", s.BaseDN, err)
	}
	anchorOf := map[string]string{} // DN (lower case) -> anchor, for managers
	out := make([]SourceUser, 0, len(res.Entries))
	managers := make([]string, 0, len(res.Entries))
	for _, e := range res.Entries {
		guid := e.GetRawAttributeValue("objectGUID")
		if len(guid) == 0 {
			continue
		}
		uac, _ := strconv.ParseInt(e.GetAttributeValue("userAccountControl"), 10, 64)
		u := SourceUser{
			ImmutableID:       base64.StdEncoding.EncodeToString(guid),
			SamAccountName:    e.GetAttributeValue("sAMAccountName"),
			DistinguishedName: e.DN,
			UserPrincipalName: e.GetAttributeValue("userPrincipalName"),
			DisplayName:       e.GetAttributeValue("displayName"),
			GivenName:         e.GetAttributeValue("givenName"),
			Surname:           e.GetAttributeValue("sn"),
			Mail:              e.GetAttributeValue("mail"),
			EmployeeID:        e.GetAttributeValue("employeeID"),
			EmployeeType:      e.GetAttributeValue("employeeType"),
			Department:        e.GetAttributeValue("department"),
			JobTitle:          e.GetAttributeValue("title"),
			OfficeLocation:    e.GetAttributeValue("physicalDeliveryOfficeName"),
			CompanyName:       e.GetAttributeValue("company"),
			UsageLocation:     e.GetAttributeValue("c"),
			Enabled:           uac&uacAccountDisable == 0,
		}
		if u.DisplayName == "" {
			u.DisplayName = strings.TrimSpace(u.GivenName + " " + u.Surname)
		}
		if u.DisplayName == "" {
			u.DisplayName = u.SamAccountName
		}
		anchorOf[strings.ToLower(e.DN)] = u.ImmutableID
		out = append(out, u)
		managers = append(managers, strings.ToLower(e.GetAttributeValue("manager")))
	}
	for i := range out {
		out[i].ManagerImmutableID = anchorOf[managers[i]]
	}
	return out, nil
}

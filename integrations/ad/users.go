package ad

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/go-ldap/ldap/v3"
	utf16enc "golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// userAccountControl flags.
const (
	uacDisabled = 0x2
	uacNormal   = 0x200
	filterUser  = "(&(objectCategory=person)(objectClass=user))"
	maxSAM      = 20 // sAMAccountName's limit (pre-Windows 2000 logon name)
)

var userAttrs = []string{"objectGUID", "sAMAccountName", "userPrincipalName", "employeeID", "userAccountControl",
	"department", "title", "manager", "givenName", "sn", "displayName", "mail", "physicalDeliveryOfficeName", "pwdLastSet", "description"}

// guidString renders objectGUID as AD writes it (the first three groups
// little-endian), which is also what <GUID=...> accepts.
func guidString(b []byte) string {
	if len(b) != 16 {
		return ""
	}
	return fmt.Sprintf("%08x-%04x-%04x-%x-%x", binary.LittleEndian.Uint32(b[0:4]), binary.LittleEndian.Uint16(b[4:6]),
		binary.LittleEndian.Uint16(b[6:8]), b[8:10], b[10:16])
}

func account(e *ldap.Entry) domain.Account {
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	a := domain.Account{
		ID:         guidString(e.GetRawAttributeValue("objectGUID")),
		Login:      e.GetAttributeValue("userPrincipalName"),
		EmployeeID: e.GetAttributeValue("employeeID"),
		Enabled:    uac&uacDisabled == 0,
		Status:     "enabled",
		Department: e.GetAttributeValue("department"),
		Title:      e.GetAttributeValue("title"),
	}
	if a.Login == "" {
		a.Login = e.GetAttributeValue("sAMAccountName")
	}
	if !a.Enabled {
		a.Status = "disabled"
	}
	return a
}

// byID reads the user with that objectGUID, wherever it is now.
func (c *Client) byID(ctx context.Context, op, id string, attrs ...string) (*ldap.Entry, error) {
	if id == "" {
		return nil, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "account id (objectGUID) is empty"}
	}
	es, err := c.searchAll(ctx, op, "<GUID="+id+">", ldap.ScopeBaseObject, filterUser, append(userAttrs, attrs...))
	if directory.IsNotFound(err) || (err == nil && len(es) == 0) {
		return nil, directory.NotFound(System, op, "user "+id)
	}
	if err != nil {
		return nil, err
	}
	return es[0], nil
}

func (c *Client) findOne(ctx context.Context, op, filter string) (*ldap.Entry, error) {
	es, err := c.searchAll(ctx, op, c.o.BaseDN, ldap.ScopeWholeSubtree, "(&"+filterUser+filter+")", userAttrs)
	if err != nil {
		return nil, err
	}
	switch len(es) {
	case 0:
		return nil, nil
	case 1:
		return es[0], nil
	}
	return nil, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent,
		Message: fmt.Sprintf("%d accounts match %s; resolve the duplicate in AD", len(es), filter)}
}

// FindUser looks the user up by employeeID, then by userPrincipalName, then
// by sAMAccountName (the email's local part), never taking an account that
// belongs to another employee id.
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	if employeeID != "" {
		e, err := c.findOne(ctx, "find user", "(employeeID="+ldap.EscapeFilter(employeeID)+")")
		if err != nil || e != nil {
			return accountOrErr(e, err)
		}
	}
	if email != "" {
		filters := []string{"(userPrincipalName=" + ldap.EscapeFilter(email) + ")"}
		if local, _, ok := strings.Cut(email, "@"); ok && len(local) <= maxSAM {
			filters = append(filters, "(sAMAccountName="+ldap.EscapeFilter(local)+")")
		}
		for _, f := range filters {
			e, err := c.findOne(ctx, "find user", f)
			if err != nil {
				return domain.Account{}, err
			}
			if e != nil {
				if id := e.GetAttributeValue("employeeID"); id != "" && employeeID != "" && id != employeeID {
					continue // someone else's account with that name
				}
				return account(e), nil
			}
		}
	}
	return domain.Account{}, directory.NotFound(System, "find user", "user of employee "+employeeID)
}

func accountOrErr(e *ldap.Entry, err error) (domain.Account, error) {
	if err != nil {
		return domain.Account{}, err
	}
	return account(e), nil
}

// profile is the attributes jml writes from HR.
func profile(p domain.Person) map[string]string {
	display := p.DisplayName
	if display == "" {
		display = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	}
	return map[string]string{
		"givenName": p.GivenName, "sn": p.FamilyName, "displayName": display, "mail": p.Email,
		"department": p.Department, "title": p.Title, "physicalDeliveryOfficeName": p.Location,
	}
}

// CreateUser finds the account first; otherwise creates it in the users OU
// with a unique sAMAccountName, a random password nobody sees (jml never
// logs or returns it) and "must change at next logon" (pwdLastSet=0).
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	if a, err := c.FindUser(ctx, p.EmployeeID, p.Email); err == nil {
		return a, domain.AlreadyExisted, nil
	} else if !directory.IsNotFound(err) {
		return domain.Account{}, "", err
	}
	sam, err := c.uniqueSAM(ctx, p)
	if err != nil {
		return domain.Account{}, "", err
	}
	prof := profile(p)
	pw, err := randomPassword()
	if err != nil {
		return domain.Account{}, "", err
	}
	uac := uacNormal
	if !enabled {
		uac |= uacDisabled
	}
	for i, cn := range []string{prof["displayName"], prof["displayName"] + " (" + sam + ")"} {
		req := ldap.NewAddRequest("CN="+ldap.EscapeDN(cn)+","+c.o.UsersOU, nil)
		req.Attribute("objectClass", []string{"top", "person", "organizationalPerson", "user"})
		req.Attribute("sAMAccountName", []string{sam})
		req.Attribute("userPrincipalName", []string{p.Email})
		req.Attribute("employeeID", []string{p.EmployeeID})
		for k, v := range prof {
			if v != "" {
				req.Attribute(k, []string{v})
			}
		}
		req.Attribute("unicodePwd", []string{pw})
		req.Attribute("userAccountControl", []string{strconv.Itoa(uac)})
		req.Attribute("pwdLastSet", []string{"0"})
		err = c.do(ctx, "create user", false, func(conn *ldap.Conn) error { return conn.Add(req) })
		if err == nil {
			break
		}
		if i == 0 && ldapCode(err) == ldap.LDAPResultEntryAlreadyExists {
			continue // another person of that name in the OU: the CN takes the sAMAccountName
		}
		if ldapCode(err) == ldap.LDAPResultEntryAlreadyExists || isTransient(err) {
			// A retry after a dropped connection may find its own add.
			if a, ferr := c.FindUser(ctx, p.EmployeeID, ""); ferr == nil {
				return a, domain.AlreadyExisted, nil
			}
		}
		return domain.Account{}, "", err
	}
	a, err := c.FindUser(ctx, p.EmployeeID, "")
	if err != nil {
		return domain.Account{}, "", err
	}
	return a, domain.Created, nil
}

// SAMBase is the sAMAccountName jml derives for a person: first initial and
// family name, ASCII letters and digits only, lower case, at most 20.
func SAMBase(p domain.Person) string {
	clean := func(s string) string {
		var b strings.Builder
		for _, r := range norm.NFKD.String(s) {
			r = unicode.ToLower(r)
			if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	g, f := clean(p.GivenName), clean(p.FamilyName)
	base := f
	if g != "" {
		base = g[:1] + f
	}
	if base == "" {
		base = "user" + clean(p.EmployeeID)
	}
	if len(base) > maxSAM {
		base = base[:maxSAM]
	}
	return base
}

// uniqueSAM is SAMBase, or SAMBase with the lowest number 2, 3, ... that no
// account holds, cut so the whole stays within 20 characters.
func (c *Client) uniqueSAM(ctx context.Context, p domain.Person) (string, error) {
	base := SAMBase(p)
	es, err := c.searchAll(ctx, "create user", c.o.BaseDN, ldap.ScopeWholeSubtree,
		"(sAMAccountName="+ldap.EscapeFilter(base[:min(len(base), maxSAM-3)])+"*)", []string{"sAMAccountName"})
	if err != nil {
		return "", err
	}
	taken := map[string]bool{}
	for _, e := range es {
		taken[strings.ToLower(e.GetAttributeValue("sAMAccountName"))] = true
	}
	for n := 1; n < 100000; n++ {
		cand := base
		if n > 1 {
			suffix := strconv.Itoa(n)
			cand = base[:min(len(base), maxSAM-len(suffix))] + suffix
		}
		if !taken[cand] {
			return cand, nil
		}
	}
	return "", &directory.Error{System: System, Op: "create user", Kind: directory.KindPermanent, Message: "no free sAMAccountName for " + base}
}

// UpdateProfile writes the HR attributes that differ.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	e, err := c.byID(ctx, "update user", id)
	if err != nil {
		return "", err
	}
	m := ldap.NewModifyRequest(e.DN, nil)
	n := 0
	for k, v := range profile(p) {
		cur := e.GetAttributeValue(k)
		switch {
		case v == cur:
		case v == "":
			m.Delete(k, nil)
			n++
		default:
			m.Replace(k, []string{v})
			n++
		}
	}
	if n == 0 {
		return domain.Unchanged, nil
	}
	if err := c.modify(ctx, "update user", m); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// SetManager writes the manager's DN.
func (c *Client) SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error) {
	e, err := c.byID(ctx, "set manager", id)
	if err != nil {
		return "", err
	}
	m, err := c.byID(ctx, "set manager", managerID)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(e.GetAttributeValue("manager"), m.DN) {
		return domain.Unchanged, nil
	}
	req := ldap.NewModifyRequest(e.DN, nil)
	req.Replace("manager", []string{m.DN})
	if err := c.modify(ctx, "set manager", req); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// Disable sets ACCOUNTDISABLE, notes jml, the date and the workflow id in
// description, and moves the account to the disabled OU. Each part is
// checked first, so a retry finishes what a dropped connection cut short.
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	e, err := c.byID(ctx, "disable", id)
	if err != nil {
		return "", err
	}
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	outcome := domain.AlreadyDisabled
	if uac&uacDisabled == 0 {
		outcome = domain.Disabled
	}
	desc := e.GetAttributeValue("description")
	if outcome == domain.Disabled || !strings.HasPrefix(desc, "Disabled by jml") {
		desc = fmt.Sprintf("Disabled by jml on %s", c.o.Now().UTC().Format("2006-01-02"))
		if wf := directory.WorkflowID(ctx); wf != "" {
			desc += ", workflow " + wf
		}
		m := ldap.NewModifyRequest(e.DN, nil)
		m.Replace("userAccountControl", []string{strconv.Itoa(uac | uacDisabled)})
		m.Replace("description", []string{desc})
		if err := c.modify(ctx, "disable", m); err != nil {
			return "", err
		}
	}
	if err := c.moveTo(ctx, "disable", e, c.o.DisabledOU); err != nil {
		return "", err
	}
	return outcome, nil
}

// Enable clears ACCOUNTDISABLE and brings a rehire back to the users OU.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	e, err := c.byID(ctx, "enable", id)
	if err != nil {
		return "", err
	}
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	outcome := domain.AlreadyEnabled
	if uac&uacDisabled != 0 {
		m := ldap.NewModifyRequest(e.DN, nil)
		m.Replace("userAccountControl", []string{strconv.Itoa(uac &^ uacDisabled)})
		if err := c.modify(ctx, "enable", m); err != nil {
			return "", err
		}
		outcome = domain.Enabled
	}
	if under(e.DN, c.o.DisabledOU) {
		if err := c.moveTo(ctx, "enable", e, c.o.UsersOU); err != nil {
			return "", err
		}
	}
	return outcome, nil
}

// moveTo moves the entry under ou unless it is there already.
func (c *Client) moveTo(ctx context.Context, op string, e *ldap.Entry, ou string) error {
	if under(e.DN, ou) {
		return nil
	}
	dn, err := ldap.ParseDN(e.DN)
	if err != nil || len(dn.RDNs) == 0 {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "cannot parse DN of the account"}
	}
	rdn := dn.RDNs[0].String()
	return c.do(ctx, op, false, func(conn *ldap.Conn) error {
		return conn.ModifyDN(ldap.NewModifyDNRequest(e.DN, rdn, true, ou))
	})
}

// under reports whether dn is directly or indirectly below ou.
func under(dn, ou string) bool {
	p, err1 := ldap.ParseDN(dn)
	o, err2 := ldap.ParseDN(ou)
	if err1 != nil || err2 != nil {
		return false
	}
	return o.AncestorOfFold(p)
}

// RevokeSessions scrambles the password twice: AD keeps the previous
// password's hash usable for NTLM and cached logons for a while (the
// "n-1" password), so one reset is not enough. Neither value is kept.
func (c *Client) RevokeSessions(ctx context.Context, id string) (domain.Outcome, error) {
	e, err := c.byID(ctx, "scramble password", id)
	if err != nil {
		return "", err
	}
	for i := 0; i < 2; i++ {
		pw, err := randomPassword()
		if err != nil {
			return "", err
		}
		m := ldap.NewModifyRequest(e.DN, nil)
		m.Replace("unicodePwd", []string{pw})
		if err := c.modify(ctx, "scramble password", m); err != nil {
			return "", err
		}
	}
	return domain.Revoked, nil
}

// SessionsRevokedSince reads the scramble back: pwdLastSet at or after since
// (so every password from before is gone) and the account disabled.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, since time.Time) (bool, string, error) {
	e, err := c.byID(ctx, "verify scramble", id)
	if err != nil {
		return false, "", err
	}
	set := fileTime(e.GetAttributeValue("pwdLastSet"))
	uac, _ := strconv.Atoi(e.GetAttributeValue("userAccountControl"))
	ev := fmt.Sprintf("pwdLastSet %s, userAccountControl %d", set.UTC().Format(time.RFC3339), uac)
	// pwdLastSet has 100 ns resolution but a DC's clock may trail ours by
	// a little: a second of grace.
	return uac&uacDisabled != 0 && !set.Before(since.Add(-time.Second)), ev, nil
}

// fileTime converts AD's 100-ns intervals since 1601 to a time.
func fileTime(s string) time.Time {
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil || v <= 0 {
		return time.Time{}
	}
	const epochDiff = 116444736000000000 // 1601-01-01 to 1970-01-01 in 100 ns
	return time.Unix(0, (v-epochDiff)*100)
}

// randomPassword is 24 random characters from every class AD's complexity
// rule counts, encoded as unicodePwd wants: UTF-16LE inside quotes.
func randomPassword() (string, error) {
	const (
		lower = "abcdefghijkmnopqrstuvwxyz"
		upper = "ABCDEFGHJKLMNPQRSTUVWXYZ"
		digit = "23456789"
		sym   = "!#%+-.=?@_"
	)
	classes := []string{lower, upper, digit, sym}
	all := lower + upper + digit + sym
	b := make([]byte, 24)
	for i := range b {
		set := all
		if i < len(classes) {
			set = classes[i]
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return "", err
		}
		b[i] = set[n.Int64()]
	}
	enc, err := utf16enc.UTF16(utf16enc.LittleEndian, utf16enc.IgnoreBOM).NewEncoder().String(`"` + string(b) + `"`)
	if err != nil {
		return "", err
	}
	return enc, nil
}

// Users lists every user account under base (the base DN when empty), in
// pages.
func (c *Client) Users(ctx context.Context, base string) ([]domain.Account, error) {
	if base == "" {
		base = c.o.BaseDN
	}
	es, err := c.searchAll(ctx, "list users", base, ldap.ScopeWholeSubtree, filterUser, userAttrs)
	if err != nil {
		return nil, err
	}
	out := make([]domain.Account, len(es))
	for i, e := range es {
		out[i] = account(e)
	}
	return out, nil
}

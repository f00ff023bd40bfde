package entra

import (
	"context"
	"crypto/rand"
	"math/big"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var userSelect = []string{"id", "userPrincipalName", "displayName", "givenName", "surname", "employeeId", "employeeType",
	"accountEnabled", "department", "jobTitle", "officeLocation", "usageLocation", "employeeOrgData", "onPremisesSyncEnabled"}

// quote renders an OData string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func toAccount(u models.Userable) domain.Account {
	a := domain.Account{
		ID: str(u.GetId()), Login: str(u.GetUserPrincipalName()), EmployeeID: str(u.GetEmployeeId()),
		Department: str(u.GetDepartment()), Title: str(u.GetJobTitle()),
	}
	if e := u.GetAccountEnabled(); e != nil && *e {
		a.Enabled, a.Status = true, "enabled"
	} else {
		a.Status = "disabled"
	}
	if m := u.GetManager(); m != nil {
		a.ManagerID = str(m.GetId())
	}
	a.OnPremisesSynced = synced(u)
	return a
}

// findOne returns the first user matching filter, or nil.
func (c *Client) findOne(ctx context.Context, filter string) (models.Userable, error) {
	top := int32(1)
	resp, err := c.graph.Users().Get(ctx, &users.UsersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UsersRequestBuilderGetQueryParameters{Filter: &filter, Top: &top, Select: userSelect, Expand: []string{"manager($select=id)"}},
	})
	if err != nil {
		return nil, err
	}
	if v := resp.GetValue(); len(v) > 0 {
		return v[0], nil
	}
	return nil, nil
}

// FindUser looks the user up by employeeId, then by userPrincipalName.
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	const op = "find_user"
	if employeeID != "" {
		u, err := c.findOne(ctx, "employeeId eq "+quote(employeeID))
		if err != nil {
			return domain.Account{}, c.fail(op, err)
		}
		if u != nil {
			return toAccount(u), nil
		}
	}
	if email != "" {
		u, err := c.findOne(ctx, "userPrincipalName eq "+quote(email))
		if err != nil {
			return domain.Account{}, c.fail(op, err)
		}
		if u != nil {
			return toAccount(u), nil
		}
	}
	return domain.Account{}, directory.NotFound(System, op, "user")
}

func (c *Client) getUser(ctx context.Context, id string) (models.Userable, error) {
	return c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: append(userSelect, "assignedLicenses")},
	})
}

// CreateUser finds the account by employeeId, then UPN, and only creates it
// when neither matches. The initial password is random, forced to change at
// first sign-in, and never logged or returned.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	const op = "create_user"
	if acc, err := c.FindUser(ctx, p.EmployeeID, p.Email); err == nil {
		return acc, domain.AlreadyExisted, nil
	} else if !directory.IsNotFound(err) {
		return domain.Account{}, "", err
	}
	if p.Email == "" {
		return domain.Account{}, "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "person has no email (userPrincipalName)"}
	}
	pw, err := newPassword()
	if err != nil {
		return domain.Account{}, "", &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Message: "cannot generate a password"}
	}
	u := models.NewUser()
	u.SetAccountEnabled(&enabled)
	name := displayName(p)
	u.SetDisplayName(&name)
	nick := mailNickname(p.Email)
	u.SetMailNickname(&nick)
	u.SetUserPrincipalName(&p.Email)
	setProfile(u, p)
	pp := models.NewPasswordProfile()
	force := true
	pp.SetPassword(&pw)
	pp.SetForceChangePasswordNextSignIn(&force)
	u.SetPasswordProfile(pp)
	created, err := c.graph.Users().Post(ctx, u, nil)
	pw = ""
	if err != nil {
		ce := c.fail(op, err)
		// a concurrent create won the race: report the existing account
		if acc, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
			return acc, domain.AlreadyExisted, nil
		}
		return domain.Account{}, "", ce
	}
	return toAccount(created), domain.Created, nil
}

// setProfile copies the HR-derived fields that are set (never blanks).
func setProfile(u models.Userable, p domain.Person) {
	set := func(v string, f func(*string)) {
		if v != "" {
			f(&v)
		}
	}
	set(p.GivenName, u.SetGivenName)
	set(p.FamilyName, u.SetSurname)
	set(p.EmployeeID, u.SetEmployeeId)
	set(p.Department, u.SetDepartment)
	set(p.Title, u.SetJobTitle)
	set(p.Location, u.SetOfficeLocation)
	set(p.UsageLocation, u.SetUsageLocation)
	set(employeeType(p.EmploymentType), u.SetEmployeeType)
	if p.CostCenter != "" {
		u.SetEmployeeOrgData(orgData(p.CostCenter))
	}
}

// displayName is the person's display name, else given and family names.
func displayName(p domain.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// orgData carries the cost centre, the one employeeOrgData field jml sets.
func orgData(costCenter string) models.EmployeeOrgDataable {
	od := models.NewEmployeeOrgData()
	od.SetCostCenter(&costCenter)
	return od
}

func employeeType(t string) string {
	switch t {
	case "":
		return ""
	case "contractor":
		return "Contractor"
	case "intern":
		return "Intern"
	}
	return "Employee"
}

func mailNickname(email string) string {
	local, _, _ := strings.Cut(email, "@")
	var b strings.Builder
	for _, r := range local {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.", r)) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return "user"
	}
	return b.String()
}

const (
	pwUpper  = "ABCDEFGHJKLMNPQRSTUVWXYZ"
	pwLower  = "abcdefghijkmnopqrstuvwxyz"
	pwDigit  = "23456789"
	pwSymbol = "!@#$%^&*-_=+?"
)

// newPassword makes a 24-character password with every character class,
// from crypto/rand.
func newPassword() (string, error) {
	all := pwUpper + pwLower + pwDigit + pwSymbol
	pick := func(set string) (byte, error) {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(set))))
		if err != nil {
			return 0, err
		}
		return set[n.Int64()], nil
	}
	b := make([]byte, 24)
	for i := range b {
		set := all
		if i < 4 {
			set = []string{pwUpper, pwLower, pwDigit, pwSymbol}[i]
		}
		ch, err := pick(set)
		if err != nil {
			return "", err
		}
		b[i] = ch
	}
	for i := len(b) - 1; i > 0; i-- { // shuffle so the classes are not in a fixed place
		n, err := rand.Int(rand.Reader, big.NewInt(int64(i+1)))
		if err != nil {
			return "", err
		}
		j := n.Int64()
		b[i], b[j] = b[j], b[i]
	}
	return string(b), nil
}

// UpdateProfile patches only the fields that differ.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	const op = "update_profile"
	cur, err := c.getUser(ctx, id)
	if err != nil {
		return "", c.fail(op, err)
	}
	patch := models.NewUser()
	changed := false
	diff := func(want string, have *string, set func(*string)) {
		if want != "" && want != str(have) {
			v := want
			set(&v)
			changed = true
		}
	}
	if synced(cur) {
		// AD masters the rest: writing it would be refused (400), and the
		// sync would overwrite it anyway.
		return c.patchSyncedProfile(ctx, id, cur, p)
	}
	diff(displayName(p), cur.GetDisplayName(), patch.SetDisplayName)
	diff(p.GivenName, cur.GetGivenName(), patch.SetGivenName)
	diff(p.FamilyName, cur.GetSurname(), patch.SetSurname)
	diff(p.EmployeeID, cur.GetEmployeeId(), patch.SetEmployeeId)
	diff(p.Department, cur.GetDepartment(), patch.SetDepartment)
	diff(p.Title, cur.GetJobTitle(), patch.SetJobTitle)
	diff(p.Location, cur.GetOfficeLocation(), patch.SetOfficeLocation)
	diff(p.UsageLocation, cur.GetUsageLocation(), patch.SetUsageLocation)
	diff(employeeType(p.EmploymentType), cur.GetEmployeeType(), patch.SetEmployeeType)
	var haveCC *string
	if od := cur.GetEmployeeOrgData(); od != nil {
		haveCC = od.GetCostCenter()
	}
	if p.CostCenter != "" && p.CostCenter != str(haveCC) {
		patch.SetEmployeeOrgData(orgData(p.CostCenter))
		changed = true
	}
	if !changed {
		return domain.Unchanged, nil
	}
	if _, err := c.graph.Users().ByUserId(id).Patch(ctx, patch, nil); err != nil {
		return "", c.fail(op, err)
	}
	return domain.Updated, nil
}

// SetManager points the user's manager reference at managerID.
func (c *Client) SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error) {
	const op = "set_manager"
	cur, err := c.graph.Users().ByUserId(id).Manager().Get(ctx, nil)
	if err != nil {
		// 404: no manager yet
		if ce := c.fail(op, err); !directory.IsNotFound(ce) {
			return "", ce
		}
	} else if cur != nil && str(cur.GetId()) == managerID {
		return domain.Unchanged, nil
	}
	ref := models.NewReferenceUpdate()
	odataID := c.baseURL + "/users/" + managerID
	ref.SetOdataId(&odataID)
	if err := c.graph.Users().ByUserId(id).Manager().Ref().Put(ctx, ref, nil); err != nil {
		return "", c.fail(op, err)
	}
	return domain.Updated, nil
}

// Disable reads first so a repeat answers AlreadyDisabled.
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	return c.setEnabled(ctx, "disable", id, false)
}

// Enable reads first so a repeat answers AlreadyEnabled.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	return c.setEnabled(ctx, "enable", id, true)
}

func (c *Client) setEnabled(ctx context.Context, op, id string, enabled bool) (domain.Outcome, error) {
	cur, err := c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "accountEnabled", "onPremisesSyncEnabled"}},
	})
	if err != nil {
		return "", c.fail(op, err)
	}
	if e := cur.GetAccountEnabled(); e != nil && *e == enabled {
		if enabled {
			return domain.AlreadyEnabled, nil
		}
		return domain.AlreadyDisabled, nil
	}
	if synced(cur) {
		// accountEnabled is AD's (userAccountControl): Graph refuses it.
		return domain.MasteredOnPremises, nil
	}
	patch := models.NewUser()
	patch.SetAccountEnabled(&enabled)
	if _, err := c.graph.Users().ByUserId(id).Patch(ctx, patch, nil); err != nil {
		return "", c.fail(op, err)
	}
	if enabled {
		return domain.Enabled, nil
	}
	return domain.Disabled, nil
}

// RevokeSessions invalidates the user's refresh tokens (naturally idempotent).
func (c *Client) RevokeSessions(ctx context.Context, id string) (domain.Outcome, error) {
	if _, err := c.graph.Users().ByUserId(id).RevokeSignInSessions().PostAsRevokeSignInSessionsPostResponse(ctx, nil); err != nil {
		return "", c.fail("revoke_sessions", err)
	}
	return domain.Revoked, nil
}

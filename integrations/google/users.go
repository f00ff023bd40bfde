package google

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// The SDK types externalIds, organizations and relations as interface{};
// these are their shapes on the wire.
type externalID struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

type organization struct {
	Department string `json:"department,omitempty"`
	Title      string `json:"title,omitempty"`
	CostCenter string `json:"costCenter,omitempty"`
	Type       string `json:"type,omitempty"`
	Primary    bool   `json:"primary,omitempty"`
}

type relation struct {
	Type       string `json:"type"`
	CustomType string `json:"customType,omitempty"`
	Value      string `json:"value"`
}

type location struct {
	Type string `json:"type,omitempty"`
	Area string `json:"area,omitempty"`
}

// decode reshapes an interface{} field of the SDK into out.
func decode(v any, out any) {
	if v == nil {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		_ = json.Unmarshal(b, out)
	}
}

func employeeIDOf(u *admin.User) string {
	var ids []externalID
	decode(u.ExternalIds, &ids)
	for _, x := range ids {
		if x.Type == "organization" {
			return x.Value
		}
	}
	return ""
}

func primaryOrg(u *admin.User) organization {
	var orgs []organization
	decode(u.Organizations, &orgs)
	for _, o := range orgs {
		if o.Primary {
			return o
		}
	}
	if len(orgs) > 0 {
		return orgs[0]
	}
	return organization{}
}

func relationsOf(u *admin.User) []relation {
	var rels []relation
	decode(u.Relations, &rels)
	return rels
}

func managerOf(u *admin.User) string {
	for _, r := range relationsOf(u) {
		if r.Type == "manager" {
			return r.Value
		}
	}
	return ""
}

// toAccount maps a Google user. ManagerID is the manager's email: Google
// stores the relation by email, and every userKey accepts an email.
func toAccount(u *admin.User) domain.Account {
	o := primaryOrg(u)
	status := "ACTIVE"
	switch {
	case u.Archived:
		status = "ARCHIVED"
	case u.Suspended:
		status = "SUSPENDED"
	}
	return domain.Account{ID: u.Id, Login: u.PrimaryEmail, EmployeeID: employeeIDOf(u), Enabled: !u.Suspended && !u.Archived,
		Status: status, Department: o.Department, Title: o.Title, ManagerID: managerOf(u)}
}

func quote(v string) string {
	if strings.ContainsAny(v, " '\"") {
		return "'" + strings.ReplaceAll(v, "'", "") + "'"
	}
	return v
}

// FindUser looks the user up by employee id (externalId query), then by email.
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	if employeeID != "" {
		l, err := call(ctx, c, "find_user", func() (*admin.Users, error) {
			return c.dir.Users.List().Customer(c.customer).Query("externalId:" + quote(employeeID)).MaxResults(10).Context(ctx).Do()
		})
		if err != nil {
			return domain.Account{}, err
		}
		var hits []*admin.User
		for _, u := range l.Users {
			if employeeIDOf(u) == employeeID {
				hits = append(hits, u)
			}
		}
		switch len(hits) {
		case 1:
			return toAccount(hits[0]), nil
		case 0:
		default:
			return domain.Account{}, &directory.Error{System: system, Op: "find_user", Kind: directory.KindPermanent,
				Message: fmt.Sprintf("%d accounts carry employee id %s", len(hits), employeeID)}
		}
	}
	if email != "" {
		u, err := c.getUser(ctx, "find_user", email)
		if err == nil {
			return toAccount(u), nil
		}
		if !directory.IsNotFound(err) {
			return domain.Account{}, err
		}
	}
	return domain.Account{}, directory.NotFound(system, "find_user", "user")
}

func (c *Client) getUser(ctx context.Context, op, key string) (*admin.User, error) {
	return call(ctx, c, op, func() (*admin.User, error) { return c.dir.Users.Get(key).Context(ctx).Do() })
}

func wantOrgs(p domain.Person) []organization {
	return []organization{{Department: p.Department, Title: p.Title, CostCenter: p.CostCenter, Type: "work", Primary: true}}
}

func wantLocations(p domain.Person) []location {
	if p.Location == "" {
		return nil
	}
	return []location{{Type: "desk", Area: p.Location}}
}

// CreateUser creates the account unless it exists. An insert is not
// idempotent, so before any retry it looks the user up again.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	if acc, err := c.FindUser(ctx, p.EmployeeID, p.Email); err == nil {
		return acc, domain.AlreadyExisted, nil
	} else if !directory.IsNotFound(err) {
		return domain.Account{}, "", err
	}
	u := &admin.User{
		PrimaryEmail:  p.Email,
		Name:          &admin.UserName{GivenName: p.GivenName, FamilyName: p.FamilyName},
		Password:      randomPassword(),
		Organizations: wantOrgs(p),
		Suspended:     !enabled,
	}
	if p.EmployeeID != "" {
		u.ExternalIds = []externalID{{Type: "organization", Value: p.EmployeeID}}
	}
	if l := wantLocations(p); l != nil {
		u.Locations = l
	}
	for n := 0; ; n++ {
		got, err := c.dir.Users.Insert(u).Context(ctx).Do()
		if err == nil {
			return toAccount(got), domain.Created, nil
		}
		de := classify("create_user", err, append(c.secrets, u.Password)...)
		if de.Status == 409 {
			acc, ferr := c.FindUser(ctx, p.EmployeeID, p.Email)
			if ferr != nil {
				return domain.Account{}, "", ferr
			}
			return acc, domain.AlreadyExisted, nil
		}
		if !c.retry(ctx, de, n) {
			return domain.Account{}, "", de
		}
		// the failed insert may have landed: look before inserting again
		if acc, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
			return acc, domain.AlreadyExisted, nil
		} else if !directory.IsNotFound(ferr) {
			return domain.Account{}, "", ferr
		}
	}
}

// UpdateProfile brings name, email, employee id, organisation and location in
// line with p, sending only what differs.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "update_profile", id)
	if err != nil {
		return "", err
	}
	patch := &admin.User{}
	changed := false
	if p.Email != "" && !strings.EqualFold(p.Email, u.PrimaryEmail) {
		patch.PrimaryEmail, changed = p.Email, true
	}
	if u.Name == nil || (p.GivenName != "" && p.GivenName != u.Name.GivenName) || (p.FamilyName != "" && p.FamilyName != u.Name.FamilyName) {
		patch.Name = &admin.UserName{GivenName: p.GivenName, FamilyName: p.FamilyName}
		changed = true
	}
	if p.EmployeeID != "" && employeeIDOf(u) != p.EmployeeID {
		patch.ExternalIds, changed = []externalID{{Type: "organization", Value: p.EmployeeID}}, true
	}
	if o := primaryOrg(u); o.Department != p.Department || o.Title != p.Title || o.CostCenter != p.CostCenter {
		patch.Organizations, changed = wantOrgs(p), true
	}
	var locs []location
	decode(u.Locations, &locs)
	if p.Location != "" && (len(locs) == 0 || locs[0].Area != p.Location) {
		patch.Locations, changed = wantLocations(p), true
	}
	if !changed {
		return domain.Unchanged, nil
	}
	if _, err := call(ctx, c, "update_profile", func() (*admin.User, error) { return c.dir.Users.Update(u.Id, patch).Context(ctx).Do() }); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// SetManager sets the manager relation (by the manager's email); an empty
// managerID removes it. Other relations are kept.
func (c *Client) SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error) {
	mgr := managerID
	if mgr != "" && !strings.Contains(mgr, "@") {
		m, err := c.getUser(ctx, "set_manager", mgr)
		if err != nil {
			return "", err
		}
		mgr = m.PrimaryEmail
	}
	u, err := c.getUser(ctx, "set_manager", id)
	if err != nil {
		return "", err
	}
	if strings.EqualFold(managerOf(u), mgr) {
		return domain.Unchanged, nil
	}
	rels := []relation{}
	for _, r := range relationsOf(u) {
		if r.Type != "manager" {
			rels = append(rels, r)
		}
	}
	if mgr != "" {
		rels = append(rels, relation{Type: "manager", Value: mgr})
	}
	// an empty list must still be sent to clear the relation
	patch := &admin.User{Relations: rels, ForceSendFields: []string{"Relations"}}
	if _, err := call(ctx, c, "set_manager", func() (*admin.User, error) { return c.dir.Users.Update(u.Id, patch).Context(ctx).Do() }); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

func (c *Client) setSuspended(ctx context.Context, op, id string, suspend bool) (bool, error) {
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return false, err
	}
	if u.Suspended == suspend {
		return false, nil
	}
	// Suspended is omitempty in the SDK: force it so false is sent too.
	patch := &admin.User{Suspended: suspend, ForceSendFields: []string{"Suspended"}}
	_, err = call(ctx, c, op, func() (*admin.User, error) { return c.dir.Users.Update(u.Id, patch).Context(ctx).Do() })
	return err == nil, err
}

// Disable suspends the user.
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	changed, err := c.setSuspended(ctx, "disable", id, true)
	switch {
	case err != nil:
		return "", err
	case changed:
		return domain.Disabled, nil
	}
	return domain.AlreadyDisabled, nil
}

// Enable unsuspends the user.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	changed, err := c.setSuspended(ctx, "enable", id, false)
	switch {
	case err != nil:
		return "", err
	case changed:
		return domain.Enabled, nil
	}
	return domain.AlreadyEnabled, nil
}

// RevokeSessions signs the user out of every session and deletes every
// OAuth token the user granted to apps.
func (c *Client) RevokeSessions(ctx context.Context, id string) (domain.Outcome, error) {
	if err := c.do(ctx, "revoke_sessions", func() error { return c.dir.Users.SignOut(id).Context(ctx).Do() }); err != nil {
		return "", err
	}
	toks, err := call(ctx, c, "revoke_sessions", func() (*admin.Tokens, error) { return c.dir.Tokens.List(id).Context(ctx).Do() })
	if err != nil {
		return "", err
	}
	for _, t := range toks.Items {
		err := c.do(ctx, "revoke_sessions", func() error { return c.dir.Tokens.Delete(id, t.ClientId).Context(ctx).Do() })
		if err != nil && !directory.IsNotFound(err) {
			return "", err
		}
	}
	return domain.Revoked, nil
}

// MFAStatus reads isEnrolledIn2Sv.
func (c *Client) MFAStatus(ctx context.Context, id string) (domain.MFA, error) {
	u, err := c.getUser(ctx, "mfa_status", id)
	if err != nil {
		return domain.MFA{}, err
	}
	m := domain.MFA{Enrolled: u.IsEnrolledIn2Sv}
	if u.IsEnrolledIn2Sv {
		m.Methods = []string{"2sv"}
	}
	return m, nil
}

package scim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- resources ----

type name struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type enterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	Manager        *struct {
		Value string `json:"value"`
	} `json:"manager,omitempty"`
}

type ref struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

type email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type user struct {
	Schemas     []string    `json:"schemas,omitempty"`
	ID          string      `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        name        `json:"name"`
	DisplayName string      `json:"displayName,omitempty"`
	Title       string      `json:"title,omitempty"`
	Active      *bool       `json:"active,omitempty"`
	Emails      []email     `json:"emails,omitempty"`
	Groups      []ref       `json:"groups,omitempty"`
	Enterprise  *enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
}

type listResponse[T any] struct {
	TotalResults int `json:"totalResults"`
	StartIndex   int `json:"startIndex"`
	ItemsPerPage int `json:"itemsPerPage"`
	Resources    []T `json:"Resources"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

type patch struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

func newPatch(ops ...patchOp) patch { return patch{Schemas: []string{schemaPatchOp}, Operations: ops} }

func (u user) account() domain.Account {
	a := domain.Account{ID: u.ID, Login: u.UserName, EmployeeID: u.ExternalID, Enabled: u.Active == nil || *u.Active, Title: u.Title}
	a.Status = "active"
	if !a.Enabled {
		a.Status = "inactive"
	}
	if u.Enterprise != nil {
		a.Department = u.Enterprise.Department
		if a.EmployeeID == "" {
			a.EmployeeID = u.Enterprise.EmployeeNumber
		}
		if u.Enterprise.Manager != nil {
			a.ManagerID = u.Enterprise.Manager.Value
		}
	}
	return a
}

// quote renders a SCIM filter string literal.
func quote(s string) string {
	b, _ := json.Marshal(s) // JSON string escaping is what RFC 7644 §3.4.2.2 uses
	return string(b)
}

func (c *Client) findBy(ctx context.Context, attr, value string) (*user, error) {
	q := url.Values{"filter": {attr + " eq " + quote(value)}, "startIndex": {"1"}, "count": {"2"}}
	var lr listResponse[user]
	if err := c.call(ctx, "find_user", http.MethodGet, "/Users?"+q.Encode(), nil, &lr); err != nil {
		return nil, err
	}
	if len(lr.Resources) == 0 {
		return nil, nil
	}
	return &lr.Resources[0], nil
}

// FindUser looks the user up by externalId (employee id), then userName (email).
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	for _, by := range [...]struct{ attr, value string }{{"externalId", employeeID}, {"userName", email}} {
		if by.value == "" {
			continue
		}
		u, err := c.findBy(ctx, by.attr, by.value)
		if err != nil {
			return domain.Account{}, err
		}
		if u != nil {
			return u.account(), nil
		}
	}
	return domain.Account{}, directory.NotFound(c.Name(), "find_user", "user "+employeeID)
}

// ListUsers pages through every user (startIndex/count), calling fn for each.
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	if pageSize <= 0 {
		pageSize = 100
	}
	for start := 1; ; {
		q := url.Values{"startIndex": {fmt.Sprint(start)}, "count": {fmt.Sprint(pageSize)}}
		var lr listResponse[user]
		if err := c.call(ctx, "list_users", http.MethodGet, "/Users?"+q.Encode(), nil, &lr); err != nil {
			return err
		}
		for _, u := range lr.Resources {
			if err := fn(u.account()); err != nil {
				return err
			}
		}
		// servers may return fewer than asked for: advance by what came back
		start += len(lr.Resources)
		if len(lr.Resources) == 0 || start > lr.TotalResults {
			return nil
		}
	}
}

func (c *Client) getUser(ctx context.Context, op, id string) (user, error) {
	var u user
	err := c.call(ctx, op, http.MethodGet, "/Users/"+url.PathEscape(id), nil, &u)
	return u, err
}

// CreateUser finds the user first and creates it only when absent. The POST
// is not blindly retried: after a failed attempt the lookup runs again, so a
// create that landed but whose answer was lost is not sent twice.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	active := enabled
	in := user{
		Schemas:    []string{schemaUser, schemaEnterprise},
		ExternalID: p.EmployeeID, UserName: p.Email,
		Name:        name{GivenName: p.GivenName, FamilyName: p.FamilyName, Formatted: strings.TrimSpace(p.GivenName + " " + p.FamilyName)},
		DisplayName: displayName(p), Title: p.Title, Active: &active,
		Emails:     []email{{Value: p.Email, Type: "work", Primary: true}},
		Enterprise: &enterprise{EmployeeNumber: p.EmployeeID, Department: p.Department},
	}
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return domain.Account{}, "", werr
			}
		}
		acct, ferr := c.FindUser(ctx, p.EmployeeID, p.Email)
		if ferr == nil {
			return acct, domain.AlreadyExisted, nil
		}
		if !directory.IsNotFound(ferr) {
			return domain.Account{}, "", ferr
		}
		var out user
		err = c.send(ctx, "create_user", http.MethodPost, "/Users", in, &out)
		if err == nil {
			return out.account(), domain.Created, nil
		}
		var de *directory.Error
		if errors.As(err, &de) && de.Status == http.StatusConflict {
			// someone else created it between our lookup and POST
			if acct, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
				return acct, domain.AlreadyExisted, nil
			}
			return domain.Account{}, "", err
		}
		if !retryable(err) {
			return domain.Account{}, "", err
		}
	}
	return domain.Account{}, "", err
}

func displayName(p domain.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// UpdateProfile patches name, title and department (enterprise extension)
// when they differ.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "update_profile", id)
	if err != nil {
		return "", err
	}
	dept := ""
	if u.Enterprise != nil {
		dept = u.Enterprise.Department
	}
	var ops []patchOp
	set := func(path, have, want string) {
		if want != "" && have != want {
			ops = append(ops, patchOp{Op: "replace", Path: path, Value: want})
		}
	}
	set("name.givenName", u.Name.GivenName, p.GivenName)
	set("name.familyName", u.Name.FamilyName, p.FamilyName)
	set("displayName", u.DisplayName, displayName(p))
	set("title", u.Title, p.Title)
	set(schemaEnterprise+":department", dept, p.Department)
	if len(ops) == 0 {
		return domain.Unchanged, nil
	}
	if err := c.call(ctx, "update_profile", http.MethodPatch, "/Users/"+url.PathEscape(id), newPatch(ops...), nil); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// Disable deactivates the account: PATCH active=false, or DELETE where the
// app is configured to deprovision by deletion. An account that is not there
// is nothing to deactivate (WasAbsent).
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	if c.deleteMode {
		err := c.call(ctx, "disable", http.MethodDelete, "/Users/"+url.PathEscape(id), nil, nil)
		if directory.IsNotFound(err) {
			return domain.WasAbsent, nil
		}
		if err != nil {
			return "", err
		}
		return domain.Disabled, nil
	}
	return c.setActive(ctx, "disable", id, false)
}

// DisableFound deactivates an account FindUser has just returned, from its
// active flag: no read before the PATCH (a leaver's SCIM lane is then a
// search and one write). Delete mode deletes, as Disable does.
func (c *Client) DisableFound(ctx context.Context, acct domain.Account) (domain.Outcome, error) {
	if c.deleteMode {
		return c.Disable(ctx, acct.ID)
	}
	if !acct.Enabled {
		return domain.AlreadyDisabled, nil
	}
	err := c.call(ctx, "disable", http.MethodPatch, "/Users/"+url.PathEscape(acct.ID), newPatch(patchOp{Op: "replace", Path: "active", Value: false}), nil)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Disabled, nil
}

// Enable re-activates the account.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	return c.setActive(ctx, "enable", id, true)
}

func (c *Client) setActive(ctx context.Context, op, id string, active bool) (domain.Outcome, error) {
	u, err := c.getUser(ctx, op, id)
	if directory.IsNotFound(err) && !active {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if u.Active != nil && *u.Active == active {
		if active {
			return domain.AlreadyEnabled, nil
		}
		return domain.AlreadyDisabled, nil
	}
	err = c.call(ctx, op, http.MethodPatch, "/Users/"+url.PathEscape(id), newPatch(patchOp{Op: "replace", Path: "active", Value: active}), nil)
	if directory.IsNotFound(err) && !active {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if active {
		return domain.Enabled, nil
	}
	return domain.Disabled, nil
}

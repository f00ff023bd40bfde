package okta

import (
	"context"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// assignee is one item of GET /api/v1/iam/assignees/users: a user holding
// at least one admin role (the SDK v2 has no method for it, so the call
// goes through the SDK's own request executor: same auth, retries and
// rate-limit handling).
type assignee struct {
	ID  string `json:"id"`
	ORN string `json:"orn"`
}

type assigneePage struct {
	Value []assignee `json:"value"`
	Links struct {
		Next *struct {
			Href string `json:"href"`
		} `json:"next"`
	} `json:"_links"`
}

// AdminHolders lists every user with an admin role (iam/assignees/users),
// then each one's roles and profile; then the groups and API service apps
// holding roles (sweepgroups.go). A user's role that comes through a group
// (assignmentType GROUP) is the group's holding, reported once there.
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	const op = "list_admin_holders"
	re := c.sdk.CloneRequestExecutor()
	next := "/api/v1/iam/assignees/users?limit=200"
	var ids []string
	for next != "" {
		ctx2, ci := withCall(ctx)
		req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest("GET", next, nil)
		if err != nil {
			return nil, c.fail(op, nil, ci, err)
		}
		var page assigneePage
		resp, err := re.Do(ctx2, req, &page)
		if err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		for _, a := range page.Value {
			ids = append(ids, a.ID)
		}
		next = ""
		if page.Links.Next != nil {
			// the link is absolute; the executor prepends the org URL
			if u, err := url.Parse(page.Links.Next.Href); err == nil {
				next = u.RequestURI()
			}
		}
	}
	out := []directory.AdminHolder{}
	for _, id := range ids {
		u, err := c.getUser(ctx, op, id)
		if directory.IsNotFound(err) {
			continue // deleted since the list
		}
		if err != nil {
			return nil, err
		}
		rs, err := c.roles(ctx, op, id)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			if r.AssignmentType == "GROUP" {
				continue
			}
			out = append(out, directory.AdminHolder{Role: r.Type, AssignmentID: r.Id, PrincipalID: u.Id, Kind: directory.PrincipalUser,
				Login: pstr(u.Profile, "login"), EmployeeID: pstr(u.Profile, "employeeNumber"), Enabled: enabled(u.Status), Permanent: true})
		}
	}
	gh, err := c.groupHolders(ctx, op)
	if err != nil {
		return nil, err
	}
	ch, err := c.clientHolders(ctx, op)
	if err != nil {
		return nil, err
	}
	return append(append(out, gh...), ch...), nil
}

// ListUsers pages through every user, DEPROVISIONED ones included (the
// default list leaves them out).
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	const op = "list_users"
	ctx2, ci := withCall(ctx)
	limit := int64(max(1, min(pageSize, 200)))
	users, resp, err := c.sdk.User.ListUsers(ctx2, &query.Params{Limit: limit})
	for {
		if err != nil {
			return c.fail(op, resp, ci, err)
		}
		for _, u := range users {
			if err := fn(toAccount(u)); err != nil {
				return err
			}
		}
		if !resp.HasNextPage() {
			return nil
		}
		users = nil
		resp, err = resp.Next(ctx2, &users)
	}
}

// DeleteUser deletes the user: Okta deletes only a DEPROVISIONED user, so a
// live one is deactivated first (without mail).
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "delete_user"
	if _, err := c.Disable(ctx, id); err != nil {
		if directory.IsNotFound(err) {
			return domain.WasAbsent, nil
		}
		return "", err
	}
	f := false
	ctx2, ci := withCall(ctx)
	resp, err := c.sdk.User.DeactivateOrDeleteUser(ctx2, url.PathEscape(id), &query.Params{SendEmail: &f})
	if err != nil {
		e := c.fail(op, resp, ci, err)
		if directory.IsNotFound(e) {
			return domain.WasAbsent, nil
		}
		return "", e
	}
	return domain.Removed, nil
}

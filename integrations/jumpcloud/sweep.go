package jumpcloud

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var (
	_ directory.AdminHolderLister = (*Client)(nil)
	_ directory.AccountLister     = (*Client)(nil)
	_ directory.AccountDeleter    = (*Client)(nil)
)

// eachUser pages v1 /api/systemusers (skip/limit, sorted by _id so pages
// do not shift) with optional v1 filters, calling fn for each user.
func (c *Client) eachUser(ctx context.Context, op string, pageSize int, filters []string, fn func(user) error) error {
	limit := c.pageSize
	if pageSize > 0 && pageSize < limit {
		limit = pageSize
	}
	for skip := 0; ; {
		q := url.Values{"limit": {fmt.Sprint(limit)}, "skip": {fmt.Sprint(skip)}, "sort": {"_id"}}
		for _, f := range filters {
			q.Add("filter", f)
		}
		var page struct {
			TotalCount int    `json:"totalCount"`
			Results    []user `json:"results"`
		}
		if err := c.call(ctx, op, http.MethodGet, "/api/systemusers?"+q.Encode(), nil, &page); err != nil {
			return err
		}
		for _, u := range page.Results {
			if err := fn(u); err != nil {
				return err
			}
		}
		skip += len(page.Results)
		if len(page.Results) < limit || skip >= page.TotalCount {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

func holder(u user, role string) directory.AdminHolder {
	a := u.account()
	return directory.AdminHolder{Role: role, AssignmentID: role, PrincipalID: u.ID, Kind: directory.PrincipalUser,
		Login: a.Login, EmployeeID: a.EmployeeID, Enabled: a.Enabled, Permanent: true}
}

// AdminHolders lists the standing privilege a JumpCloud organisation
// grants its system users (its console administrators are separate
// accounts, outside this API): users with user-level sudo (v1 filter
// sudo:$eq:true; the role is passwordless_sudo when that is on too), and
// every member of a user group whose sudo attribute is on (role
// "group:<name>", what RevokeAdminRole takes back). Sudo granted on one
// user-to-device binding alone is not read (it would cost a call per
// device).
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	const op = "list admin holders"
	out := []directory.AdminHolder{}
	read := map[string]user{}
	err := c.eachUser(ctx, op, 0, []string{"sudo:$eq:true"}, func(u user) error {
		read[u.ID] = u
		if r := heldRole(u); r != "" {
			out = append(out, holder(u, r))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sudo = nil // read the groups afresh: a sweep must not see a minute-old list
	c.mu.Unlock()
	sudo, err := c.sudoGroups(ctx, op)
	if err != nil {
		return nil, err
	}
	for _, gid := range slices.Sorted(maps.Keys(sudo)) {
		var members []string
		err := c.pages(ctx, op, "/api/v2/usergroups/"+url.PathEscape(gid)+"/members", func(raw json.RawMessage) (int, error) {
			var items []struct {
				To graphObject `json:"to"`
			}
			if err := json.Unmarshal(raw, &items); err != nil {
				return 0, err
			}
			for _, it := range items {
				if it.To.Type == "user" {
					members = append(members, it.To.ID)
				}
			}
			return len(items), nil
		})
		if directory.IsNotFound(err) {
			continue // deleted since the list
		}
		if err != nil {
			return nil, err
		}
		for _, id := range members {
			u, ok := read[id]
			if !ok {
				if u, err = c.getUser(ctx, op, id); directory.IsNotFound(err) {
					continue
				} else if err != nil {
					return nil, err
				}
				read[id] = u
			}
			out = append(out, holder(u, GroupRolePrefix+sudo[gid]))
		}
	}
	return out, nil
}

// ListUsers pages through every system user (v1, at most 100 a page); the
// employee id is employeeIdentifier.
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	return c.eachUser(ctx, "list users", pageSize, nil, func(u user) error { return fn(u.account()) })
}

// DeleteUser deletes the system user (DELETE /api/systemusers/{id}):
// JumpCloud removes their accounts from bound devices too. Gone already is
// WasAbsent.
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	err := c.call(ctx, "delete user", http.MethodDelete, "/api/systemusers/"+url.PathEscape(id), nil, nil)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Removed, nil
}

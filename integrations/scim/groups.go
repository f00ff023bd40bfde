package scim

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- groups ----

type group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

func (c *Client) groupID(ctx context.Context, op, name string) (string, error) {
	c.mu.Lock()
	id, ok := c.groupIDs[name]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	q := url.Values{"filter": {"displayName eq " + quote(name)}, "excludedAttributes": {"members"}}
	var lr listResponse[group]
	if err := c.call(ctx, op, http.MethodGet, "/Groups?"+q.Encode(), nil, &lr); err != nil {
		if directory.IsNotFound(err) {
			// a filter on a collection that exists answers an empty list:
			// a 404 means the provider has no /Groups at all
			return "", directory.Unsupported(c.Name(), "groups")
		}
		return "", err
	}
	for _, g := range lr.Resources {
		if strings.EqualFold(g.DisplayName, name) {
			c.mu.Lock()
			c.groupIDs[name] = g.ID
			c.mu.Unlock()
			return g.ID, nil
		}
	}
	return "", directory.NotFound(c.Name(), op, "group "+quote(name))
}

// ListGroups returns the display names of the user's groups (the user's
// read-only "groups" attribute).
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	u, err := c.getUser(ctx, "list_groups", id)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(u.Groups))
	for _, g := range u.Groups {
		out = append(out, g.Display)
	}
	return out, nil
}

func (c *Client) memberOf(ctx context.Context, op, id, gid string) (bool, error) {
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return false, err
	}
	for _, g := range u.Groups {
		if g.Value == gid {
			return true, nil
		}
	}
	return false, nil
}

// AddToGroup adds the user to the named group with PATCH /Groups/{id}.
func (c *Client) AddToGroup(ctx context.Context, id, groupName string) (domain.Outcome, error) {
	gid, err := c.groupID(ctx, "add_to_group", groupName)
	if err != nil {
		return "", err
	}
	in, err := c.memberOf(ctx, "add_to_group", id, gid)
	if err != nil {
		return "", err
	}
	if in {
		return domain.AlreadyPresent, nil
	}
	p := newPatch(patchOp{Op: "add", Path: "members", Value: []ref{{Value: id}}})
	if err := c.call(ctx, "add_to_group", http.MethodPatch, "/Groups/"+url.PathEscape(gid), p, nil); err != nil {
		return "", err
	}
	return domain.Added, nil
}

// RemoveFromGroup removes the user from the named group.
func (c *Client) RemoveFromGroup(ctx context.Context, id, groupName string) (domain.Outcome, error) {
	gid, err := c.groupID(ctx, "remove_from_group", groupName)
	if err != nil {
		return "", err
	}
	in, err := c.memberOf(ctx, "remove_from_group", id, gid)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if !in {
		return domain.WasAbsent, nil
	}
	p := newPatch(patchOp{Op: "remove", Path: "members[value eq " + quote(id) + "]"})
	if err := c.call(ctx, "remove_from_group", http.MethodPatch, "/Groups/"+url.PathEscape(gid), p, nil); err != nil {
		return "", err
	}
	return domain.Removed, nil
}

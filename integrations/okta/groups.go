package okta

import (
	"context"
	"net/url"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// groupID resolves a group name to its id (exact, case-insensitive match
// among Okta groups) and caches it.
func (c *Client) groupID(ctx context.Context, op, name string) (string, error) {
	key := strings.ToLower(name)
	c.mu.Lock()
	id, ok := c.groups[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	ctx, ci := withCall(ctx)
	gs, resp, err := c.sdk.Group.ListGroups(ctx, &query.Params{Search: "profile.name eq " + quote(name)})
	if err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	for _, g := range gs {
		if g.Profile != nil && strings.EqualFold(g.Profile.Name, name) && g.Type != "BUILT_IN" {
			c.mu.Lock()
			c.groups[key] = g.Id
			c.mu.Unlock()
			return g.Id, nil
		}
	}
	return "", directory.NotFound(System, op, "group "+name)
}

// userGroups pages through the user's groups.
func (c *Client) userGroups(ctx context.Context, op, id string) ([]*okta.Group, error) {
	ctx, ci := withCall(ctx)
	gs, resp, err := c.sdk.User.ListUserGroups(ctx, url.PathEscape(id))
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	for resp.HasNextPage() {
		var more []*okta.Group
		if resp, err = resp.Next(ctx, &more); err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		gs = append(gs, more...)
	}
	return gs, nil
}

func hasGroup(gs []*okta.Group, gid string) bool {
	for _, g := range gs {
		if g.Id == gid {
			return true
		}
	}
	return false
}

// ListGroups returns the names of the user's Okta groups; the built-in
// Everyone group is left out (no one manages its membership).
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	gs, err := c.userGroups(ctx, "list_groups", id)
	if err != nil {
		return nil, err
	}
	var out []string
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range gs {
		if g.Type == "BUILT_IN" || g.Profile == nil {
			continue
		}
		out = append(out, g.Profile.Name)
		c.groups[strings.ToLower(g.Profile.Name)] = g.Id // the removal needs no name search
	}
	return out, nil
}

// RemoveListedGroup removes a membership ListGroups has just returned:
// no second read of the user's groups; Okta's 404 is WasAbsent.
func (c *Client) RemoveListedGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	const op = "remove_from_group"
	gid, err := c.groupID(ctx, op, group)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	ctx, ci := withCall(ctx)
	if resp, err := c.sdk.Group.RemoveUserFromGroup(ctx, gid, url.PathEscape(id)); err != nil {
		e := c.fail(op, resp, ci, err)
		if isStatus(e, 404) {
			return domain.WasAbsent, nil
		}
		return "", e
	}
	return domain.Removed, nil
}

// AddToGroup adds the user; Okta's PUT answers 204 either way, so the
// membership is read first to tell Added from AlreadyPresent.
func (c *Client) AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	const op = "add_to_group"
	gid, err := c.groupID(ctx, op, group)
	if err != nil {
		return "", err
	}
	gs, err := c.userGroups(ctx, op, id)
	if err != nil {
		return "", err
	}
	if hasGroup(gs, gid) {
		return domain.AlreadyPresent, nil
	}
	ctx, ci := withCall(ctx)
	if resp, err := c.sdk.Group.AddUserToGroup(ctx, gid, url.PathEscape(id)); err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	return domain.Added, nil
}

// RemoveFromGroup removes the user; a group that does not exist, or a
// membership that is not there, is WasAbsent.
func (c *Client) RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	const op = "remove_from_group"
	gid, err := c.groupID(ctx, op, group)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	gs, err := c.userGroups(ctx, op, id)
	if err != nil {
		return "", err
	}
	if !hasGroup(gs, gid) {
		return domain.WasAbsent, nil
	}
	ctx, ci := withCall(ctx)
	if resp, err := c.sdk.Group.RemoveUserFromGroup(ctx, gid, url.PathEscape(id)); err != nil {
		e := c.fail(op, resp, ci, err)
		if isStatus(e, 404) {
			return domain.WasAbsent, nil
		}
		return "", e
	}
	return domain.Removed, nil
}

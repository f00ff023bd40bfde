package jumpcloud

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

type userGroup struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// groupID resolves a catalog group name to its user group id (cached: ids
// never change).
func (c *Client) groupID(ctx context.Context, op, name string) (string, error) {
	c.mu.Lock()
	id, ok := c.groupIDs[name]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	q := url.Values{"filter": {"name:eq:" + name}}
	err := c.pages(ctx, op, "/api/v2/usergroups?"+q.Encode(), func(raw json.RawMessage) (int, error) {
		var gs []userGroup
		if err := json.Unmarshal(raw, &gs); err != nil {
			return 0, err
		}
		for _, g := range gs {
			if g.Name == name && id == "" {
				id = g.ID
			}
		}
		return len(gs), nil
	})
	if err != nil {
		return "", err
	}
	if id == "" {
		return "", directory.NotFound(System, op, "user group "+name)
	}
	c.remember(id, name)
	return id, nil
}

func (c *Client) remember(id, name string) {
	c.mu.Lock()
	c.groupIDs[name], c.groupNames[id] = id, name
	c.mu.Unlock()
}

// groupName names a user group id.
func (c *Client) groupName(ctx context.Context, id string) (string, error) {
	c.mu.Lock()
	name, ok := c.groupNames[id]
	c.mu.Unlock()
	if ok {
		return name, nil
	}
	var g userGroup
	if err := c.call(ctx, "list groups", http.MethodGet, "/api/v2/usergroups/"+url.PathEscape(id), nil, &g); err != nil {
		return "", err
	}
	c.remember(g.ID, g.Name)
	return g.Name, nil
}

// ListGroups names the user's user groups (the v2 memberof graph).
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	ids, err := c.graphList(ctx, "list groups", "/api/v2/users/"+url.PathEscape(id)+"/memberof", "user_group")
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ids))
	for _, gid := range ids {
		name, err := c.groupName(ctx, gid)
		if directory.IsNotFound(err) {
			continue // deleted since the graph was read
		}
		if err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

// member posts one graph operation on the group's members.
func (c *Client) member(ctx context.Context, op, verb, id, group string) error {
	gid, err := c.groupID(ctx, op, group)
	if err != nil {
		return err
	}
	return c.call(ctx, op, http.MethodPost, "/api/v2/usergroups/"+url.PathEscape(gid)+"/members",
		map[string]string{"op": verb, "type": "user", "id": id}, nil)
}

// AddToGroup adds the user; a 409 (already a member) is AlreadyPresent.
func (c *Client) AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	err := c.member(ctx, "add to group", "add", id, group)
	var de *directory.Error
	if errors.As(err, &de) && de.Status == http.StatusConflict {
		return domain.AlreadyPresent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Added, nil
}

// RemoveFromGroup removes the user; a 404 (no such member) is WasAbsent.
func (c *Client) RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	err := c.member(ctx, "remove from group", "remove", id, group)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Removed, nil
}

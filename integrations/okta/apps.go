package okta

import (
	"context"
	"net/url"
	"sort"
)

// ListUserApps returns the labels of the apps assigned to the user
// (GET /api/v1/users/{id}/appLinks), directly or through a group.
func (c *Client) ListUserApps(ctx context.Context, id string) ([]string, error) {
	ctx, ci := withCall(ctx)
	links, resp, err := c.sdk.User.ListAppLinks(ctx, url.PathEscape(id))
	if err != nil {
		return nil, c.fail("list_user_apps", resp, ci, err)
	}
	out := make([]string, 0, len(links))
	for _, l := range links {
		if l != nil && l.Label != "" {
			out = append(out, l.Label)
		}
	}
	sort.Strings(out)
	return out, nil
}

package google

import (
	"context"
	"fmt"
	"time"

	admin "google.golang.org/api/admin/directory/v1"
)

// SessionsRevokedSince reads back what a leaver's revocation left: Google
// has no session list, but a suspended account cannot sign in and holds no
// OAuth grant once every token is deleted.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, _ time.Time) (bool, string, error) {
	u, err := c.getUser(ctx, "verify_sessions", id)
	if err != nil {
		return false, "", err
	}
	if !u.Suspended {
		return false, "account not suspended", nil
	}
	toks, err := call(ctx, c, "verify_sessions", func() (*admin.Tokens, error) { return c.dir.Tokens.List(id).Context(ctx).Do() })
	if err != nil {
		return false, "", err
	}
	if n := len(toks.Items); n > 0 {
		return false, fmt.Sprintf("%d OAuth tokens still granted", n), nil
	}
	return true, "account suspended; no OAuth tokens", nil
}

package okta

import (
	"context"
	"time"
)

// SessionsRevokedSince reads the user's status: the Management API cannot
// list a user's sessions, but deactivation (DEPROVISIONED) ends every one
// and refuses new sign-ins.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, _ time.Time) (bool, string, error) {
	u, err := c.getUser(ctx, "verify_sessions", id)
	if err != nil {
		return false, "", err
	}
	if u.TransitioningToStatus != "" {
		return false, "status " + u.Status + ", transitioning to " + u.TransitioningToStatus, nil
	}
	if u.Status != statusDeprovisioned {
		return false, "status " + u.Status, nil
	}
	return true, "status DEPROVISIONED", nil
}

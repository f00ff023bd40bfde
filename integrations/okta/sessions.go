package okta

import (
	"context"
	"time"

	"github.com/jml-dev/jml/domain"
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

// VerifyOffboarded reads the user once by id: DEPROVISIONED with no
// transition pending is disabled with every session ended (see
// SessionsRevokedSince), one call instead of a search and two reads.
func (c *Client) VerifyOffboarded(ctx context.Context, id string, _ time.Time) (domain.Account, bool, string, error) {
	u, err := c.getUser(ctx, "verify", id)
	if err != nil {
		return domain.Account{}, false, "", err
	}
	acct := toAccount(u)
	if u.TransitioningToStatus != "" {
		acct.Enabled = true // not settled: not verified yet
		return acct, false, "status " + u.Status + ", transitioning to " + u.TransitioningToStatus, nil
	}
	if u.Status != statusDeprovisioned {
		return acct, false, "status " + u.Status, nil
	}
	return acct, true, "status DEPROVISIONED", nil
}

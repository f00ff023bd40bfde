package google

import (
	"context"
	"fmt"
	"time"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/jml-dev/jml/domain"
)

// SessionsRevokedSince reads back what a leaver's revocation left: Google
// has no session list, but a suspended account cannot sign in and holds no
// OAuth grant once every token is deleted.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, since time.Time) (bool, string, error) {
	_, ended, evidence, err := c.VerifyOffboarded(ctx, id, since)
	return ended, evidence, err
}

// VerifyOffboarded reads the user by the lane's id, then its OAuth tokens:
// two calls, where a search by externalId came first before.
func (c *Client) VerifyOffboarded(ctx context.Context, id string, _ time.Time) (domain.Account, bool, string, error) {
	u, err := c.getUser(ctx, "verify_sessions", id)
	if err != nil {
		return domain.Account{}, false, "", err
	}
	acct := toAccount(u)
	if !u.Suspended {
		return acct, false, "account not suspended", nil
	}
	toks, err := call(ctx, c, "verify_sessions", func() (*admin.Tokens, error) { return c.dir.Tokens.List(id).Context(ctx).Do() })
	if err != nil {
		return acct, false, "", err
	}
	if n := len(toks.Items); n > 0 {
		return acct, false, fmt.Sprintf("%d OAuth tokens still granted", n), nil
	}
	return acct, true, "account suspended; no OAuth tokens", nil
}

package entra

import (
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/users"
)

// SessionsRevokedSince reads signInSessionsValidFromDateTime, which
// revokeSignInSessions moves to now: Entra refuses every refresh token and
// session cookie issued before it.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, since time.Time) (bool, string, error) {
	u, err := c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "signInSessionsValidFromDateTime"}},
	})
	if err != nil {
		return false, "", c.fail("verify_sessions", err)
	}
	v := u.GetSignInSessionsValidFromDateTime()
	if v == nil {
		return false, "signInSessionsValidFromDateTime not set", nil
	}
	// Whole seconds: Graph keeps this timestamp at second precision.
	return !v.Before(since.Truncate(time.Second)), "signInSessionsValidFromDateTime " + v.UTC().Format(time.RFC3339), nil
}

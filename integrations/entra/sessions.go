package entra

import (
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/jml-dev/jml/domain"
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
	ok, evidence := sessionsEndedSince(u, since)
	return ok, evidence, nil
}

// VerifyOffboarded reads the user once by the lane's id: accountEnabled
// and signInSessionsValidFromDateTime in one GET, where a search by
// employeeId and a second read of the sessions' timestamp were two more.
func (c *Client) VerifyOffboarded(ctx context.Context, id string, since time.Time) (domain.Account, bool, string, error) {
	u, err := c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "accountEnabled", "onPremisesSyncEnabled", "signInSessionsValidFromDateTime"}},
	})
	if err != nil {
		return domain.Account{}, false, "", c.fail("verify", err)
	}
	acct := toAccount(u)
	if u.GetAccountEnabled() == nil {
		acct.Enabled = true // not answered is not verified
		return acct, false, "accountEnabled not returned", nil
	}
	ok, evidence := sessionsEndedSince(u, since)
	return acct, ok, evidence, nil
}

func sessionsEndedSince(u models.Userable, since time.Time) (bool, string) {
	v := u.GetSignInSessionsValidFromDateTime()
	if v == nil {
		return false, "signInSessionsValidFromDateTime not set"
	}
	// Whole seconds: Graph keeps this timestamp at second precision.
	return !v.Before(since.Truncate(time.Second)), "signInSessionsValidFromDateTime " + v.UTC().Format(time.RFC3339)
}

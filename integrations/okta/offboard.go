package okta

import (
	"context"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
)

// The leaver's steps on what a look-up or a listing has just returned, so
// no read comes before each write (directory/fewer_calls.go).

// FindBySearch is FindUser without the read-back by id: the search's id
// is all a leaver needs, because it deactivates regardless of the status
// the (lagging) index shows and reads the account back by id at the end.
func (c *Client) FindBySearch(ctx context.Context, employeeID, email string) (domain.Account, error) {
	const op = "find_user"
	if employeeID != "" {
		best, err := c.searchEmployee(ctx, op, employeeID)
		if err != nil {
			return domain.Account{}, err
		}
		if best != nil {
			return toAccount(best), nil
		}
	}
	return c.findByLogin(ctx, op, employeeID, email)
}

// DisableFound deactivates the account the look-up has just found, with
// neither the settled read Disable makes first nor its polling read after:
// deactivate answers 200 for a DEPROVISIONED user too, and the leaver's
// verify reads the account back by id (DEPROVISIONED, no transition
// pending) and retries until it shows it. A lifecycle change still running
// (403 E0000038) falls back to Disable, which waits it out.
func (c *Client) DisableFound(ctx context.Context, acct domain.Account) (domain.Outcome, error) {
	const op = "disable"
	f := false
	ctx2, ci := withCall(ctx)
	if resp, err := c.sdk.User.DeactivateUser(ctx2, url.PathEscape(acct.ID), &query.Params{SendEmail: &f}); err != nil {
		e := c.fail(op, resp, ci, err)
		if isStatus(e, 403) {
			return c.Disable(ctx, acct.ID)
		}
		return "", e
	}
	if acct.Status == statusDeprovisioned {
		return domain.AlreadyDisabled, nil // as the index showed it; deactivate is idempotent
	}
	return domain.Disabled, nil
}

// RevokeListedRole removes an assignment ListAdminRoles has just returned,
// by its id, without listing the user's roles again; a 404 is WasAbsent.
func (c *Client) RevokeListedRole(ctx context.Context, id string, ra domain.RoleAssignment) (domain.Outcome, error) {
	const op = "revoke_admin_role"
	ctx, ci := withCall(ctx)
	if resp, err := c.sdk.User.RemoveRoleFromUser(ctx, url.PathEscape(id), ra.ID); err != nil {
		e := c.fail(op, resp, ci, err)
		if isStatus(e, 404) {
			return domain.WasAbsent, nil
		}
		return "", e
	}
	return domain.Removed, nil
}

package okta

import (
	"context"
	"fmt"
	"regexp"

	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var profileAttr = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)

// FindUsersByAttribute searches profile.<attribute> eq value (the search
// index, as FindUser does for the employee number).
func (c *Client) FindUsersByAttribute(ctx context.Context, attribute, value string) ([]domain.Account, error) {
	const op = "find_users_by_attribute"
	if !profileAttr.MatchString(attribute) {
		return nil, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: fmt.Sprintf("%q is not a profile attribute name", attribute)}
	}
	ctx, ci := withCall(ctx)
	users, resp, err := c.sdk.User.ListUsers(ctx, &query.Params{Search: "profile." + attribute + " eq " + quote(value)})
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	out := make([]domain.Account, 0, len(users))
	for _, u := range users {
		out = append(out, toAccount(u))
	}
	return out, nil
}

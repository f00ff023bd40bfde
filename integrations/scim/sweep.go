package scim

import (
	"context"
	"net/http"
	"net/url"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// DeleteUser deletes the account (RFC 7644 §3.6); gone already is WasAbsent.
func (c *Client) DeleteUser(ctx context.Context, id string) (domain.Outcome, error) {
	err := c.call(ctx, "delete_user", http.MethodDelete, "/Users/"+url.PathEscape(id), nil, nil)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	return domain.Removed, nil
}

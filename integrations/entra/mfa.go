package entra

import (
	"context"
	"strings"

	"github.com/jml-dev/jml/domain"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ---- MFA ----

// weakMethods do not count as a second factor.
var weakMethods = map[string]bool{
	"#microsoft.graph.passwordAuthenticationMethod":            true,
	"#microsoft.graph.emailAuthenticationMethod":               true,
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod": true,
}

// MFAStatus reports the user's registered strong authentication methods.
func (c *Client) MFAStatus(ctx context.Context, id string) (domain.MFA, error) {
	b := c.graph.Users().ByUserId(id).Authentication().Methods()
	out := domain.MFA{Methods: []string{}}
	err := each(
		func() (models.AuthenticationMethodCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.AuthenticationMethodCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(m models.AuthenticationMethodable) error {
			t := str(m.GetOdataType())
			if weakMethods[t] {
				return nil
			}
			out.Methods = append(out.Methods, strings.TrimSuffix(strings.TrimPrefix(t, "#microsoft.graph."), "AuthenticationMethod"))
			return nil
		})
	if err != nil {
		return domain.MFA{}, c.fail("mfa_status", err)
	}
	out.Enrolled = len(out.Methods) > 0
	return out, nil
}

package entra

import (
	"context"
	"strings"

	"github.com/jml-dev/jml/domain"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ---- MFA ----

// notMFA are not a second factor at all.
var notMFA = map[string]bool{
	"#microsoft.graph.passwordAuthenticationMethod":            true,
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod": true,
}

// MFAStatus reports the user's registered strong authentication methods
// (FIDO2, Authenticator, software OATH, Windows Hello, certificates) and,
// apart, the weak ones: phone (SMS or voice) and email, which CISA's
// MS.AAD.3.5 says shall not count.
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
			switch {
			case notMFA[t]:
				return nil
			case t == "#microsoft.graph.emailAuthenticationMethod":
				out.Weak = append(out.Weak, "email")
				return nil
			case t == "#microsoft.graph.phoneAuthenticationMethod":
				kind := "voice" // alternateMobile and office phones only call
				if p, ok := m.(models.PhoneAuthenticationMethodable); ok && p.GetPhoneType() != nil && p.GetPhoneType().String() == "mobile" {
					kind = "sms"
				}
				out.Weak = append(out.Weak, kind)
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

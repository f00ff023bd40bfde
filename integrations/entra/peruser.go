package entra

import (
	"context"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoft/kiota-abstractions-go/serialization"
	"github.com/microsoftgraph/msgraph-sdk-go/models/odataerrors"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- per-user MFA (Graph beta) ----

var _ directory.PerUserMFAReader = (*Client)(nil)

// requirementsTemplate is beta's strongAuthenticationRequirements of a
// user; v1.0 and msgraph-sdk-go have no builder for it.
const requirementsTemplate = "{+baseurl}/users/{user%2Did}/authentication/requirements"

// betaBase is the beta sibling of the v1.0 base URL jml is configured
// with (https://graph.microsoft.com/v1.0 -> https://graph.microsoft.com/beta);
// a base without a version (a proxy's root) gets /beta under it.
func betaBase(v1 string) string {
	if b, ok := strings.CutSuffix(v1, "/v1.0"); ok {
		return b + "/beta"
	}
	return v1 + "/beta"
}

// PerUserMFA reads GET /beta/users/{id}/authentication/requirements
// (Policy.Read.All) through the SDK's own request adapter, so the call
// gets the same auth, retry, compression and rate limiter as every other.
func (c *Client) PerUserMFA(ctx context.Context, id string) (string, error) {
	ri := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.GET, requirementsTemplate,
		map[string]string{"baseurl": betaBase(c.baseURL), "user%2Did": id})
	// The adapter overwrites "baseurl" with its own (v1.0) base; a fixed
	// URI is what a builder's WithUrl uses, and the adapter keeps it.
	u, err := ri.GetUri()
	if err != nil {
		return "", c.fail("per_user_mfa", err)
	}
	ri.SetUri(*u)
	ri.Headers.TryAdd("Accept", "application/json")
	res, err := c.graph.GetAdapter().Send(ctx, ri, newRequirements,
		abs.ErrorMappings{"XXX": odataerrors.CreateODataErrorFromDiscriminatorValue})
	if err != nil {
		return "", c.fail("per_user_mfa", err)
	}
	r, _ := res.(*requirements)
	if r == nil || r.state == nil || *r.state == "" {
		return domain.PerUserMFADisabled, nil // Graph's default for every account
	}
	return *r.state, nil
}

// requirements is the strongAuthenticationRequirements resource, the one
// property jml reads.
type requirements struct{ state *string }

func newRequirements(serialization.ParseNode) (serialization.Parsable, error) {
	return &requirements{}, nil
}

func (r *requirements) Serialize(w serialization.SerializationWriter) error {
	return w.WriteStringValue("perUserMfaState", r.state)
}

func (r *requirements) GetFieldDeserializers() map[string]func(serialization.ParseNode) error {
	return map[string]func(serialization.ParseNode) error{
		"perUserMfaState": func(n serialization.ParseNode) error {
			v, err := n.GetStringValue()
			r.state = v
			return err
		},
	}
}

package directory

import (
	"context"

	"github.com/jml-dev/jml/domain"
)

// PostureReader reads a directory's sign-in policies (Entra Conditional
// Access, Okta sign-on and authentication policies, Google 2SV
// enforcement) and what a user is, as those policies name people, so
// activities can say whether MFA is enforced for them.
type PostureReader interface {
	PolicySnapshot(ctx context.Context) (domain.PolicySnapshot, error)
	PolicySubject(ctx context.Context, id string) (domain.PolicySubject, error)
}

// PerUserMFAReader reads MFA required on the account itself rather than
// by a policy: Entra's per-user MFA state (disabled, enabled, enforced).
type PerUserMFAReader interface {
	PerUserMFA(ctx context.Context, id string) (string, error)
}

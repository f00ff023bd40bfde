package directory

import (
	"context"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Optional capabilities that let a leaver spend fewer calls per guarantee
// (on a layoff day the calls are the floor). The activities use them when
// a directory has them and fall back to the general steps otherwise.

// OffboardVerifier reads an account back by the id the lane carries (no
// second search) and answers both guarantees: disabled, and every session
// issued before since ended (Okta: DEPROVISIONED, one read; Entra:
// accountEnabled and signInSessionsValidFromDateTime, one read; Google:
// suspended, then no OAuth token left, two).
type OffboardVerifier interface {
	VerifyOffboarded(ctx context.Context, id string, since time.Time) (acct domain.Account, sessionsEnded bool, evidence string, err error)
}

// FoundDisabler disables an account the caller has just found, from what
// the search returned (its active flag), without reading it again first.
type FoundDisabler interface {
	DisableFound(ctx context.Context, acct domain.Account) (domain.Outcome, error)
}

// ListedGroupRemover removes a membership the caller has just listed, so
// the removal skips re-reading the user's memberships; a membership gone
// meanwhile is WasAbsent.
type ListedGroupRemover interface {
	RemoveListedGroup(ctx context.Context, id, group string) (domain.Outcome, error)
}

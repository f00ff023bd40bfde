package directory

import (
	"context"

	"github.com/jml-dev/jml/domain"
)

// Optional capabilities that let a leaver spend fewer calls per guarantee
// (on a layoff day the calls are the floor). The activities use them when
// a directory has them and fall back to the general steps otherwise.

// OffboardVerifier reads an account back once, by the id the lane carries,
// and answers both guarantees from that one read: disabled, and every
// session ended (where the status proves it, as Okta's DEPROVISIONED does).
type OffboardVerifier interface {
	VerifyOffboarded(ctx context.Context, id string) (acct domain.Account, sessionsEnded bool, evidence string, err error)
}

// ListedGroupRemover removes a membership the caller has just listed, so
// the removal skips re-reading the user's memberships; a membership gone
// meanwhile is WasAbsent.
type ListedGroupRemover interface {
	RemoveListedGroup(ctx context.Context, id, group string) (domain.Outcome, error)
}

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

// SearchFinder finds an account from the search's answer alone, without
// reading the match back by id: enough for a caller that writes to it
// regardless and reads it back at the end (the leaver). Okta's FindUser
// reads every match back because its search index lags writes.
type SearchFinder interface {
	FindBySearch(ctx context.Context, employeeID, email string) (domain.Account, error)
}

// ListedRoleRevoker revokes an assignment the caller has just listed (by
// the listing's assignment id), without listing the user's roles again; an
// assignment gone meanwhile is WasAbsent.
type ListedRoleRevoker interface {
	RevokeListedRole(ctx context.Context, id string, ra domain.RoleAssignment) (domain.Outcome, error)
}

// ListedLicenseRemover removes a license the caller has just listed,
// without reading the user's licenses again.
type ListedLicenseRemover interface {
	RemoveListedLicense(ctx context.Context, id, sku string) (domain.Outcome, error)
}

// ListedDeviceRetirer retires a device the caller has just listed (and so
// knows is not retired yet), without reading the device again.
type ListedDeviceRetirer interface {
	RetireListedDevice(ctx context.Context, dev domain.Device) (domain.Outcome, error)
}

// LoginDeviceLister lists a user's devices by the login the look-up found
// (Google's mobile devices are queried by email), where ListDevices given
// only the id reads the user first for it.
type LoginDeviceLister interface {
	ListDevicesByLogin(ctx context.Context, login string) ([]domain.Device, error)
}

package directory

import (
	"context"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Principal kinds an admin role can be assigned to.
const (
	PrincipalUser    = "user"
	PrincipalGuest   = "guest"
	PrincipalService = "service_principal" // an app or service principal
	PrincipalGroup   = "group"             // a group that carries the role
)

// AdminHolder is one assignment of an admin role to a principal, read from
// the directory tenant-wide, whoever holds it: an HR employee, a guest, an
// account no employee owns, an app, or a role-assignable group.
type AdminHolder struct {
	Role string // the role's display name (Okta: its role type)
	// RoleLabel is the role's other name where the directory has two
	// (Google: a system role's description, "Super Admin", beside its
	// roleName), matched against the elevation roles too.
	RoleLabel    string
	AssignmentID string
	PrincipalID  string // the directory's object id
	Kind         string // one of the Principal* constants
	// Login is the user's login (UPN, Okta login, AD sAMAccountName), a
	// service principal's appId, a group's name.
	Login      string
	EmployeeID string // "" for a principal no HR record names
	Enabled    bool
	// Permanent is a grant with no end (standing); a time-bound grant
	// carries its end in Until.
	Permanent bool
	Until     time.Time
	// BreakGlass: declared so in the directory's own configuration
	// (directories.ad.break_glass).
	BreakGlass bool
}

// AdminHolderLister lists every holder of an admin role in the directory.
type AdminHolderLister interface {
	AdminHolders(ctx context.Context) ([]AdminHolder, error)
}

// AccountLister pages through every user account of the directory, for the
// orphan-account join with HR.
type AccountLister interface {
	ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error
}

// AccountDeleter deletes an account (after it was disabled and its grace
// ran out). Already gone is WasAbsent.
type AccountDeleter interface {
	DeleteUser(ctx context.Context, id string) (domain.Outcome, error)
}

// LastSignInReader reads when an account last signed in (zero: never, or
// not recorded), for break-glass evidence.
type LastSignInReader interface {
	LastSignIn(ctx context.Context, id string) (time.Time, error)
}

// Package directory is the small, system-neutral contract every identity
// system (Entra ID, Okta, Google Workspace, SCIM apps) implements for the
// lifecycle. Activities speak only these interfaces; each integration package
// wraps one official SDK behind it. No Temporal import here.
package directory

import (
	"context"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Directory is what every identity system does: find, create, update,
// disable and enable an account. IDs are the system's own account ids.
// Every mutating call is idempotent and returns the Outcome.
//
// What only some systems can do is a small interface of its own below
// (GroupManager, LicenseManager, ...), as ConductorOne's baton-sdk does:
// activities discover it by type assertion, and a system lacking it simply
// has no such method, so there is no "unsupported" stub to keep in step.
type Directory interface {
	Name() string

	// FindUser looks the user up by employee id, then by email. It returns an
	// *Error of KindNotFound when neither matches.
	FindUser(ctx context.Context, employeeID, email string) (domain.Account, error)
	// CreateUser finds the account first and answers AlreadyExisted rather
	// than creating a second one. enabled=false creates it disabled (lead time).
	CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error)
	UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error)
	Disable(ctx context.Context, id string) (domain.Outcome, error)
	Enable(ctx context.Context, id string) (domain.Outcome, error)
}

// SessionRevoker ends a user's sessions and refresh tokens.
type SessionRevoker interface {
	RevokeSessions(ctx context.Context, id string) (domain.Outcome, error)
}

// ManagerSetter holds the reporting line.
type ManagerSetter interface {
	SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error)
}

// GroupManager manages group membership (groups named as in the catalog).
type GroupManager interface {
	ListGroups(ctx context.Context, id string) ([]string, error)
	AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error)
	RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error)
}

// LicenseManager assigns product licenses (SKUs).
type LicenseManager interface {
	ListLicenses(ctx context.Context, id string) ([]string, error)
	AssignLicense(ctx context.Context, id, sku string) (domain.Outcome, error)
	RemoveLicense(ctx context.Context, id, sku string) (domain.Outcome, error)
}

// AdminRoleManager grants and revokes admin roles.
type AdminRoleManager interface {
	ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error)
	// GrantAdminRole grants role until the given time; a RoleGrantExpirer
	// is told to end it then itself.
	GrantAdminRole(ctx context.Context, id, role string, until time.Time) (domain.RoleAssignment, domain.Outcome, error)
	RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error)
}

// RoleGrantExpirer marks an AdminRoleManager that ends a grant itself at the
// time it was granted until (Entra PIM), so an extension must re-grant it
// with the later end; elsewhere jml's own revoke ends the grant.
type RoleGrantExpirer interface {
	AdminRoleManager
	ExpiresRoleGrants()
}

// DeviceManager lists and retires a user's managed devices.
type DeviceManager interface {
	ListDevices(ctx context.Context, id string) ([]domain.Device, error)
	RetireDevice(ctx context.Context, deviceID string) (domain.Outcome, error)
}

// MFAReader reports a user's MFA enrolment.
type MFAReader interface {
	MFAStatus(ctx context.Context, id string) (domain.MFA, error)
}

// SignInLogReader reads the sign-in/audit log.
type SignInLogReader interface {
	// SignInEvents pages through sign-in/audit events in [from, to), calling fn
	// for each; it stops at the first error fn returns.
	SignInEvents(ctx context.Context, from, to time.Time, fn func(domain.AuditEvent) error) error
}

// SessionChecker is implemented by directories that can read back whether a
// user's sessions were revoked, so the leaver's verify step reports what the
// directory says rather than what jml asked for.
type SessionChecker interface {
	// SessionsRevokedSince reports whether every session and refresh token
	// issued before since is now refused, and the evidence it read.
	SessionsRevokedSince(ctx context.Context, id string, since time.Time) (revoked bool, evidence string, err error)
}

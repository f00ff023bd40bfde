// Package directory is the small, system-neutral contract every identity
// system (Entra ID, Okta, Google Workspace, SCIM apps) implements for the
// lifecycle. Activities speak only this interface; each integration package
// wraps one official SDK behind it. No Temporal import here.
package directory

import (
	"context"
	"time"

	"github.com/jml-dev/jml/domain"
)

// Capability names one thing a directory may or may not support. A call to a
// capability a system lacks returns an *Error of KindUnsupported, never a
// silent no-op.
type Capability string

const (
	CapCreateUser     Capability = "create_user"
	CapUpdateProfile  Capability = "update_profile"
	CapSetManager     Capability = "set_manager"
	CapDisable        Capability = "disable"
	CapEnable         Capability = "enable"
	CapRevokeSessions Capability = "revoke_sessions"
	CapGroups         Capability = "groups"
	CapLicenses       Capability = "licenses"
	CapAdminRoles     Capability = "admin_roles"
	CapTimeBoundRoles Capability = "time_bound_roles" // the system expires the grant itself (Entra PIM)
	CapDevices        Capability = "devices"
	CapMFA            Capability = "mfa"
	CapSignInLog      Capability = "sign_in_log"
)

// Directory is one identity system. IDs are the system's own account ids.
// Every mutating call is idempotent and returns the Outcome.
type Directory interface {
	Name() string
	Supports(Capability) bool

	// FindUser looks the user up by employee id, then by email. It returns an
	// *Error of KindNotFound when neither matches.
	FindUser(ctx context.Context, employeeID, email string) (domain.Account, error)
	// CreateUser finds the account first and answers AlreadyExisted rather
	// than creating a second one. enabled=false creates it disabled (lead time).
	CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error)
	UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error)
	SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error)
	Disable(ctx context.Context, id string) (domain.Outcome, error)
	Enable(ctx context.Context, id string) (domain.Outcome, error)
	RevokeSessions(ctx context.Context, id string) (domain.Outcome, error)

	ListGroups(ctx context.Context, id string) ([]string, error)
	AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error)
	RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error)

	ListLicenses(ctx context.Context, id string) ([]string, error)
	AssignLicense(ctx context.Context, id, sku string) (domain.Outcome, error)
	RemoveLicense(ctx context.Context, id, sku string) (domain.Outcome, error)

	ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error)
	// GrantAdminRole grants role until the given time; where the system can
	// expire it itself (CapTimeBoundRoles) it is told to.
	GrantAdminRole(ctx context.Context, id, role string, until time.Time) (domain.RoleAssignment, domain.Outcome, error)
	RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error)

	ListDevices(ctx context.Context, id string) ([]domain.Device, error)
	RetireDevice(ctx context.Context, deviceID string) (domain.Outcome, error)

	MFAStatus(ctx context.Context, id string) (domain.MFA, error)

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

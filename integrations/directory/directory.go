// Package directory is the small, system-neutral contract every identity
// system (Entra ID, Okta, Google Workspace, SCIM apps) implements for the
// lifecycle. Activities speak only this interface; each integration package
// wraps one official SDK behind it. No Temporal import here.
package directory

import (
	"context"
	"time"
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

// Outcome says what a mutating call did, so a retried activity can tell its
// own earlier success from a fresh change.
type Outcome string

const (
	Created         Outcome = "created"
	AlreadyExisted  Outcome = "already_existed"
	Updated         Outcome = "updated"
	Unchanged       Outcome = "unchanged"
	Added           Outcome = "added"
	AlreadyPresent  Outcome = "already_present"
	Removed         Outcome = "removed"
	WasAbsent       Outcome = "was_absent"
	Disabled        Outcome = "disabled"
	AlreadyDisabled Outcome = "already_disabled"
	Enabled         Outcome = "enabled"
	AlreadyEnabled  Outcome = "already_enabled"
	Revoked         Outcome = "revoked"
	Retired         Outcome = "retired"
	AlreadyRetired  Outcome = "already_retired"
)

// Person is the HR-derived profile a directory account is built from.
type Person struct {
	EmployeeID     string
	Email          string // primary login: UPN in Entra, login in Okta, primaryEmail in Google, userName in SCIM
	GivenName      string
	FamilyName     string
	DisplayName    string
	Department     string
	Title          string
	Location       string
	CostCenter     string
	UsageLocation  string // ISO country code, needed by Entra before licensing
	EmploymentType string
}

// Account is a user as a directory holds it.
type Account struct {
	ID         string // the system's own immutable id
	Login      string
	EmployeeID string
	Enabled    bool
	Status     string // the system's own status word (ACTIVE, SUSPENDED, DEPROVISIONED, ...)
	Department string
	Title      string
	ManagerID  string
}

// RoleAssignment is an admin role held by a user.
type RoleAssignment struct {
	ID        string    // the assignment's id where the system has one
	Role      string    // role name or id as configured in the catalog
	ExpiresAt time.Time // zero when the system holds it without expiry
}

// Device is a managed device registered to a user.
type Device struct {
	ID         string
	Name       string
	OS         string
	Compliance string // compliant, noncompliant, unknown, ...
	Retired    bool
}

// Compliant reports whether the system considers the device compliant.
func (d Device) Compliant() bool { return d.Compliance == "compliant" || d.Compliance == "APPROVED" }

// MFA is a user's multi-factor enrolment.
type MFA struct {
	Enrolled bool
	Methods  []string
}

// Event is one sign-in or audit record exported as evidence.
type Event struct {
	ID     string
	Time   time.Time
	Actor  string // user id or login
	Action string
	Result string
	App    string
	IP     string
	Raw    map[string]any
}

// Directory is one identity system. IDs are the system's own account ids.
// Every mutating call is idempotent and returns the Outcome.
type Directory interface {
	Name() string
	Supports(Capability) bool

	// FindUser looks the user up by employee id, then by email. It returns an
	// *Error of KindNotFound when neither matches.
	FindUser(ctx context.Context, employeeID, email string) (Account, error)
	// CreateUser finds the account first and answers AlreadyExisted rather
	// than creating a second one. enabled=false creates it disabled (lead time).
	CreateUser(ctx context.Context, p Person, enabled bool) (Account, Outcome, error)
	UpdateProfile(ctx context.Context, id string, p Person) (Outcome, error)
	SetManager(ctx context.Context, id, managerID string) (Outcome, error)
	Disable(ctx context.Context, id string) (Outcome, error)
	Enable(ctx context.Context, id string) (Outcome, error)
	RevokeSessions(ctx context.Context, id string) (Outcome, error)

	ListGroups(ctx context.Context, id string) ([]string, error)
	AddToGroup(ctx context.Context, id, group string) (Outcome, error)
	RemoveFromGroup(ctx context.Context, id, group string) (Outcome, error)

	ListLicenses(ctx context.Context, id string) ([]string, error)
	AssignLicense(ctx context.Context, id, sku string) (Outcome, error)
	RemoveLicense(ctx context.Context, id, sku string) (Outcome, error)

	ListAdminRoles(ctx context.Context, id string) ([]RoleAssignment, error)
	// GrantAdminRole grants role until the given time; where the system can
	// expire it itself (CapTimeBoundRoles) it is told to.
	GrantAdminRole(ctx context.Context, id, role string, until time.Time) (RoleAssignment, Outcome, error)
	RevokeAdminRole(ctx context.Context, id, role string) (Outcome, error)

	ListDevices(ctx context.Context, id string) ([]Device, error)
	RetireDevice(ctx context.Context, deviceID string) (Outcome, error)

	MFAStatus(ctx context.Context, id string) (MFA, error)

	// SignInEvents pages through sign-in/audit events in [from, to), calling fn
	// for each; it stops at the first error fn returns.
	SignInEvents(ctx context.Context, from, to time.Time, fn func(Event) error) error
}

// SessionChecker is implemented by directories that can read back whether a
// user's sessions were revoked, so the leaver's verify step reports what the
// directory says rather than what jml asked for.
type SessionChecker interface {
	// SessionsRevokedSince reports whether every session and refresh token
	// issued before since is now refused, and the evidence it read.
	SessionsRevokedSince(ctx context.Context, id string, since time.Time) (revoked bool, evidence string, err error)
}

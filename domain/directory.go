package domain

import "time"

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
	// ManagerPending: set manager found no account of the manager there
	// yet (HR sent the report first); the Employee workflow sets it later.
	ManagerPending Outcome = "manager_pending"
	// MasteredOnPremises: the account is synced from on-premises AD (Entra
	// Connect), which masters the attribute; nothing was written here, the
	// change is made in AD and the sync carries it.
	MasteredOnPremises Outcome = "mastered_on_premises"
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
	// OnPremisesSynced: the directory syncs this account from on-premises
	// AD (Entra's onPremisesSyncEnabled); AD masters its profile and state.
	OnPremisesSynced bool
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
	Enrolled bool     // a strong method is registered
	Methods  []string // the strong methods
	// Weak are registered methods that do not count (SMS, voice, email:
	// ScubaGear MS.AAD.3.5); a user with only these is registered-weak.
	Weak []string
}

// AuditEvent is one sign-in or audit record exported as evidence.
type AuditEvent struct {
	ID     string
	Time   time.Time
	Actor  string // user id or login
	Action string
	Result string
	App    string
	IP     string
	Raw    map[string]any
}

// PersonFrom builds the directory profile from an HR record.
func PersonFrom(r HRRecord) Person {
	return Person{
		EmployeeID: r.EmployeeID, Email: r.Email, GivenName: r.GivenName, FamilyName: r.FamilyName,
		DisplayName: r.Name(), Department: r.Department, Title: r.Title, Location: r.Location,
		CostCenter: r.CostCenter, UsageLocation: r.Country, EmploymentType: r.EmploymentType,
	}
}

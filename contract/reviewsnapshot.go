package contract

import "time"

// SnapshotAccess reads, from the directories themselves, the access each
// employee in scope really holds, for an access review's snapshot. The
// activity writes the whole snapshot to evidence (Reviews/<campaign>/
// snapshot.json with its SHA-256) and returns it, so the campaign reviews
// exactly what was recorded.
var SnapshotAccess = Activity[SnapshotInput, SnapshotOutput]{Name: "SnapshotAccess", Options: EvidenceOptions}

// SnapshotInput names the campaign and who is in scope.
type SnapshotInput struct {
	Campaign    string   `json:"campaign"`
	EmployeeIDs []string `json:"employee_ids"`
	// PartOf: the snapshot of a part, written under Reviews/<part_of>/parts/.
	PartOf string `json:"part_of,omitempty"`
}

// Entitlement kinds.
const (
	EntitlementGroup     = "group"
	EntitlementLicense   = "license"
	EntitlementAdminRole = "admin_role"
	EntitlementApp       = "app" // a SCIM app account
	// EntitlementSSOApp is an app assigned to the user in a directory's
	// own single sign-on (Okta's app assignments), Directory naming the
	// directory; RemoveSSOApp unassigns it (not when a group grants it).
	EntitlementSSOApp = "sso_app"
)

// AccessItem is one entitlement one employee holds in one directory or app.
type AccessItem struct {
	// ID is stable within the campaign ("<directory>/<kind>/<name>"), the
	// key a reviewer's decision refers to.
	ID          string `json:"id"`
	Directory   string `json:"directory"` // a directory name, or the SCIM app's name for kind app
	Kind        string `json:"kind"`
	Entitlement string `json:"entitlement"` // group, licence, role or app name as the catalog names it
	// Catalog is true when the role catalog grants it to this employee
	// today; false is access outside the catalog.
	Catalog bool `json:"catalog"`
	// Eligible is set on an admin role the catalog lets this employee
	// request through JIT: held standing, it is still outside the catalog.
	Eligible bool `json:"eligible,omitempty"`
	// ExpiresAt is when a time-bound grant ends (an active JIT elevation,
	// Entra PIM); zero for access held without end.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// EmployeeAccess is one employee's snapshot.
type EmployeeAccess struct {
	EmployeeID string       `json:"employee_id"`
	Items      []AccessItem `json:"items"`
	// Unreadable names directories that could not be read (each with the
	// error's class, never a body), so a gap is visible, not silent.
	Unreadable []string `json:"unreadable,omitempty"`
}

// SnapshotOutput is the whole snapshot and where it was written.
type SnapshotOutput struct {
	Employees []EmployeeAccess `json:"employees"`
	Path      string           `json:"path"`   // relative to the evidence folder
	SHA256    string           `json:"sha256"` // of the file at Path
}

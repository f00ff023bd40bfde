package directory

import "context"

// PrivilegedMember is one account in a directory's built-in privileged
// group (AD's Domain Admins, ...), directly or through nesting.
type PrivilegedMember struct {
	Group      string
	Account    string // the account's name there (sAMAccountName)
	ID         string // the account's id, as the directory's other calls take it (objectGUID)
	EmployeeID string // "" for an account no employee owns
	Enabled    bool
	BreakGlass bool // on the configured break-glass list
	Nested     bool // a member through another group only
}

// PrivilegedGroupReader lists every member of the directory's privileged
// groups, employees or not, for the standing-privilege KPI.
type PrivilegedGroupReader interface {
	PrivilegedMembers(ctx context.Context) ([]PrivilegedMember, error)
}

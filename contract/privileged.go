package contract

// ReadPrivilegedGroups lists the permanent members of every directory's
// built-in privileged groups (AD's Domain Admins, ...), for the KPI report.
var ReadPrivilegedGroups = Activity[PrivilegedInput, PrivilegedOutput]{Name: "ReadPrivilegedGroups", Options: EvidenceOptions}

// PrivilegedInput names the directories and who holds what through an
// active elevation (not permanent).
type PrivilegedInput struct {
	Directories []string                      `json:"directories"`
	Elevated    map[string][]ElevationRoleRef `json:"elevated,omitempty"`
}

// PrivilegedHolder is one permanent member outside the break-glass list.
// Account is the directory's account name (an id, e.g. sAMAccountName).
type PrivilegedHolder struct {
	Group      string `json:"group"`
	Account    string `json:"account"`
	EmployeeID string `json:"employee_id,omitempty"`
}

// PrivilegedDirectory is one directory's privileged groups.
type PrivilegedDirectory struct {
	Directory string `json:"directory"`
	// Accounts is every distinct member; BreakGlass and Elevated are those
	// excluded as such; Permanent the rest, one row per group held.
	Accounts   int                `json:"accounts"`
	BreakGlass int                `json:"break_glass"`
	Elevated   int                `json:"elevated"`
	Permanent  []PrivilegedHolder `json:"permanent,omitempty"`
}

// PrivilegedOutput covers every directory that has privileged groups.
type PrivilegedOutput struct {
	Directories []PrivilegedDirectory `json:"directories,omitempty"`
}

package contract

// A leaver's lane in three activities (disable, remove access, verify)
// where it was six: each activity is a round trip through the server on
// the lane's critical path, and these steps always run back to back.

// LockOutInput is a leaver lane's first step: the account (by its known
// id, else found by employee id and email), disabled, its sessions
// revoked.
type LockOutInput struct {
	Directory  string `json:"directory"`
	AccountID  string `json:"account_id,omitempty"` // empty: look it up
	EmployeeID string `json:"employee_id"`
	Email      string `json:"email,omitempty"` // the look-up's fallback
}

// LockOutOutput says whether there was an account, which, and what the
// step did to it.
type LockOutOutput struct {
	Directory string `json:"directory"`
	Found     bool   `json:"found"`
	AccountID string `json:"account_id,omitempty"`
	// Login is the account's sign-in name as the look-up found it (Google
	// lists devices by it); empty when the id was known.
	Login   string   `json:"login,omitempty"`
	Actions []Action `json:"actions,omitempty"`
}

// OffboardAccessInput removes every group, license and admin role, and
// retires the devices when the policy says so.
type OffboardAccessInput struct {
	AccountInput
	RetireDevices bool `json:"retire_devices,omitempty"`
}

var (
	LockOutAccount         = Activity[LockOutInput, LockOutOutput]{Name: "LockOutAccount", Options: DirectoryOptions}
	RemoveAccessAndDevices = Activity[OffboardAccessInput, StepOutput]{Name: "RemoveAccessAndDevices", Options: HeartbeatDirectoryOptions}
)

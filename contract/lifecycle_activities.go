package contract

import (
	"time"

	"github.com/jml-dev/jml/domain"
)

// PlanAccessInput asks the role catalog what the attributes justify and the
// diff from what is granted now.
type PlanAccessInput struct {
	Attributes domain.Attributes   `json:"attributes"`
	Granted    domain.Entitlements `json:"granted"`
}

// PlanAccessOutput is config.Catalog.Evaluate plus domain.Diff.
type PlanAccessOutput struct {
	Entitlements domain.Entitlements `json:"entitlements"`
	Changes      []domain.Change     `json:"changes,omitempty"`
}

// EnsureAccountInput finds or creates the account.
type EnsureAccountInput struct {
	Directory string        `json:"directory"`
	Person    domain.Person `json:"person"`
	Enabled   bool          `json:"enabled"`
}

// LookupAccountInput finds an account without creating it.
type LookupAccountInput struct {
	Directory  string `json:"directory"`
	EmployeeID string `json:"employee_id"`
	Email      string `json:"email,omitempty"`
}

// AccountOutput is an account found or created.
type AccountOutput struct {
	Directory string `json:"directory"`
	Found     bool   `json:"found"`
	AccountID string `json:"account_id,omitempty"`
	Enabled   bool   `json:"enabled"`
	Outcome   string `json:"outcome,omitempty"`
	// Synced: the account is synced from on-premises AD (Entra's
	// onPremisesSyncEnabled), so AD masters its state and profile.
	Synced bool `json:"synced,omitempty"`
}

// AccountInput names one account in one directory.
type AccountInput struct {
	Directory  string `json:"directory"`
	AccountID  string `json:"account_id"`
	EmployeeID string `json:"employee_id"` // for log lines
	// Since is when the leaver's lane began: the verify step checks that
	// sessions issued before it are refused.
	Since time.Time `json:"since,omitzero"`
	// Login is the account's sign-in name when the look-up returned it
	// (Google lists devices by it); empty: the step reads it if needed.
	Login string `json:"login,omitempty"`
}

// UpdateProfileInput updates HR attributes on the account.
type UpdateProfileInput struct {
	Directory string        `json:"directory"`
	AccountID string        `json:"account_id"`
	Person    domain.Person `json:"person"`
}

// SetManagerInput sets the manager, resolved by the manager's employee id.
type SetManagerInput struct {
	Directory         string `json:"directory"`
	AccountID         string `json:"account_id"`
	EmployeeID        string `json:"employee_id"`
	ManagerEmployeeID string `json:"manager_employee_id"`
}

// ApplyAccessInput adds and removes groups and licenses in one directory.
type ApplyAccessInput struct {
	Directory  string          `json:"directory"`
	AccountID  string          `json:"account_id"`
	EmployeeID string          `json:"employee_id"`
	Changes    []domain.Change `json:"changes"`
}

// AppInput provisions or deprovisions the SCIM app account.
type AppInput struct {
	App    string        `json:"app"`
	Person domain.Person `json:"person"`
}

// StepOutput lists what a step did.
type StepOutput struct {
	Directory string   `json:"directory"`
	Actions   []Action `json:"actions,omitempty"`
}

// VerifyOutput is the read-back after offboarding.
type VerifyOutput struct {
	Directory       string `json:"directory"`
	Disabled        bool   `json:"disabled"`
	SessionsRevoked bool   `json:"sessions_revoked"`
	Status          string `json:"status,omitempty"`
	// Evidence is what the directory said about its sessions.
	Evidence string `json:"evidence,omitempty"`
}

// OffboardingLogInput is one leaver row.
type OffboardingLogInput struct {
	EmployeeID  string    `json:"employee_id"`
	EffectiveAt time.Time `json:"effective_at"`
	CompletedAt time.Time `json:"completed_at"`
	SLAMet      bool      `json:"sla_met"`
	// NoAccounts: nothing was found to offboard (outcome column no_accounts).
	NoAccounts  bool              `json:"no_accounts,omitempty"`
	Directories []DirectoryResult `json:"directories"`
	Decisions   []DecisionRecord  `json:"decisions,omitempty"`
	// Preempted names the lifecycle run the termination cancelled to start
	// at once ("joiner employee/E0042/joiner/1"), empty when none.
	Preempted string `json:"preempted,omitempty"`
	// Held: the mass-termination guard held the termination (the hold and
	// who released it); the SLA still counts from EffectiveAt.
	Held string `json:"held,omitempty"`
	// ManualApps are the owner tasks the leaver opened; their confirmation
	// or breach is in AppTasksLogPath.
	ManualApps []ManualAppRef `json:"manual_apps,omitempty"`
	// WorkflowID and RunID identify the row: a retried activity finds it
	// and does not write a second one.
	WorkflowID string `json:"workflow_id"`
	RunID      string `json:"run_id"`
}

// OffboardingLogOutput says whether this call wrote the row.
type OffboardingLogOutput struct {
	Path     string `json:"path"`
	Appended bool   `json:"appended"` // false: the row was already there (retry)
}

// Lifecycle activities. Options are the defaults of each handle; heartbeat
// where a step walks a list (groups, licenses, devices).
var (
	PlanAccess           = Activity[PlanAccessInput, PlanAccessOutput]{Name: "PlanAccess", Options: PlanOptions}
	EnsureAccount        = Activity[EnsureAccountInput, AccountOutput]{Name: "EnsureAccount", Options: DirectoryOptions}
	LookupAccount        = Activity[LookupAccountInput, AccountOutput]{Name: "LookupAccount", Options: DirectoryOptions}
	EnableAccount        = Activity[AccountInput, StepOutput]{Name: "EnableAccount", Options: DirectoryOptions}
	UpdateProfile        = Activity[UpdateProfileInput, StepOutput]{Name: "UpdateProfile", Options: DirectoryOptions}
	SetManager           = Activity[SetManagerInput, StepOutput]{Name: "SetManager", Options: DirectoryOptions}
	ApplyAccess          = Activity[ApplyAccessInput, StepOutput]{Name: "ApplyAccess", Options: HeartbeatDirectoryOptions}
	ProvisionApp         = Activity[AppInput, StepOutput]{Name: "ProvisionApp", Options: DirectoryOptions}
	DeprovisionApp       = Activity[AppInput, StepOutput]{Name: "DeprovisionApp", Options: DirectoryOptions}
	DisableAccount       = Activity[AccountInput, StepOutput]{Name: "DisableAccount", Options: DirectoryOptions}
	RevokeSessions       = Activity[AccountInput, StepOutput]{Name: "RevokeSessions", Options: DirectoryOptions}
	RemoveAllAccess      = Activity[AccountInput, StepOutput]{Name: "RemoveAllAccess", Options: HeartbeatDirectoryOptions}
	RetireDevices        = Activity[AccountInput, StepOutput]{Name: "RetireDevices", Options: HeartbeatDirectoryOptions}
	VerifyDisabled       = Activity[AccountInput, VerifyOutput]{Name: "VerifyDisabled", Options: DirectoryOptions}
	AppendOffboardingLog = Activity[OffboardingLogInput, OffboardingLogOutput]{Name: "AppendOffboardingLog", Options: DirectoryOptions}
)

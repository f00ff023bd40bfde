package contract

import "github.com/jml-dev/jml/domain"

// LoginPolicy allocates the work email of a joiner HR has none for.
type LoginPolicy struct {
	Template       string `json:"template,omitempty"` // "" = domain.DefaultLoginTemplate
	Domain         string `json:"domain"`
	MatchAttribute string `json:"match_attribute,omitempty"`
}

// Template is the domain form.
func (p LoginPolicy) LoginTemplate() domain.LoginTemplate {
	return domain.LoginTemplate{Template: p.Template, Domain: p.Domain}
}

// LoginReservationWorkflowName is the workflow whose id (domain.LoginLockID)
// reserves one address: Temporal refuses a second start of the same id, so
// two joiners named alike cannot both take it.
const LoginReservationWorkflowName = "LoginReservation"

// LoginReservationInput names who holds the address (payload only: the
// id is a hash).
type LoginReservationInput struct {
	EmployeeID string `json:"employee_id"`
	Address    string `json:"address"`
}

// FindLoginInput asks for the first free candidate from From (1 = the
// base address) across every enabled directory, after looking for an
// account the employee already has.
type FindLoginInput struct {
	EmployeeID  string      `json:"employee_id"`
	GivenName   string      `json:"given_name"`
	FamilyName  string      `json:"family_name"`
	Policy      LoginPolicy `json:"policy"`
	Directories []string    `json:"directories"`
	From        int         `json:"from"`
}

// FindLoginOutput is a candidate no directory holds (Existing: the
// employee's own account's login, found by employee id or attribute).
type FindLoginOutput struct {
	Address  string `json:"address"`
	N        int    `json:"n"`
	Existing bool   `json:"existing,omitempty"`
	// Taken lists the candidates skipped and the directory holding each.
	Taken []string `json:"taken,omitempty"`
}

// MatchAccountInput looks for an existing account of the employee by
// employee id, then email, then the configured attribute.
type MatchAccountInput struct {
	Directory      string `json:"directory"`
	EmployeeID     string `json:"employee_id"`
	Email          string `json:"email,omitempty"`
	MatchAttribute string `json:"match_attribute,omitempty"`
}

// LoginRecordInput is one evidence row for an allocated login.
type LoginRecordInput struct {
	EmployeeID string   `json:"employee_id"`
	Address    string   `json:"address"`
	Existing   bool     `json:"existing,omitempty"`
	Taken      []string `json:"taken,omitempty"`
	WorkflowID string   `json:"workflow_id"`
	RunID      string   `json:"run_id"`
}

// Login activities.
var (
	FindLogin = Activity[FindLoginInput, FindLoginOutput]{Name: "FindLogin", Options: DirectoryOptions}
	// MatchAccount fails with ErrAmbiguousAccount when two accounts match:
	// the lane blocks and the security channel is told both account ids.
	MatchAccount = Activity[MatchAccountInput, AccountOutput]{Name: "MatchAccount", Options: DirectoryOptions}
	RecordLogin  = Activity[LoginRecordInput, Empty]{Name: "RecordLogin", Options: DirectoryOptions}
)

// ErrAmbiguousAccount is MatchAccount's non-retryable error type: two
// accounts could be the employee's; a person must decide.
const ErrAmbiguousAccount = "AmbiguousAccount"

// MaxLoginCandidates bounds the suffixes tried (jane.doe … jane.doe99).
const MaxLoginCandidates = 99

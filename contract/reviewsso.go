package contract

// RemoveSSOApp unassigns an app from the reviewee in a directory's own
// single sign-on (an sso_app item a reviewer removed). An assignment that
// comes from a group membership is not removed: the output names the
// groups, and the campaign records the removal as failed, never applied.
var RemoveSSOApp = Activity[SSOAppInput, SSOAppOutput]{Name: "RemoveSSOApp", Options: DirectoryOptions}

// SSOAppInput names the account and the app (by its label, as the
// snapshot listed it).
type SSOAppInput struct {
	Directory  string `json:"directory"`
	AccountID  string `json:"account_id"`
	EmployeeID string `json:"employee_id"`
	App        string `json:"app"`
}

// SSOAppOutput is the outcome (removed, was_absent), or GroupAssigned with
// the groups that grant the app and why it stays.
type SSOAppOutput struct {
	Outcome string   `json:"outcome,omitempty"`
	Groups  []string `json:"groups,omitempty"`
	Detail  string   `json:"detail,omitempty"`
}

// SSOAppGroupAssigned is SSOAppOutput.Outcome for an app a group grants.
const SSOAppGroupAssigned = "group_assigned"

package contract

// NotifyManagerInput tells the manager (found by employee id) something.
type NotifyManagerInput struct {
	ManagerEmployeeID string   `json:"manager_employee_id"`
	Directories       []string `json:"directories"` // where to look the manager up, in order
	Text              string   `json:"text"`
}

// NotifyChannelInput posts to a Slack channel.
type NotifyChannelInput struct {
	Channel string `json:"channel"`
	Text    string `json:"text"`
}

// NotifyOutput says whether a message went out (false when Slack is disabled
// or the recipient was not found).
type NotifyOutput struct {
	Delivered bool   `json:"delivered"`
	Detail    string `json:"detail,omitempty"`
}

// NotifyEmployeeInput DMs an employee (found by employee id) something.
type NotifyEmployeeInput struct {
	EmployeeID  string   `json:"employee_id"`
	Directories []string `json:"directories"` // where to look them up, in order
	Text        string   `json:"text"`
}

// Notifications: worth a few tries, never a blocked lane.
var (
	NotifyManager  = Activity[NotifyManagerInput, NotifyOutput]{Name: "NotifyManager", Options: NotifyOptions}
	NotifyEmployee = Activity[NotifyEmployeeInput, NotifyOutput]{Name: "NotifyEmployee", Options: NotifyOptions}
	NotifyChannel  = Activity[NotifyChannelInput, NotifyOutput]{Name: "NotifyChannel", Options: NotifyOptions}
)

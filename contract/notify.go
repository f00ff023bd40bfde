package contract

// NotifyManagerInput tells the manager something, at the work email of the
// HR record jml holds for them (never a directory's).
type NotifyManagerInput struct {
	ManagerEmployeeID string `json:"manager_employee_id"`
	Text              string `json:"text"`
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

// NotifyEmployeeInput DMs an employee something, at their HR work email.
type NotifyEmployeeInput struct {
	EmployeeID string `json:"employee_id"`
	// Email is the HR work email when the workflow holds it (PII: payload
	// only); empty, the activity reads the HR record jml holds.
	Email string `json:"email,omitempty"`
	Text  string `json:"text"`
}

// Notifications: worth a few tries, never a blocked lane.
var (
	NotifyManager  = Activity[NotifyManagerInput, NotifyOutput]{Name: "NotifyManager", Options: NotifyOptions}
	NotifyEmployee = Activity[NotifyEmployeeInput, NotifyOutput]{Name: "NotifyEmployee", Options: NotifyOptions}
	NotifyChannel  = Activity[NotifyChannelInput, NotifyOutput]{Name: "NotifyChannel", Options: NotifyOptions}
)

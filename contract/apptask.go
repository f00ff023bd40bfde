package contract

import (
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
)

// The AppTask workflow: one per owner task of a manual app (an account
// the owner must remove or create by hand). The leaver, mover or joiner
// starts it as an abandoned child and never waits on it; the owner's
// signed Done press arrives as UpdateAppTaskDone.
const (
	AppTaskWorkflowName = "AppTask"
	UpdateAppTaskDone   = "apptask-done"
	// AppTaskActionDone is the Slack action id of the task DM's button.
	AppTaskActionDone = "apptask-done"
	// AppTasksLogPath is the task evidence file under the evidence
	// directory, beside the offboarding log whose rows name the tasks.
	AppTasksLogPath = "Governance/Offboarding_AppTasks.csv"
)

// What the owner is asked to do.
const (
	AppTaskRemove = "remove"
	AppTaskCreate = "create"
)

// Task statuses.
const (
	AppTaskPending   = "pending"
	AppTaskConfirmed = "confirmed"
)

// ManualApp is a manual catalog app as the lifecycle workflows need it.
type ManualApp struct {
	Name     string        `json:"name"`
	Owner    string        `json:"owner"`              // HR employee id
	Fallback string        `json:"fallback,omitempty"` // may confirm too
	Deadline time.Duration `json:"deadline"`
}

// AppModeEntry is one catalog app and how it is provisioned.
type AppModeEntry struct {
	Name      string         `json:"name"`
	Mode      domain.AppMode `json:"mode"`
	Directory string         `json:"directory,omitempty"` // idp_group
	Group     string         `json:"group,omitempty"`     // idp_group
	Owner     string         `json:"owner,omitempty"`     // manual (employee id)
}

// AppTaskWorkflowID is "apptask/E0042/leaver/7/expensify" for the task of
// lifecycle run "employee/E0042/leaver/7": ids and the app name, no PII.
func AppTaskWorkflowID(lifecycleWorkflowID, app string) string {
	return "apptask/" + strings.TrimPrefix(lifecycleWorkflowID, "employee/") + "/" + app
}

// AppTaskInput starts a task.
type AppTaskInput struct {
	EmployeeID string `json:"employee_id"`
	// Login is the account's login in the app: the HR work email (PII,
	// payload only: never in the id, the summary or a search attribute).
	Login           string        `json:"login"`
	App             string        `json:"app"`
	Action          string        `json:"action"` // remove, create
	Owner           string        `json:"owner"`
	Fallback        string        `json:"fallback,omitempty"`
	Deadline        time.Duration `json:"deadline"`
	SecurityChannel string        `json:"security_channel,omitempty"`
	// Lifecycle is the run that opened the task (its offboarding row
	// names the task).
	Lifecycle string       `json:"lifecycle"`
	Event     domain.Event `json:"event"`
}

// AppTaskMessage is the owner's DM and the Slack ids presses are judged by,
// from the HR work emails of the owner and the fallback.
type AppTaskMessage struct {
	Posted          bool   `json:"posted"`
	Channel         string `json:"channel,omitempty"`
	TS              string `json:"ts,omitempty"`
	OwnerSlackID    string `json:"owner_slack_id,omitempty"`
	FallbackSlackID string `json:"fallback_slack_id,omitempty"`
	Detail          string `json:"detail,omitempty"` // why not posted
}

// AppTaskPress is a Done press (or a CLI confirmation).
type AppTaskPress struct {
	Actor  Actor     `json:"actor"`
	At     time.Time `json:"at,omitzero"`
	Reason string    `json:"reason,omitempty"` // why refused
}

// AppTaskDoneResult answers a press.
type AppTaskDoneResult struct {
	Result string    `json:"result"` // confirmed, refused, already confirmed
	Reason string    `json:"reason,omitempty"`
	By     string    `json:"by,omitempty"`
	At     time.Time `json:"at,omitzero"`
}

// AppTaskState is the task's state (the state query and the result).
type AppTaskState struct {
	TaskID       string         `json:"task_id"`
	App          string         `json:"app"`
	Action       string         `json:"action"`
	Status       string         `json:"status"`
	OpenedAt     time.Time      `json:"opened_at"`
	DueAt        time.Time      `json:"due_at"`
	RemindedAt   time.Time      `json:"reminded_at,omitzero"`
	BreachedAt   time.Time      `json:"breached_at,omitzero"`
	Confirmed    *AppTaskPress  `json:"confirmed,omitempty"`
	Refusals     []AppTaskPress `json:"refusals,omitempty"`
	RefusedCount int            `json:"refused_count,omitempty"` // all refusals; the first 20 are kept
	Message      AppTaskMessage `json:"message"`
}

// PostAppTaskInput posts the owner's DM, or with Outcome set rewrites it
// without the button.
type PostAppTaskInput struct {
	TaskID  string         `json:"task_id"`
	Task    AppTaskInput   `json:"task"`
	Message AppTaskMessage `json:"message,omitzero"`
	Outcome string         `json:"outcome,omitempty"`
}

// AppTaskEvent is one line of the task evidence file.
type AppTaskEvent struct {
	TaskID     string    `json:"task_id"`
	RunID      string    `json:"run_id"`
	Seq        int       `json:"seq"` // with task and run: the line's identity (a retry writes nothing)
	EmployeeID string    `json:"employee_id"`
	App        string    `json:"app"`
	Action     string    `json:"action"`
	Owner      string    `json:"owner"`
	Event      string    `json:"event"` // opened, reminded, breached, refused, confirmed
	At         time.Time `json:"at"`
	DueAt      time.Time `json:"due_at"`
	By         string    `json:"by,omitempty"` // who confirmed or was refused
	Lifecycle  string    `json:"lifecycle"`
	Detail     string    `json:"detail,omitempty"`
}

// ManualAppRef is a task as the offboarding row names it.
type ManualAppRef struct {
	App    string    `json:"app"`
	TaskID string    `json:"task_id"`
	Owner  string    `json:"owner"`
	DueAt  time.Time `json:"due_at"`
	Error  string    `json:"error,omitempty"` // the task could not be started
}

// App task activities.
var (
	PostAppTask      = Activity[PostAppTaskInput, AppTaskMessage]{Name: "PostAppTask", Options: NotifyOptions}
	AppendAppTaskLog = Activity[AppTaskEvent, OffboardingLogOutput]{Name: "AppendAppTaskLog", Options: DirectoryOptions}
)

package activities

import (
	"fmt"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
)

// manualAppsColumn is the offboarding row's manual_apps cell: each manual
// app with the owner task that handles it. The row is written when the
// leaver finishes, before any owner has acted, so the confirmation (who,
// when) or the breach is a line of the task's own evidence file
// (contract.AppTasksLogPath), found by the task id named here.
func manualAppsColumn(refs []contract.ManualAppRef) string {
	var parts []string
	for _, r := range refs {
		if r.Error != "" {
			parts = append(parts, fmt.Sprintf("%s: owner task NOT started (%s), owner %s", r.App, r.Error, r.Owner))
			continue
		}
		parts = append(parts, fmt.Sprintf("%s: owner task %s, owner %s, due %s (outcome in %s)", r.App, r.TaskID, r.Owner, r.DueAt.UTC().Format(time.RFC3339), contract.AppTasksLogPath))
	}
	return strings.Join(parts, "; ")
}

package config

import (
	"fmt"
	"strings"
	"time"
)

// DefaultCaptureSchedule is the daily identity-log capture: 01:30 UTC,
// before the monthly seal at 02:00 on the 1st.
const DefaultCaptureSchedule = "30 1 * * *"

// DefaultLogRetentionDays is how long each directory keeps its sign-in and
// audit logs, which the daily capture must outrun. Set
// evidence.log_retention_days where your tenant keeps more (or less).
//   - Entra ID: 7 days on Free, 30 days with P1 or P2 (Microsoft Learn,
//     "Microsoft Entra data retention",
//     https://learn.microsoft.com/entra/identity/monitoring-health/reference-reports-data-retention).
//     The default is Free's 7: assuming more than the tenant keeps would
//     call a lost range captured. Set 30 for P1/P2.
//   - Okta: the System Log keeps 90 days (developer.okta.com, System Log
//     API, "data retention"; https://developer.okta.com/docs/reference/api/system-log/).
//   - Google Workspace: login audit events are kept 6 months (Google
//     Workspace Admin Help, "Data retention and lag times",
//     https://support.google.com/a/answer/7061566): 180 days.
//   - JumpCloud: Directory Insights keeps 90 days of events by default
//     (JumpCloud, "Get Started: Directory Insights",
//     https://jumpcloud.com/support/get-started-directory-insights).
//   - AD has no sign-in log API: nothing is captured, the manifest says so.
var DefaultLogRetentionDays = map[string]int{Entra: 7, Okta: 90, Google: 180, JumpCloud: 90}

// LogRetentionDays is each enabled directory's retention: the configured
// value, else its default.
func (c *Config) LogRetentionDays() map[string]int {
	out := map[string]int{}
	for _, d := range c.EnabledDirectories() {
		if n := c.Evidence.LogRetentionDays[d]; n > 0 {
			out[d] = n
		} else if n := DefaultLogRetentionDays[d]; n > 0 {
			out[d] = n
		}
	}
	return out
}

// CaptureCron is evidence.capture_schedule or its default.
func (e Evidence) CaptureCron() string {
	if s := strings.TrimSpace(e.CaptureSchedule); s != "" {
		return s
	}
	return DefaultCaptureSchedule
}

// CaptureSpec reads evidence.capture_schedule as hr.sources[].schedule
// is read: an interval ("24h") or a cron spec in UTC ("30 1 * * *", @daily).
func (e Evidence) CaptureSpec() (time.Duration, string, error) {
	return ParseHRSchedule(e.CaptureCron())
}

// evidenceChecks: a readable capture schedule, and a positive retention
// for a directory that has a log to capture.
func (v *validator) evidenceChecks(c *Config) {
	if _, _, err := c.Evidence.CaptureSpec(); err != nil {
		v.add(0, "evidence.capture_schedule", err.Error())
	}
	for d, n := range c.Evidence.LogRetentionDays {
		p := "evidence.log_retention_days." + d
		switch {
		case DefaultLogRetentionDays[d] == 0:
			v.add(0, p, fmt.Sprintf("%q is not a directory with a sign-in log (one of entra, okta, google, jumpcloud)", d))
		case n <= 0 || n > 3650:
			v.add(0, p, fmt.Sprintf("%d is not a number of days from 1 to 3650", n))
		}
	}
}

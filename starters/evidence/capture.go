package evidence

import (
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
)

// CaptureScheduleID is the daily identity-log capture's schedule.
const CaptureScheduleID = "evidence-identity-log-capture"

// CaptureSpec is evidence.capture_schedule as a schedule spec (an interval
// or a cron in UTC); the configuration was checked at start-up.
func CaptureSpec(cfg *config.Config) client.ScheduleSpec {
	iv, cron, err := cfg.Evidence.CaptureSpec()
	if err != nil || (iv == 0 && cron == "") {
		_, cron, _ = config.ParseHRSchedule(config.DefaultCaptureSchedule)
	}
	if iv > 0 {
		return client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: iv}}}
	}
	return client.ScheduleSpec{CronExpressions: []string{cron}, TimeZoneName: "UTC"}
}

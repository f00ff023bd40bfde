package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/contract"
)

// Reviews configures access-review campaigns (reviews.*): who reviews when
// the managers cannot, how long they have, and what silence means.
type Reviews struct {
	// Enabled creates the campaign schedule; `jml review start` works
	// either way.
	Enabled bool `yaml:"enabled"`
	// Schedule is a cron spec or an interval (as hr.sources[].schedule);
	// default DefaultReviewSchedule, quarterly.
	Schedule string `yaml:"schedule"`
	// Due is how long reviewers have ("14d", "336h"); default 14d.
	Due Days `yaml:"due"`
	// Owner is the fallback reviewer and who escalations go to: an HR
	// employee id (never a directory account).
	Owner string `yaml:"owner"`
	// NonResponse is what happens at due to what nobody decided: keep,
	// remove, or escalate (to the owner, for EscalationGrace). Default keep.
	NonResponse     string `yaml:"non_response"`
	EscalationGrace Days   `yaml:"escalation_grace"`
	// PartSize is how many reviewees one part of a campaign holds; a
	// campaign over more is reviewed in parts (default 100, at most 1000).
	PartSize int `yaml:"part_size"`
}

// DefaultReviewSchedule: 06:00 UTC on the first day of each quarter.
const DefaultReviewSchedule = "0 6 1 1,4,7,10 *"

// Days is a duration written as "14d" or as a Go duration ("36h").
type Days time.Duration

// D returns the time.Duration.
func (d Days) D() time.Duration { return time.Duration(d) }

// UnmarshalText parses "14d" or a Go duration; empty is unset (the
// default applies), which is also how an unset one is written back.
func (d *Days) UnmarshalText(b []byte) error {
	if strings.TrimSpace(string(b)) == "" {
		*d = 0
		return nil
	}
	v, err := ParseDays(string(b))
	if err != nil {
		return err
	}
	*d = Days(v)
	return nil
}

// MarshalText renders whole days as "14d", and unset as empty: a config
// written back out (the tests' generated files) must load again.
func (d Days) MarshalText() ([]byte, error) {
	if d == 0 {
		return []byte{}, nil
	}
	if v := time.Duration(d); v > 0 && v%(24*time.Hour) == 0 {
		return []byte(fmt.Sprintf("%dd", v/(24*time.Hour))), nil
	}
	return []byte(time.Duration(d).String()), nil
}

// ParseDays reads "14d" or a Go duration ("90m", "36h").
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		if v, err := strconv.Atoi(n); err == nil && v > 0 {
			return time.Duration(v) * 24 * time.Hour, nil
		}
	}
	v, err := time.ParseDuration(s)
	if err != nil || v <= 0 {
		return 0, fmt.Errorf("%q is not a duration (e.g. 14d, 36h)", s)
	}
	return v, nil
}

// ReviewSchedule is reviews.schedule with its default.
func (r Reviews) ReviewSchedule() string {
	if strings.TrimSpace(r.Schedule) == "" {
		return DefaultReviewSchedule
	}
	return r.Schedule
}

// ReviewPolicy is reviews.* and governance.break_glass as the campaign
// workflow takes them.
func (c *Config) ReviewPolicy() contract.ReviewPolicy {
	r := c.Reviews
	p := contract.ReviewPolicy{Due: r.Due.D(), Owner: r.Owner, NonResponse: r.NonResponse, EscalationGrace: r.EscalationGrace.D(), SecurityChannel: c.Slack.SecurityChannel, PartSize: r.PartSize}
	if p.Due <= 0 {
		p.Due = 14 * 24 * time.Hour
	}
	if p.NonResponse == "" {
		p.NonResponse = contract.NonResponseKeep
	}
	if p.EscalationGrace <= 0 {
		p.EscalationGrace = 7 * 24 * time.Hour
	}
	for _, b := range c.Governance.BreakGlass {
		p.BreakGlass = append(p.BreakGlass, contract.BreakGlassRef{Directory: b.Directory, Account: b.Account})
	}
	return p
}

var nonResponses = []string{contract.NonResponseKeep, contract.NonResponseRemove, contract.NonResponseEscalate}

// reviews checks reviews.*: a schedule Temporal can run, a known policy,
// and an owner when campaigns are scheduled or may escalate.
func (v *validator) reviews(c *Config) {
	r := c.Reviews
	if r.NonResponse != "" && !slices.Contains(nonResponses, r.NonResponse) {
		v.add(0, "reviews.non_response", fmt.Sprintf("%q is not a policy (expected one of: %s)", r.NonResponse, strings.Join(nonResponses, ", ")))
	}
	if r.Schedule != "" {
		if _, _, err := ParseHRSchedule(r.Schedule); err != nil {
			v.add(0, "reviews.schedule", err.Error())
		}
	}
	if (r.Enabled || r.NonResponse == contract.NonResponseEscalate) && strings.TrimSpace(r.Owner) == "" {
		v.add(0, "reviews.owner", "is required (the HR employee id of the fallback reviewer, who escalations go to)")
	}
	if r.PartSize < 0 || r.PartSize > contract.MaxReviewPartSize {
		v.add(0, "reviews.part_size", fmt.Sprintf("%d: want 1 to %d reviewees per part (0: %d)", r.PartSize, contract.MaxReviewPartSize, contract.DefaultReviewPartSize))
	}
	if d := r.Due.D(); d != 0 && d < time.Hour {
		v.add(0, "reviews.due", "is at least 1h (reminders fall at the halfway point and two days before due)")
	}
}

package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Login builds the work email (the primary login everywhere) of a joiner
// HR sends without one (hr.login).
type Login struct {
	// Template: {given}, {given_initial}, {family}, {domain}; default
	// "{given}.{family}@{domain}". Empty domain and template: off, an HR
	// record without an email is refused as before.
	Template string `yaml:"template"`
	Domain   string `yaml:"domain"`
	// MatchAttribute is the directory attribute that also identifies an
	// existing account (after employee id and email), where the directory
	// can search by it; "" = none.
	MatchAttribute string `yaml:"match_attribute"`
}

// Enabled: jml allocates logins for joiners without an email.
func (l Login) Enabled() bool { return l.Domain != "" || l.Template != "" }

// Guard holds back HR runs that would change too much at once (hr.guard):
// mass terminations, and scheduled imports missing too many people.
type Guard struct {
	// MaxTerminations: a count ("25") or a percentage of active employees
	// ("10%"), per run (one import or one webhook batch) and per rolling
	// hour. Unset: no guard.
	MaxTerminations Threshold `yaml:"max_terminations,omitempty"`
	// MaxTerminationsPerHour overrides the rolling-hour limit (default:
	// max_terminations).
	MaxTerminationsPerHour Threshold `yaml:"max_terminations_per_hour,omitempty"`
	// Approvers are the HR employee ids who may approve or reject held
	// terminations in Slack (never the run's requester).
	Approvers []string `yaml:"approvers"`
	// ApprovalsRequired: distinct approvers needed to release (default 1;
	// 2 is the two-person rule). One reject is enough to quarantine.
	ApprovalsRequired int `yaml:"approvals_required"`
	// MaxMissing refuses a scheduled import whose file lacks more than
	// this many people of the last accepted snapshot (a truncated or
	// filtered export would otherwise look like mass departures). Unset:
	// DefaultMaxMissing; 0: nobody may be missing.
	MaxMissing int `yaml:"max_missing"`
}

// DefaultMaxMissing is hr.guard.max_missing when the file leaves it unset.
const DefaultMaxMissing = 10

// Threshold is a count or a percentage ("10%").
type Threshold struct {
	Count   int
	Percent float64
	set     bool
}

// IsSet: the threshold was configured.
func (t Threshold) IsSet() bool { return t.set }

// IsZero: unset, so a configuration written back out (the tests' and the
// benches' generated files) leaves it out instead of writing "0", which
// would read back as a guard that holds every termination.
func (t Threshold) IsZero() bool { return !t.set }

// UnmarshalText parses "25" or "10%".
func (t *Threshold) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if p, ok := strings.CutSuffix(s, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v <= 0 || v > 100 {
			return fmt.Errorf("%q is not a percentage between 0 and 100 (e.g. 10%%)", s)
		}
		*t = Threshold{Percent: v, set: true}
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a count or a percentage (e.g. 25 or 10%%)", s)
	}
	*t = Threshold{Count: v, set: true}
	return nil
}

// MarshalText renders it back.
func (t Threshold) MarshalText() ([]byte, error) {
	if t.Percent > 0 {
		return []byte(strconv.FormatFloat(t.Percent, 'f', -1, 64) + "%"), nil
	}
	return []byte(strconv.Itoa(t.Count)), nil
}

func (t Threshold) limit() contract.GuardLimit {
	return contract.GuardLimit{Count: t.Count, Percent: t.Percent}
}

// GuardPolicy is the TerminationGuard workflow's policy; Enabled is false
// when hr.guard.max_terminations is unset.
func (c *Config) GuardPolicy() contract.GuardPolicy {
	g := c.HR.Guard
	p := contract.GuardPolicy{Enabled: g.MaxTerminations.IsSet(), PerRun: g.MaxTerminations.limit(), PerHour: g.MaxTerminations.limit(),
		Approvers: g.Approvers, ApprovalsRequired: g.ApprovalsRequired, SecurityChannel: c.Slack.SecurityChannel, EvidenceDir: c.Evidence.Dir}
	if g.MaxTerminationsPerHour.IsSet() {
		p.PerHour = g.MaxTerminationsPerHour.limit()
	}
	if p.ApprovalsRequired <= 0 {
		p.ApprovalsRequired = 1
	}
	return p
}

// LoginPolicy is the joiner's login allocation (nil: off).
func (c *Config) LoginPolicy() *contract.LoginPolicy {
	l := c.HR.Login
	if !l.Enabled() {
		return nil
	}
	dom := l.Domain
	if dom == "" && c.Directories.Google.Enabled {
		dom = c.Directories.Google.Domain
	}
	return &contract.LoginPolicy{Template: l.Template, Domain: dom, MatchAttribute: l.MatchAttribute}
}

// hrguard checks hr.login and hr.guard.
func (v *validator) hrguard(c *Config) {
	l := c.HR.Login
	if l.Enabled() {
		if p := domain.CheckLoginTemplate(l.Template); p != "" {
			v.add(0, "hr.login.template", fmt.Sprintf("%q %s", l.Template, p))
		}
		tmpl := l.Template
		if tmpl == "" {
			tmpl = domain.DefaultLoginTemplate
		}
		if strings.Contains(tmpl, "{domain}") && c.LoginPolicy().Domain == "" {
			v.add(0, "hr.login.domain", "is required when the template uses {domain}")
		}
		if d := c.HR.Login.Domain; d != "" && (strings.ContainsAny(d, "@ /") || !strings.Contains(d, ".")) {
			v.add(0, "hr.login.domain", fmt.Sprintf("%q is not a domain (e.g. example.com)", d))
		}
	}
	g := c.HR.Guard
	if !g.MaxTerminations.IsSet() {
		if len(g.Approvers) > 0 || g.MaxTerminationsPerHour.IsSet() {
			v.add(0, "hr.guard.max_terminations", "is required when hr.guard is configured")
		}
		return
	}
	if len(g.Approvers) == 0 {
		v.add(0, "hr.guard.approvers", "is required: the HR employee ids who may release held terminations")
	}
	for i, a := range g.Approvers {
		if !domain.ValidEmployeeID(a) {
			v.add(0, fmt.Sprintf("hr.guard.approvers[%d]", i), fmt.Sprintf("%q is not an employee id", a))
		}
	}
	if g.ApprovalsRequired < 0 || g.ApprovalsRequired > len(g.Approvers) && len(g.Approvers) > 0 {
		v.add(0, "hr.guard.approvals_required", fmt.Sprintf("%d is not between 1 and the %d approvers", g.ApprovalsRequired, len(g.Approvers)))
	}
	if !c.Slack.Enabled {
		v.add(0, "hr.guard", "needs slack.enabled: held terminations are approved in the security channel")
	}
}

// ParseThreshold reads "25" or "10%" (tests and tools building a config).
func ParseThreshold(s string) (Threshold, error) {
	var t Threshold
	err := t.UnmarshalText([]byte(s))
	return t, err
}

// hrGuard checks hr.guard.max_missing and fills its default.
func (v *validator) hrGuard(c *Config) {
	switch m := c.HR.Guard.MaxMissing; {
	case !v.written("hr.guard.max_missing"):
		c.HR.Guard.MaxMissing = DefaultMaxMissing
	case m < 0:
		v.add(0, "hr.guard.max_missing", fmt.Sprintf("%d: a count of people, 0 or more", m))
	}
}

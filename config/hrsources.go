package config

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
)

// HRSource is one HR source profile (hr.sources[]): where records come
// from and how its export maps onto jml's record. `profile` starts from a
// shipped profile (integrations/hr: jml, gusto, adp, bamboohr, workday);
// everything else here is laid over it.
type HRSource struct {
	Name    string `yaml:"name"`
	Kind    string `yaml:"kind"`    // csv, json, bamboohr, webhook
	Profile string `yaml:"profile"` // a shipped profile to start from; default jml
	// Columns maps an export column (case-insensitive) to a record field,
	// or to "-" to ignore it without a warning.
	Columns map[string]string `yaml:"columns"`
	// Status and EmploymentType map the export's words to jml's,
	// case-insensitively ("Active: active", "Full-Time: full_time").
	Status         map[string]string `yaml:"status"`
	EmploymentType map[string]string `yaml:"employment_type"`
	// DateFormats are Go layouts tried in order (2006-01-02, 01/02/2006,
	// 02.01.2006, RFC3339).
	DateFormats []string         `yaml:"date_formats"`
	Defaults    HRSourceDefaults `yaml:"defaults"`
	// Schedule runs this source's import on a Temporal Schedule: a cron
	// spec ("0 6 * * 1-5", "@daily") or an interval ("1h", "@every 30m").
	Schedule string `yaml:"schedule"`
	// DropFolder is where a scheduled csv/json import takes the newest file from.
	DropFolder string `yaml:"drop_folder"`
}

// HRSourceDefaults fill what a row leaves empty.
type HRSourceDefaults struct {
	Country   string                `yaml:"country"`  // ISO 3166-1 alpha-2
	Timezone  string                `yaml:"timezone"` // IANA
	Locations map[string]HRLocation `yaml:"locations"`
	// DisplayName is a template over {given} and {family}; default "{given} {family}".
	DisplayName string `yaml:"display_name"`
}

// HRLocation is what one location implies.
type HRLocation struct {
	Country  string `yaml:"country"`
	Timezone string `yaml:"timezone"`
}

// HRSourceKinds are the kinds a source may be.
var HRSourceKinds = []string{"csv", "json", "bamboohr", "webhook"}

// profile is the source as an hr.Profile, over its shipped base.
func (s HRSource) profile() (hr.Profile, error) {
	base := s.Profile
	if base == "" {
		base = hr.DefaultProfile
	}
	p, err := hr.Builtin(base)
	if err != nil {
		return hr.Profile{}, err
	}
	o := hr.Profile{Name: s.Name, Columns: s.Columns, EmploymentType: s.EmploymentType, DateFormats: s.DateFormats,
		Defaults: hr.Defaults{Country: s.Defaults.Country, Timezone: s.Defaults.Timezone, DisplayName: s.Defaults.DisplayName}}
	if len(s.Status) > 0 {
		o.Status = map[string]domain.HRStatus{}
		for k, v := range s.Status {
			o.Status[k] = domain.HRStatus(v)
		}
	}
	if len(s.Defaults.Locations) > 0 {
		o.Defaults.Locations = map[string]hr.Location{}
		for k, v := range s.Defaults.Locations {
			o.Defaults.Locations[k] = hr.Location(v)
		}
	}
	return p.Override(o), nil
}

// HRProfile is the profile an import by name uses: a configured source
// first, then a shipped profile. "" is the default (jml's own format).
func (c *Config) HRProfile(name string) (hr.Profile, error) {
	if name == "" {
		name = hr.DefaultProfile
	}
	for _, s := range c.HR.Sources {
		if strings.EqualFold(s.Name, name) {
			return s.profile()
		}
	}
	p, err := hr.Builtin(name)
	if err != nil {
		names := make([]string, 0, len(c.HR.Sources))
		for _, s := range c.HR.Sources {
			names = append(names, s.Name)
		}
		if len(names) > 0 {
			return hr.Profile{}, fmt.Errorf("%q is neither a source in hr.sources (%s) nor a shipped profile (%s)", name, strings.Join(names, ", "), strings.Join(hr.BuiltinNames(), ", "))
		}
		return hr.Profile{}, err
	}
	return p, nil
}

// HRSourceByName returns the configured source called name (case-insensitive).
func (c *Config) HRSourceByName(name string) (HRSource, bool) {
	for _, s := range c.HR.Sources {
		if strings.EqualFold(s.Name, name) {
			return s, true
		}
	}
	return HRSource{}, false
}

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// hrSources checks hr.sources[]: each problem names the source's index
// and the field.
func (v *validator) hrSources(c *Config) {
	seen := map[string]bool{}
	for i, s := range c.HR.Sources {
		at := func(field string) string { return fmt.Sprintf("hr.sources[%d].%s", i, field) }
		switch {
		case s.Name == "":
			v.add(0, at("name"), "is required")
		case !sourceName.MatchString(s.Name):
			v.add(0, at("name"), fmt.Sprintf("%q: lower-case letters, digits, '-' and '_', at most 63 (it names schedules and files)", s.Name))
		case seen[s.Name]:
			v.add(0, at("name"), fmt.Sprintf("%q is already the name of another source", s.Name))
		}
		seen[s.Name] = true
		name := func(field, msg string) {
			if s.Name != "" {
				msg = "source " + s.Name + ": " + msg
			}
			v.add(0, at(field), msg)
		}
		if !slices.Contains(HRSourceKinds, s.Kind) {
			name("kind", fmt.Sprintf("%q is not one of %s", s.Kind, strings.Join(HRSourceKinds, ", ")))
		}
		if s.Profile != "" {
			if _, err := hr.Builtin(s.Profile); err != nil {
				name("profile", err.Error())
				continue
			}
		}
		prof, err := s.profile()
		if err != nil {
			name("profile", err.Error())
			continue
		}
		for _, pr := range prof.Check() {
			name(pr[0], pr[1])
		}
		if s.Schedule != "" {
			if _, _, err := ParseHRSchedule(s.Schedule); err != nil {
				name("schedule", err.Error())
			}
			if s.Kind == "webhook" {
				name("schedule", "a webhook source is pushed to; it has no schedule")
			}
			if (s.Kind == "csv" || s.Kind == "json") && s.DropFolder == "" {
				name("drop_folder", "is required with a schedule on a "+s.Kind+" source (the folder the newest export is taken from)")
			}
		}
		if s.DropFolder != "" {
			if s.Kind != "csv" && s.Kind != "json" {
				name("drop_folder", "only a csv or json source reads a drop folder")
			}
			if strings.ContainsFunc(s.DropFolder, unicode.IsControl) {
				name("drop_folder", "has a control character")
			}
		}
	}
}

var cronField = regexp.MustCompile(`^[0-9A-Za-z*?/,\-#LW]+$`)

var cronDescriptors = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// ParseHRSchedule reads hr.sources[].schedule: an interval ("1h", "@every
// 30m", at least a minute) or a cron spec (five fields, or a descriptor
// like @daily). Exactly one of interval and cron is set.
func ParseHRSchedule(s string) (interval time.Duration, cron string, err error) {
	s = strings.TrimSpace(s)
	if d, ok := strings.CutPrefix(s, "@every "); ok {
		s = strings.TrimSpace(d)
	}
	if d, perr := time.ParseDuration(s); perr == nil {
		if d < time.Minute {
			return 0, "", fmt.Errorf("%q: an interval is at least 1m", s)
		}
		return d, "", nil
	}
	if slices.Contains(cronDescriptors, strings.ToLower(s)) {
		return 0, strings.ToLower(s), nil
	}
	f := strings.Fields(s)
	if len(f) != 5 {
		return 0, "", fmt.Errorf("%q is neither an interval (e.g. 1h, @every 30m) nor a cron spec of five fields (minute hour day-of-month month day-of-week, e.g. \"0 6 * * 1-5\") or a descriptor (%s)", s, strings.Join(cronDescriptors, ", "))
	}
	for i, x := range f {
		if !cronField.MatchString(x) {
			return 0, "", fmt.Errorf("%q: cron field %d (%s) is not a cron value", s, i+1, x)
		}
	}
	return 0, strings.Join(f, " "), nil
}

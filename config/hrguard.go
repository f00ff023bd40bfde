package config

import "fmt"

// HRGuard holds back HR runs that would change too much at once (hr.guard).
// Each guard is its own field; more go next to MaxMissing.
type HRGuard struct {
	// MaxMissing refuses a scheduled import whose file lacks more than
	// this many people of the last accepted snapshot (a truncated or
	// filtered export would otherwise look like mass departures). Unset:
	// DefaultMaxMissing; 0: nobody may be missing.
	MaxMissing int `yaml:"max_missing"`
}

// DefaultMaxMissing is hr.guard.max_missing when the file leaves it unset.
const DefaultMaxMissing = 10

// hrGuard checks hr.guard and fills its defaults.
func (v *validator) hrGuard(c *Config) {
	switch m := c.HR.Guard.MaxMissing; {
	case !v.written("hr.guard.max_missing"):
		c.HR.Guard.MaxMissing = DefaultMaxMissing
	case m < 0:
		v.add(0, "hr.guard.max_missing", fmt.Sprintf("%d: a count of people, 0 or more", m))
	}
}

package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/domain"
)

// withSources is demo.yaml with an hr.sources block under hr.
func withSources(t *testing.T, sources string) []byte {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	out := strings.Replace(string(b), "hr:\n  source: webhook\n", "hr:\n  source: webhook\n  sources:\n"+sources, 1)
	require.NotEqual(t, string(b), out)
	return []byte(out)
}

func TestHRSourcesOverrideAShippedProfile(t *testing.T) {
	c, err := Parse("demo.yaml", withSources(t, `
    - name: payroll
      kind: csv
      profile: gusto
      columns: {"Emp No": employee_id, "Badge": "-"}
      status: {Furloughed: on_leave}
      employment_type: {Apprentice: intern}
      date_formats: ["02.01.2006", "2006-01-02"]
      defaults:
        country: GB
        timezone: Europe/London
        locations: {"NYC HQ": {country: US, timezone: America/New_York}}
      schedule: "0 6 * * 1-5"
      drop_folder: /var/lib/jml/drop/payroll
`), env(demoEnv))
	require.NoError(t, err)
	p, err := c.HRProfile("payroll")
	require.NoError(t, err)
	assert.Equal(t, "employee_id", p.Columns["Emp No"])
	assert.Equal(t, "employee_id", p.Columns["Employee ID"], "the shipped gusto columns stay")
	assert.Equal(t, domain.HROnLeave, p.Status["Furloughed"])
	assert.Equal(t, domain.HRActive, p.Status["Active"])
	assert.Equal(t, []string{"02.01.2006", "2006-01-02"}, p.DateFormats)
	assert.Equal(t, "US", p.Defaults.Locations["NYC HQ"].Country)

	g, err := c.HRProfile("GUSTO")
	require.NoError(t, err, "a shipped profile by name, case-insensitively")
	assert.Equal(t, "gusto", g.Name)
	_, err = c.HRProfile("sage")
	require.ErrorContains(t, err, `"sage" is neither a source in hr.sources (payroll) nor a shipped profile`)
}

func TestHRSourceProblemsNameTheSourceAndField(t *testing.T) {
	_, err := Parse("demo.yaml", withSources(t, `
    - name: payroll
      kind: ftp
      profile: gusto
      columns: {"Emp No": employee_number}
      status: {Furloughed: furloughed}
      employment_type: {Apprentice: apprentice}
      date_formats: ["MM/DD/YYYY"]
      defaults: {country: USA, timezone: Mars/Olympus, display_name: "{first} {last}"}
      schedule: "every tuesday"
    - name: payroll
      kind: webhook
      profile: sage
    - name: drops
      kind: bamboohr
      schedule: 10s
      drop_folder: /tmp/x
`), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	got := map[string]string{}
	for _, p := range ce.Problems {
		got[p.Path] = p.Msg
	}
	want := map[string]string{
		"hr.sources[0].kind":                       `source payroll: "ftp" is not one of csv, json, bamboohr, webhook`,
		"hr.sources[0].columns.Emp No":             `"employee_number" is not a record field`,
		"hr.sources[0].status.Furloughed":          `"furloughed" is not one of pending, active, on_leave, terminated`,
		"hr.sources[0].employment_type.Apprentice": `"apprentice" is not one of full_time, part_time, contractor, intern`,
		"hr.sources[0].date_formats[0]":            `"MM/DD/YYYY" is not a date layout`,
		"hr.sources[0].defaults.country":           `"USA" is not a two-letter country code`,
		"hr.sources[0].defaults.timezone":          `"Mars/Olympus" is not an IANA time zone`,
		"hr.sources[0].defaults.display_name":      `only {given} and {family}`,
		"hr.sources[0].schedule":                   `"every tuesday" is neither an interval`,
		"hr.sources[1].name":                       `"payroll" is already the name of another source`,
		"hr.sources[1].profile":                    `"sage" is not a shipped profile (expected one of: adp, bamboohr, gusto, jml, workday)`,
		"hr.sources[2].schedule":                   `an interval is at least 1m`,
		"hr.sources[2].drop_folder":                `only a csv or json source reads a drop folder`,
	}
	for path, msg := range want {
		assert.Contains(t, got[path], msg, path)
	}
	assert.Len(t, ce.Problems, len(want), "%v", ce.Problems)
	for _, p := range ce.Problems {
		assert.Positive(t, p.Line, "problem %s has its line", p)
	}
}

func TestParseHRSchedule(t *testing.T) {
	for _, tc := range []struct {
		in       string
		interval string
		cron     string
		err      string
	}{
		{in: "1h", interval: "1h0m0s"},
		{in: "@every 30m", interval: "30m0s"},
		{in: "@daily", cron: "@daily"},
		{in: "0  6 * * 1-5", cron: "0 6 * * 1-5"},
		{in: "30s", err: "at least 1m"},
		{in: "0 6 * *", err: "five fields"},
		{in: "0 6 * * $", err: "cron field 5"},
	} {
		d, cron, err := ParseHRSchedule(tc.in)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.in)
			continue
		}
		require.NoError(t, err, tc.in)
		if tc.interval != "" {
			assert.Equal(t, tc.interval, d.String(), tc.in)
		}
		assert.Equal(t, tc.cron, cron, tc.in)
	}
}

package config

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withGuard(t *testing.T, guard string) []byte {
	t.Helper()
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	out := strings.Replace(string(b), "hr:\n  source: webhook\n", "hr:\n  source: webhook\n"+guard, 1)
	require.NotEqual(t, string(b), out)
	return []byte(out)
}

func TestHRGuardMaxMissing(t *testing.T) {
	c, err := ParseFor("demo.yaml", withGuard(t, "  guard: {}\n"), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxMissing, c.HR.Guard.MaxMissing, "unset: the default")

	c, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: 0\n"), env(nil), NeedNothing)
	require.NoError(t, err)
	assert.Equal(t, 0, c.HR.Guard.MaxMissing, "0 is kept: nobody may be missing")

	_, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: -3\n"), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.guard.max_missing"], "a count of people")
	_, err = ParseFor("demo.yaml", withGuard(t, "  guard:\n    max_missing: many\n"), env(nil), NeedNothing)
	assert.Contains(t, problems(t, err)["hr.guard.max_missing"], "not a valid whole number")
}

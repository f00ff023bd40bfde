package config

import (
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

func TestReviewsSection(t *testing.T) {
	b, err := os.ReadFile("demo.yaml")
	require.NoError(t, err)
	good := string(b) + "\nreviews:\n  enabled: true\n  due: 10d\n  owner: E1001\n  non_response: escalate\n  escalation_grace: 36h\n  part_size: 250\n"
	c, err := Parse("demo.yaml", []byte(good), env(demoEnv))
	require.NoError(t, err)
	p := c.ReviewPolicy()
	assert.Equal(t, 10*24*time.Hour, p.Due)
	assert.Equal(t, 36*time.Hour, p.EscalationGrace)
	assert.Equal(t, contract.NonResponseEscalate, p.NonResponse)
	assert.Equal(t, "E1001", p.Owner)
	assert.Equal(t, 250, p.PartSize)
	assert.Equal(t, DefaultReviewSchedule, c.Reviews.ReviewSchedule())

	bad := string(b) + "\nreviews:\n  enabled: true\n  due: 5m\n  non_response: ignore\n  schedule: sometimes\n  part_size: 5000\n"
	_, err = Parse("demo.yaml", []byte(bad), env(demoEnv))
	var ce *Error
	require.ErrorAs(t, err, &ce)
	paths := map[string]bool{}
	for _, p := range ce.Problems {
		paths[p.Path] = true
	}
	for _, p := range []string{"reviews.non_response", "reviews.schedule", "reviews.owner", "reviews.due", "reviews.part_size"} {
		assert.True(t, paths[p], "problem at %s in %v", p, ce.Problems)
	}
	_, err = Parse("demo.yaml", []byte(string(b)+"\nreviews:\n  due: fortnight\n"), env(demoEnv))
	require.ErrorContains(t, err, "fortnight")
}

package google

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/googleemu"
)

func TestSessionsRevokedSinceNeedsSuspensionAndNoTokens(t *testing.T) {
	org := demoorg.New(10, 0)
	c, e := setup(t, googleemu.Config{}, org, nil)
	ctx := context.Background()
	email := org.Employees[4].Email
	u := must(c.FindUser(ctx, org.Employees[4].EmployeeID, ""))
	require.NotEmpty(t, e.Tokens(email), "seeded with an OAuth grant")

	ok, why, err := c.SessionsRevokedSince(ctx, u.ID, time.Now())
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, "account not suspended", why)

	must(c.Disable(ctx, u.ID))
	ok, why, err = c.SessionsRevokedSince(ctx, u.ID, time.Now())
	require.NoError(t, err)
	assert.False(t, ok, "suspended but a token is still granted")
	assert.Contains(t, why, "OAuth tokens still granted")

	must(c.RevokeSessions(ctx, u.ID))
	ok, why, err = c.SessionsRevokedSince(ctx, u.ID, time.Now())
	require.NoError(t, err)
	assert.True(t, ok, why)
}

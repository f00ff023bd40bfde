package entra

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionsRevokedSinceReadsGraph(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	u, ok := e.UserByEmployeeID(org.Employees[3].EmployeeID)
	require.True(t, ok)
	before := e.Now().Add(time.Second)

	revoked, evidence, err := c.SessionsRevokedSince(ctx, u.ID, before)
	require.NoError(t, err)
	assert.False(t, revoked, "nothing revoked yet: %s", evidence)

	e.Advance(2 * time.Second)
	_, err = c.RevokeSessions(ctx, u.ID)
	require.NoError(t, err)
	revoked, evidence, err = c.SessionsRevokedSince(ctx, u.ID, before)
	require.NoError(t, err)
	assert.True(t, revoked)
	assert.Contains(t, evidence, "signInSessionsValidFromDateTime ")

	_, _, err = c.SessionsRevokedSince(ctx, "00000000-0000-0000-0000-000000000000", before)
	require.Error(t, err)
}

package okta_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/oktaemu"
	oktadir "github.com/jml-dev/jml/integrations/okta"
)

func TestSessionsRevokedSinceNeedsDeactivation(t *testing.T) {
	en := setup(t, oktaemu.Config{}, oktadir.Options{})
	ctx := context.Background()
	emp := demoorg.New(60, 0).Employees[5]
	u, err := en.c.FindUser(ctx, emp.EmployeeID, "")
	require.NoError(t, err)

	ok, why, err := en.c.SessionsRevokedSince(ctx, u.ID, time.Now())
	require.NoError(t, err)
	assert.False(t, ok)
	assert.Equal(t, "status ACTIVE", why)

	_, err = en.c.Disable(ctx, u.ID)
	require.NoError(t, err)
	ok, why, err = en.c.SessionsRevokedSince(ctx, u.ID, time.Now())
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, "status DEPROVISIONED", why)
}

package entra

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// TestPerUserMFA reads beta's per-user MFA state through the SDK's
// adapter: the request goes to /beta (not the configured /v1.0) with the
// bearer token, a throttled answer is waited out by the SDK's retry, an
// unknown user is NotFound without the token in the error.
func TestPerUserMFA(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0010", "") // MFA registered
	require.NoError(t, err)
	bare, err := c.FindUser(ctx, "E0013", "") // no method registered
	require.NoError(t, err)

	e.ResetLog()
	s, err := c.PerUserMFA(ctx, acc.ID)
	require.NoError(t, err)
	require.Equal(t, domain.PerUserMFADisabled, s)
	reqs := e.Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, "/beta/users/"+acc.ID+"/authentication/requirements", reqs[0].Path)

	require.True(t, e.SetPerUserMFA(acc.ID, "enforced"))
	require.True(t, e.SetPerUserMFA(bare.ID, "enabled"))
	for id, want := range map[string]string{acc.ID: domain.PerUserMFAEnforced, bare.ID: domain.PerUserMFAEnabled} {
		s, err := c.PerUserMFA(ctx, id)
		require.NoError(t, err)
		require.Equal(t, want, s)
	}

	e.AddFault(emulator.Fault{PathPrefix: "/beta/", Status: 429, RetryAfter: time.Second, Times: 1})
	e.ResetLog()
	s, err = c.PerUserMFA(ctx, acc.ID)
	require.NoError(t, err)
	require.Equal(t, domain.PerUserMFAEnforced, s)
	require.Equal(t, 1, e.Server.Throttled())
	require.Len(t, e.Requests(), 2, "the throttled call and the SDK's retry")

	_, err = c.PerUserMFA(ctx, "00000000-0000-0000-0000-000000000000")
	require.True(t, directory.IsNotFound(err), "%v", err)
	requireNoSecret(t, err)
}

func TestBetaBase(t *testing.T) {
	for in, want := range map[string]string{
		"https://graph.microsoft.com/v1.0":   "https://graph.microsoft.com/beta",
		"http://127.0.0.1:4321/v1.0":         "http://127.0.0.1:4321/beta",
		"https://graph.example.test/msgraph": "https://graph.example.test/msgraph/beta",
	} {
		require.Equal(t, want, betaBase(in), in)
	}
}

package entra

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// A gateway in front of Graph answers with its own HTML or plain text, not
// Graph's JSON error: the client must still classify by HTTP status.
func TestGatewayAnswersClassifiedByStatus(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0007", "")
	require.NoError(t, err)

	cases := []struct {
		name      string
		fault     emulator.Fault
		kind      directory.Kind
		status    int
		retryWait time.Duration
	}{
		// 502 is not retried by the SDK, so Temporal must see it as transient
		{"html 502", emulator.Fault{Family: "users", Status: 502, Gateway: "html", Times: 1}, directory.KindTransient, 502, 0},
		// 503 and 429 are retried by the SDK (3 times): these outlast it
		{"html 503 with Retry-After", emulator.Fault{Family: "users", Status: 503, Gateway: "html", RetryAfter: time.Second, Times: 4}, directory.KindTransient, 503, time.Second},
		{"text 429", emulator.Fault{Family: "users", Status: 429, Gateway: "text", RetryAfter: time.Second, Times: 4}, directory.KindThrottled, 429, time.Second},
		{"text 404", emulator.Fault{Family: "users", Status: 404, Gateway: "text", Times: 1}, directory.KindNotFound, 404, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.ClearFaults()
			e.AddFault(tc.fault)
			_, err := c.Disable(ctx, acc.ID)
			var de *directory.Error
			require.True(t, errors.As(err, &de), "%v", err)
			require.Equal(t, tc.kind, de.Kind, "%v", err)
			require.Equal(t, tc.status, de.Status, "%v", err)
			require.Equal(t, tc.retryWait, de.RetryAfter, "%v", err)
			require.Contains(t, de.Message, "without a Graph error body")
			requireNoSecret(t, err)
		})
	}
	e.ClearFaults()

	// NotFound-based idempotency holds behind a gateway: a plain-text 404 on
	// removing a membership is WasAbsent
	e.AddFault(emulator.Fault{Family: "groups", Method: "DELETE", Status: 404, Gateway: "text", Times: 1})
	out, err := c.RemoveFromGroup(ctx, acc.ID, "all-staff")
	require.NoError(t, err)
	require.Equal(t, domain.WasAbsent, out)
}

// "Already a member" is decided by reading the membership back, not by the
// wording of Graph's 400.
func TestAddToGroupAlreadyMemberByReadBack(t *testing.T) {
	e, c := setup(t, 2)
	ctx := context.Background()
	acc, err := c.FindUser(ctx, "E0004", "")
	require.NoError(t, err)
	require.Contains(t, e.GroupsOf(acc.ID), "all-staff")

	// a 400 worded differently (another locale, a reworded message) for a
	// user who is a member: still AlreadyPresent
	e.AddFault(emulator.Fault{Family: "groups", Method: "POST", Status: 400, Times: 1})
	out, err := c.AddToGroup(ctx, acc.ID, "all-staff")
	require.NoError(t, err)
	require.Equal(t, domain.AlreadyPresent, out)

	// a 400 for a user who is not a member is an error, whatever it says
	e.AddGroup("extra-x")
	e.AddFault(emulator.Fault{Family: "groups", Method: "POST", Status: 400, Times: 1})
	_, err = c.AddToGroup(ctx, acc.ID, "extra-x")
	require.Equal(t, directory.KindPermanent, directory.KindOf(err), "%v", err)
	require.NotContains(t, e.GroupsOf(acc.ID), "extra-x")

	// a 400 whose read-back fails transiently (the chaos run: a retried add
	// whose first answer was lost, then a 500 on memberOf) is transient, so
	// the activity retries instead of blocking the lane
	e.AddFault(emulator.Fault{Family: "groups", Method: "POST", Status: 400, Times: 1})
	e.AddFault(emulator.Fault{Method: "GET", PathPrefix: "/v1.0/users/" + acc.ID + "/memberOf", Status: 500, Times: 1})
	_, err = c.AddToGroup(ctx, acc.ID, "all-staff")
	require.Equal(t, directory.KindTransient, directory.KindOf(err), "%v", err)
}

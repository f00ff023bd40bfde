package entra

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/graphemu"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// writes lists the PATCH and PUT requests the emulator received for a user.
func writes(e *graphemu.Emulator, id string) []string {
	var out []string
	for _, r := range e.Requests() {
		if (r.Method == http.MethodPatch || r.Method == http.MethodPut) && strings.Contains(r.Path, id) {
			out = append(out, r.Method+" "+r.Path)
		}
	}
	return out
}

func TestSyncedUserIsFoundAsSyncedAndNoMasteredAttributeIsWritten(t *testing.T) {
	e, c := setup(t, 0)
	ctx := context.Background()
	id := e.AddSyncedUser(graphemu.SourceUser{ImmutableID: "QUFBQQ==", SamAccountName: "ahopper", UserPrincipalName: "ada.hopper@demo.jml.test",
		GivenName: "Ada", Surname: "Hopper", DisplayName: "Ada Hopper", EmployeeID: "H0001", Department: "Engineering", JobTitle: "Engineer", Enabled: true})

	acc, err := c.FindUser(ctx, "H0001", "")
	require.NoError(t, err)
	assert.True(t, acc.OnPremisesSynced)
	cloud, err := c.FindUser(ctx, demoorg.EmployeeID(2), "")
	require.NoError(t, err)
	assert.False(t, cloud.OnPremisesSynced)
	_, out, err := c.CreateUser(ctx, domain.Person{EmployeeID: "H0001", Email: "ada.hopper@demo.jml.test"}, true)
	require.NoError(t, err)
	assert.Equal(t, domain.AlreadyExisted, out)

	out, err = c.Disable(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, domain.MasteredOnPremises, out)
	out, err = c.UpdateProfile(ctx, id, domain.Person{EmployeeID: "H0001", Department: "Sales", Title: "Lead"})
	require.NoError(t, err)
	assert.Equal(t, domain.MasteredOnPremises, out)
	assert.Empty(t, writes(e, id), "no write of an AD-mastered attribute reaches Graph")
	u, _ := e.User(id)
	assert.True(t, u.AccountEnabled)
	assert.Equal(t, "Engineering", u.Department)

	// What stays the cloud's is written: usage location, sessions.
	out, err = c.UpdateProfile(ctx, id, domain.Person{EmployeeID: "H0001", Department: "Sales", UsageLocation: "GB"})
	require.NoError(t, err)
	assert.Equal(t, domain.Updated, out)
	u, _ = e.User(id)
	assert.Equal(t, "GB", u.UsageLocation)
	assert.Equal(t, "Engineering", u.Department)
	since := time.Now()
	out, err = c.RevokeSessions(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, domain.Revoked, out)
	revoked, _, err := c.SessionsRevokedSince(ctx, id, since.Add(-time.Second))
	require.NoError(t, err)
	assert.True(t, revoked)

	// Already in the state asked for: answered as before, nothing written.
	out, err = c.Enable(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, domain.AlreadyEnabled, out)
}

func TestManagerOfASyncedUserIsRefusedWithGraphsMessage(t *testing.T) {
	e, c := setup(t, 0)
	id := e.AddSyncedUser(graphemu.SourceUser{ImmutableID: "QUFBQQ==", UserPrincipalName: "ada.hopper@demo.jml.test", DisplayName: "Ada Hopper", EmployeeID: "H0001", Enabled: true})
	m, err := c.FindUser(context.Background(), demoorg.EmployeeID(2), "")
	require.NoError(t, err)
	_, err = c.SetManager(context.Background(), id, m.ID)
	var de *directory.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, directory.KindPermanent, de.Kind)
	assert.Contains(t, de.Message, "on-premises mastered Directory Sync objects")
}

// A group synced from AD cannot take members from Graph: the add is a
// permanent failure carrying Graph's message, never reported as done.
func TestAddToASyncedGroupFailsWithGraphsMessage(t *testing.T) {
	e, c := setup(t, 0)
	e.AddSyncedGroup("ad-finance")
	u, err := c.FindUser(context.Background(), demoorg.EmployeeID(2), "")
	require.NoError(t, err)
	_, err = c.AddToGroup(context.Background(), u.ID, "ad-finance")
	var de *directory.Error
	require.ErrorAs(t, err, &de)
	assert.Equal(t, directory.KindPermanent, de.Kind)
	assert.Contains(t, de.Message, "on-premises mastered Directory Sync objects")
	assert.NotContains(t, e.GroupsOf(u.ID), "ad-finance")
}

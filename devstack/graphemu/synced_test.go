package graphemu

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listSource is a test's own AD: the users it returns, changeable.
type listSource struct {
	mu    sync.Mutex
	users []SourceUser
	err   error
}

func (s *listSource) SyncUsers(context.Context) ([]SourceUser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SourceUser(nil), s.users...), s.err
}

func (s *listSource) set(i int, f func(*SourceUser)) {
	s.mu.Lock()
	f(&s.users[i])
	s.mu.Unlock()
}

func adUser(anchor, upn, empID string) SourceUser {
	return SourceUser{ImmutableID: anchor, SamAccountName: "s" + empID, DistinguishedName: "CN=" + empID + ",OU=Staff,DC=demo,DC=jml,DC=test",
		UserPrincipalName: upn, GivenName: "Ada", Surname: "Lovelace", DisplayName: "Ada Lovelace", EmployeeID: empID,
		Department: "Engineering", JobTitle: "Engineer", Enabled: true}
}

func TestSyncCreatesSyncedUsersAndMarksThemOnPremises(t *testing.T) {
	e := start(t, 0)
	src := &listSource{users: []SourceUser{adUser("QUFBQQ==", "ada.h1@demo.jml.test", "H0001"), adUser("QkJCQg==", "bob.h2@demo.jml.test", "H0002")}}
	src.users[0].ManagerImmutableID = "QkJCQg=="
	res, err := e.SyncOnce(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, SyncResult{Read: 2, Created: 2, Updated: 2}, res)

	u, ok := e.UserByEmployeeID("H0001")
	require.True(t, ok)
	require.NotNil(t, u.OnPremises)
	assert.Equal(t, "QUFBQQ==", u.OnPremises.ImmutableID)
	m, _ := e.UserByEmployeeID("H0002")
	assert.Equal(t, m.ID, u.ManagerID)

	a := call(t, e, http.MethodGet, "/users/"+u.ID, nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, true, a.body["onPremisesSyncEnabled"])
	assert.Equal(t, "QUFBQQ==", a.body["onPremisesImmutableId"])
	assert.Equal(t, "sH0001", a.body["onPremisesSamAccountName"])

	// A cloud-only user shows null, as Graph does.
	cloud := e.Users()[0]
	a = call(t, e, http.MethodGet, "/users/"+cloud.ID, nil)
	assert.Contains(t, a.body, "onPremisesSyncEnabled")
	assert.Nil(t, a.body["onPremisesSyncEnabled"])
}

func TestSyncedUserRefusesWritesToMasteredAttributes(t *testing.T) {
	e := start(t, 0)
	id := e.AddSyncedUser(adUser("QUFBQQ==", "ada.h1@demo.jml.test", "H0001"))
	for _, body := range []map[string]any{
		{"accountEnabled": false},
		{"department": "Sales"},
		{"jobTitle": "Lead"},
		{"givenName": "Grace"},
		{"displayName": "Grace Hopper"},
		{"employeeId": "H9"},
		{"employeeOrgData": map[string]any{"costCenter": "CC1"}},
		{"passwordProfile": map[string]any{"password": "Aa1!aaaaaaaa"}},
		{"usageLocation": "GB", "department": "Sales"}, // one mastered attribute refuses the whole PATCH
	} {
		a := call(t, e, http.MethodPatch, "/users/"+id, body)
		assert.Equal(t, http.StatusBadRequest, a.status, "%v", body)
		assert.Equal(t, "Request_BadRequest", errCode(a))
		assert.Equal(t, "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.", errMessage(a))
	}
	u, _ := e.User(id)
	assert.True(t, u.AccountEnabled)
	assert.Equal(t, "Engineering", u.Department)
	assert.Empty(t, u.UsageLocation, "a refused PATCH changes nothing")

	mgr := e.Users()[0]
	a := call(t, e, http.MethodPut, "/users/"+id+"/manager/$ref", map[string]any{"@odata.id": e.URL() + "/v1.0/users/" + mgr.ID})
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, "Request_BadRequest", errCode(a))

	// Cloud-only properties and actions still work on a synced user.
	a = call(t, e, http.MethodPatch, "/users/"+id, map[string]any{"usageLocation": "GB"})
	assert.Equal(t, http.StatusNoContent, a.status)
	a = call(t, e, http.MethodPost, "/users/"+id+"/revokeSignInSessions", nil)
	assert.Equal(t, http.StatusOK, a.status)
	u, _ = e.User(id)
	assert.Equal(t, "GB", u.UsageLocation)
	assert.Equal(t, 1, u.SessionsRevoked)

	// A cloud-only user is written as before.
	cloud := e.Users()[0]
	a = call(t, e, http.MethodPatch, "/users/"+cloud.ID, map[string]any{"department": "Sales"})
	assert.Equal(t, http.StatusNoContent, a.status)
}

func TestSyncCarriesADsDisableAndSoftMatchesCloudUsers(t *testing.T) {
	e := start(t, 0)
	cloud := e.Users()[3]
	require.Nil(t, cloud.OnPremises)
	src := &listSource{users: []SourceUser{adUser("QUFBQQ==", cloud.UserPrincipalName, cloud.EmployeeID)}}
	res, err := e.SyncOnce(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, 1, res.Matched)
	u, _ := e.User(cloud.ID)
	require.NotNil(t, u.OnPremises, "soft match by UPN makes the cloud user synced")
	assert.Equal(t, "Engineering", u.Department)

	src.set(0, func(s *SourceUser) { s.Enabled = false })
	u, _ = e.User(cloud.ID)
	assert.True(t, u.AccountEnabled, "AD's change waits for the next cycle")
	_, err = e.SyncOnce(context.Background(), src)
	require.NoError(t, err)
	u, _ = e.User(cloud.ID)
	assert.False(t, u.AccountEnabled)
	var disabled bool
	for _, a := range e.Audits() {
		if a.TargetID == cloud.ID && a.Activity == "Disable account" && a.InitiatedBy == "Microsoft Entra Connect" {
			disabled = true
		}
	}
	assert.True(t, disabled, "the disable is audited as Entra Connect's")
}

func TestSyncLoopRunsEveryIntervalAndOnDemand(t *testing.T) {
	e := start(t, 0)
	src := &listSource{users: []SourceUser{adUser("QUFBQQ==", "ada.h1@demo.jml.test", "H0001")}}
	e.StartSync(src, time.Hour) // never by the clock in this test
	t.Cleanup(e.StopSync)
	_, ok := e.UserByEmployeeID("H0001")
	assert.False(t, ok)
	req, err := http.NewRequest(http.MethodPost, e.URL()+"/__admin/sync", nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	_, ok = e.UserByEmployeeID("H0001")
	assert.True(t, ok)

	src.mu.Lock()
	src.err = errors.New("ldap: connection refused")
	src.mu.Unlock()
	resp, err = http.DefaultClient.Do(req.Clone(context.Background()))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadGateway, resp.StatusCode)
	cycles, _, serr := e.SyncStatus()
	assert.Equal(t, 2, cycles)
	assert.ErrorContains(t, serr, "connection refused")

	e.StopSync()
	e.StartSync(&listSource{users: []SourceUser{adUser("Q0NDQw==", "cy.h3@demo.jml.test", "H0003")}}, 10*time.Millisecond)
	require.Eventually(t, func() bool { _, ok := e.UserByEmployeeID("H0003"); return ok }, 5*time.Second, 10*time.Millisecond)
}

func TestSyncedGroupRefusesMembershipWrites(t *testing.T) {
	e := start(t, 0)
	cloud := e.Users()[0]
	other := e.Users()[1]
	gid := e.AddSyncedGroup("ad-finance", cloud.ID)
	a := call(t, e, http.MethodPost, "/groups/"+gid+"/members/$ref", map[string]any{"@odata.id": e.URL() + "/v1.0/directoryObjects/" + other.ID})
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Contains(t, errMessage(a), "on-premises mastered Directory Sync objects")
	a = call(t, e, http.MethodDelete, "/groups/"+gid+"/members/"+cloud.ID+"/$ref", nil)
	assert.Equal(t, http.StatusBadRequest, a.status)
	assert.Equal(t, []string{"ad-finance"}, e.GroupsOf(cloud.ID)[len(e.GroupsOf(cloud.ID))-1:])
	a = call(t, e, http.MethodGet, "/groups/"+gid, nil)
	assert.Equal(t, true, a.body["onPremisesSyncEnabled"])
}

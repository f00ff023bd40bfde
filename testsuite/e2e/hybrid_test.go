package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/samba"
	"github.com/jml-dev/jml/devstack/stack"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/testsuite/harness"
)

// The hybrid shape end to end: a real Samba AD DC seeded with the demo
// organisation, the Graph emulator's Entra Connect syncing it (every 3 s),
// Entra configured as synced from AD. A leaver of a synced user is
// disabled in the real AD, has its Entra sessions revoked directly, and is
// verified disabled in Entra once the sync has carried AD's disable, within
// the SLA; no write of an AD-mastered attribute reaches Graph.
func TestHybridLeaverOfASyncedUser(t *testing.T) {
	e, dc := hybridEnv(t)
	graph := e.Emulators.Graph
	leaver := e.Org.Employees[5]
	emp := leaver.EmployeeID
	eventually(t, e, "", "Entra Connect's first cycle makes the demo users synced", func() (bool, string) {
		u, _ := graph.UserByEmployeeID(emp)
		return u.OnPremises != nil, "entra user not synced yet"
	})
	u, _ := graph.UserByEmployeeID(emp)
	require.True(t, u.AccountEnabled)
	graph.ResetLog()

	rec := leaver.Record
	rec.Status = domain.HRTerminated
	rec.TerminationEffectiveAt = time.Now().UTC().Truncate(time.Second)
	sendHR(t, e, rec)

	eventually(t, e, emp, "AD disabled and Entra sessions revoked", func() (bool, string) {
		if !adDisabled(t, dc, emp) {
			return false, "AD account still enabled"
		}
		n, _ := graph.SessionsRevoked(u.ID)
		return n > 0, "entra sessions not revoked"
	})
	eventually(t, e, emp, "leaver verified in Entra after the sync", func() (bool, string) {
		st, err := employeeState(e, emp)
		if err != nil {
			return false, err.Error()
		}
		if st.Status != domain.StatusTerminated || st.LastChange == nil {
			return false, "status " + string(st.Status)
		}
		return true, ""
	})

	g, _ := graph.UserByEmployeeID(emp)
	assert.False(t, g.AccountEnabled, "disabled in Entra by the sync, not by jml")
	require.NotNil(t, g.OnPremises)
	for _, r := range graph.Requests() {
		if strings.Contains(r.Path, "/users/"+u.ID) {
			assert.NotEqual(t, http.MethodPatch, r.Method, "no write of a synced attribute: %s %s", r.Method, r.Path)
			assert.NotEqual(t, http.StatusBadRequest, r.Status, "%s %s", r.Method, r.Path)
		}
	}
	disables := 0
	for _, a := range graph.Audits() {
		if a.TargetID == u.ID && a.Activity == "Disable account" {
			disables++
			assert.Equal(t, "Microsoft Entra Connect", a.InitiatedBy)
		}
	}
	assert.Equal(t, 1, disables)

	st, err := employeeState(e, emp)
	require.NoError(t, err)
	ch := st.LastChange
	require.Equal(t, domain.EventLeaver, ch.Event)
	assert.False(t, ch.SLABreached, "within the SLA")
	i := slices.IndexFunc(ch.Directories, func(d contract.DirectoryResult) bool { return d.Directory == "entra" })
	require.GreaterOrEqual(t, i, 0)
	entra := ch.Directories[i]
	t.Logf("entra lane: %+v", entra.Actions)
	assert.True(t, entra.Verified, "%+v", entra)
	steps := map[string]string{}
	for _, a := range entra.Actions {
		steps[a.Step] = a.Outcome
	}
	assert.Contains(t, steps["disable"], string(domain.MasteredOnPremises))
	assert.Contains(t, steps["wait for sync"], "synced from ad after")
	assert.Contains(t, steps["verify"], "disabled=true sessions_revoked=true")
	j := slices.IndexFunc(ch.Directories, func(d contract.DirectoryResult) bool { return d.Directory == "ad" })
	require.GreaterOrEqual(t, j, 0)
	assert.True(t, ch.Directories[j].Verified, "%+v", ch.Directories[j])
}

// hybridEnv is an Env whose Entra users are synced from a real Samba DC
// seeded with the same organisation, Entra Connect's cycle every 3 s.
func hybridEnv(t *testing.T) (*harness.Env, *samba.DC) {
	t.Helper()
	e := harness.Start(t, harness.EnvOptions{AD: true, Configure: func(c *config.Config) {
		c.Directories.Entra.SyncedFrom = config.AD
		c.Directories.Entra.SyncWait = config.Duration(2 * time.Minute) // a read back every 3 s
	}})
	started, err := stack.StartEntraConnect(e.Config, e.Emulators.Graph, e.AD, 3*time.Second)
	require.NoError(t, err)
	require.True(t, started)
	t.Cleanup(e.Emulators.Graph.StopSync)
	return e, e.AD
}

// A joiner in the hybrid shape is created in AD, not in Entra: Entra
// Connect brings the account, then jml adds what is the cloud's (usage
// location, licences, groups) to the synced user.
func TestHybridJoinerIsCreatedInADAndSyncedToEntra(t *testing.T) {
	e, dc := hybridEnv(t)
	graph := e.Emulators.Graph
	rec := e.Org.Joiners[0]
	rec.StartDate = time.Now().In(rec.TimeZone()).AddDate(0, 0, -1).Format(time.DateOnly) // started: enabled at once
	sendHR(t, e, rec)
	eventually(t, e, rec.EmployeeID, "joiner synced to Entra and licensed", func() (bool, string) {
		u, ok := graph.UserByEmployeeID(rec.EmployeeID)
		if !ok {
			return false, "no entra user yet"
		}
		if u.OnPremises == nil {
			return false, "entra user is cloud-only"
		}
		if len(u.Licenses) == 0 || !slices.Contains(graph.GroupsOf(u.ID), "all-staff") {
			return false, fmt.Sprintf("licences %v groups %v", u.Licenses, graph.GroupsOf(u.ID))
		}
		st, err := employeeState(e, rec.EmployeeID)
		return err == nil && st.LastChange != nil, "joiner not finished"
	})
	c, err := dc.Dial()
	require.NoError(t, err)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(samba.UsersOU, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		fmt.Sprintf("(employeeID=%s)", ldap.EscapeFilter(rec.EmployeeID)), []string{"userPrincipalName"}, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1, "created in AD's users OU")
	assert.Equal(t, rec.Email, res.Entries[0].GetAttributeValue("userPrincipalName"))

	u, _ := graph.UserByEmployeeID(rec.EmployeeID)
	for _, r := range graph.Requests() {
		assert.False(t, r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/v1.0/users"), "jml created no Entra user")
		assert.NotEqual(t, http.StatusBadRequest, r.Status, "%s %s", r.Method, r.Path)
	}
	created := false
	for _, a := range graph.Audits() {
		if a.TargetID == u.ID && a.Activity == "Add user" {
			created = a.InitiatedBy == "Microsoft Entra Connect"
		}
	}
	assert.True(t, created, "the Entra user is Entra Connect's")
	assert.NotEmpty(t, u.UsageLocation, "set by jml, for licensing")
	st, err := employeeState(e, rec.EmployeeID)
	require.NoError(t, err)
	i := slices.IndexFunc(st.LastChange.Directories, func(d contract.DirectoryResult) bool { return d.Directory == "entra" })
	require.GreaterOrEqual(t, i, 0)
	assert.Equal(t, u.ID, st.LastChange.Directories[i].AccountID)
	assert.Contains(t, st.LastChange.Directories[i].Actions[0].Outcome, "synced from ad after")
}

// adDisabled reads the employee's userAccountControl in the real DC (the
// leaver moves the account, so it is found by employeeID).
func adDisabled(t *testing.T, dc *samba.DC, emp string) bool {
	t.Helper()
	c, err := dc.Dial()
	require.NoError(t, err)
	defer c.Close()
	res, err := c.Search(ldap.NewSearchRequest(dc.BaseDN, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false,
		fmt.Sprintf("(employeeID=%s)", ldap.EscapeFilter(emp)), []string{"userAccountControl"}, nil))
	require.NoError(t, err)
	require.Len(t, res.Entries, 1)
	uac, err := strconv.Atoi(res.Entries[0].GetAttributeValue("userAccountControl"))
	require.NoError(t, err)
	return uac&2 != 0
}

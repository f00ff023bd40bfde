package graphemu

import (
	"context"
	"testing"

	"github.com/go-ldap/ldap/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/samba"
)

// Entra Connect against a real Samba AD DC: the demo organisation in AD and
// in the Graph emulator, soft-matched by UPN into synced users; a disable
// and a department change made in AD reach Entra at the next cycle.
func TestEntraConnectSyncsFromARealSambaDC(t *testing.T) {
	if err := samba.Available(); err != nil {
		t.Fatalf("this test needs a real AD DC: %v (make test installs samba-ad-dc)", err)
	}
	org := demoorg.New(20, 2)
	dc, err := samba.StartTracked(context.Background())
	require.NoError(t, err)
	t.Cleanup(dc.Stop)
	seeded, err := samba.Seed(dc, org)
	require.NoError(t, err)
	tc, err := dc.TLSConfig()
	require.NoError(t, err)
	src := LDAPSource{URL: dc.URL, BindDN: dc.AdminUPN, Password: dc.AdminPassword, BaseDN: dc.BaseDN, TLS: tc}

	in, err := src.SyncUsers(context.Background())
	require.NoError(t, err)
	byEmp := map[string]SourceUser{}
	for _, u := range in {
		assert.NotEqual(t, "krbtgt", u.SamAccountName, "critical system objects are not synced")
		byEmp[u.EmployeeID] = u
	}
	e0 := org.Employees[0]
	first := byEmp[e0.EmployeeID]
	require.Equal(t, e0.Email, first.UserPrincipalName)
	assert.True(t, first.Enabled)
	assert.Len(t, first.ImmutableID, 24, "base64 of a 16-byte objectGUID")
	if m := e0.ManagerEmployeeID; m != "" {
		assert.Equal(t, byEmp[m].ImmutableID, first.ManagerImmutableID)
	}

	e := emutest.Seeded(t, New(Config{Token: tok}), org)
	res, err := e.SyncOnce(context.Background(), src)
	require.NoError(t, err)
	assert.Equal(t, len(org.Employees), res.Matched, "every demo employee soft-matched by UPN: %+v", res)
	u, ok := e.UserByEmployeeID(e0.EmployeeID)
	require.True(t, ok)
	require.NotNil(t, u.OnPremises)
	assert.Equal(t, seeded.SAM[e0.EmployeeID], u.OnPremises.SamAccountName)
	assert.True(t, u.AccountEnabled)

	c, err := dc.Dial()
	require.NoError(t, err)
	defer c.Close()
	mod := ldap.NewModifyRequest(seeded.DN[e0.EmployeeID], nil)
	mod.Replace("userAccountControl", []string{"514"})
	mod.Replace("department", []string{"Finance"})
	require.NoError(t, c.Modify(mod))

	u, _ = e.UserByEmployeeID(e0.EmployeeID)
	assert.True(t, u.AccountEnabled, "Entra waits for the next cycle")
	_, err = e.SyncOnce(context.Background(), src)
	require.NoError(t, err)
	u, _ = e.UserByEmployeeID(e0.EmployeeID)
	assert.False(t, u.AccountEnabled, "AD's disable carried to Entra")
	assert.Equal(t, "Finance", u.Department)
}

func TestLDAPSourceNamesTheDCItCannotReach(t *testing.T) {
	src := LDAPSource{URL: "ldaps://127.0.0.1:1", BindDN: "x", Password: "s3cret-pw-9", BaseDN: "DC=x"}
	_, err := src.SyncUsers(context.Background())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "ldaps://127.0.0.1:1")
	assert.NotContains(t, err.Error(), "s3cret-pw-9")
}

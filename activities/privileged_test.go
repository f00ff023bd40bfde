package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
)

// The privileged-groups line appears only when a directory has them, right
// after the standing admins, and counts Domain Admins by account.
func TestPrivilegedKPI(t *testing.T) {
	r := BuildKPIReport(contract.KPIFacts{Month: "2026-12"})
	for _, k := range r.KPIs {
		assert.NotEqual(t, KPIPermanentPrivileged, k.ID, "no line without a directory that has privileged groups")
	}
	r = BuildKPIReport(contract.KPIFacts{Month: "2026-12", Privileged: &contract.PrivilegedOutput{Directories: []contract.PrivilegedDirectory{{
		Directory: "ad", Accounts: 5, BreakGlass: 2, Elevated: 1,
		Permanent: []contract.PrivilegedHolder{{Group: "Domain Admins", Account: "alovelace7", EmployeeID: "E0007"}, {Group: "Backup Operators", Account: "alovelace7", EmployeeID: "E0007"}, {Group: "Server Operators", Account: "svc-old"}},
	}}}})
	require.Greater(t, len(r.KPIs), 3)
	assert.Equal(t, KPIStandingAdmins, r.KPIs[2].ID)
	k := r.KPIs[3]
	assert.Equal(t, KPIPermanentPrivileged, k.ID)
	assert.Equal(t, "1 permanent Domain Admins; 2 accounts with a permanent privileged group", k.Value)
	assert.Contains(t, k.Details, "ad: alovelace7 (E0007) in Domain Admins")
	assert.Contains(t, k.Details, "ad: 5 accounts in privileged groups, 2 break-glass, 1 through an active elevation")
	assert.NotEmpty(t, k.Controls)
}

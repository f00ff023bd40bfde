package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

func coverageOf(r KPIReport) (KPI, bool) {
	for _, k := range r.KPIs {
		if k.ID == KPIAppCoverage {
			return k, true
		}
	}
	return KPI{}, false
}

// Three SCIM apps and one manual: 75%, meets the 70% target, the manual
// one listed with its owner; two manual of four: below it.
func TestAppCoverageKPI(t *testing.T) {
	apps := []contract.AppModeEntry{{Name: "github", Mode: domain.AppModeSCIM}, {Name: "salesforce", Mode: domain.AppModeSCIM},
		{Name: "figma", Mode: domain.AppModeIdPGroup, Directory: "okta", Group: "app-figma"}, {Name: "expensify", Mode: domain.AppModeManual, Owner: "E0004"}}
	k, ok := coverageOf(BuildKPIReport(contract.KPIFacts{Month: "2026-11", Apps: apps}))
	require.True(t, ok)
	assert.Equal(t, 3, k.Numerator)
	assert.Equal(t, 4, k.Denominator)
	assert.Equal(t, 75.0, k.Percent)
	assert.Equal(t, "3 / 4 (75.00%), meets the 70% target", k.Value)
	assert.Equal(t, []string{"scim: github, salesforce", "idp_group: figma", "manual: expensify (owner E0004)"}, k.Details)
	var ids []string
	for _, c := range k.Controls {
		ids = append(ids, c.Framework+" "+c.ID)
	}
	assert.Equal(t, []string{"NIST CSF 2.0 PR.AA-01", "NIST CSF 2.0 PR.AA-05", "SOC 2 CC6.2", "SOC 2 CC6.3"}, ids)

	apps[1].Mode, apps[1].Owner = domain.AppModeManual, "E0005"
	k, _ = coverageOf(BuildKPIReport(contract.KPIFacts{Month: "2026-11", Apps: apps}))
	assert.Equal(t, "2 / 4 (50.00%), below the 70% target", k.Value)

	_, ok = coverageOf(BuildKPIReport(contract.KPIFacts{Month: "2026-11"}))
	assert.False(t, ok, "a report without the catalog's apps (written before) has no line")
}

// The task evidence file: one line per event, a retry writes nothing, a
// formula in a field is neutralised.
func TestAppendAppTaskLog(t *testing.T) {
	a := &Activities{EvidenceDir: t.TempDir()}
	ev := contract.AppTaskEvent{TaskID: "apptask/E0042/leaver/3/expensify", RunID: "r1", Seq: 1, EmployeeID: "E0042", App: "expensify",
		Action: "remove", Owner: "E0004", Event: "confirmed", By: "=cmd()", Lifecycle: "employee/E0042/leaver/3"}
	out, err := a.AppendAppTaskLog(t.Context(), ev)
	require.NoError(t, err)
	assert.True(t, out.Appended)
	out, err = a.AppendAppTaskLog(t.Context(), ev)
	require.NoError(t, err)
	assert.False(t, out.Appended, "a retry finds its line")
	ev.Seq = 2
	_, err = a.AppendAppTaskLog(t.Context(), ev)
	require.NoError(t, err)
	rows, err := ReadAppTasksLog(a.EvidenceDir)
	require.NoError(t, err)
	require.Len(t, rows, 3)
	assert.Equal(t, AppTasksLogHeader, rows[0])
	assert.Equal(t, "'=cmd()", rows[1][7])
	_, err = a.AppendAppTaskLog(t.Context(), contract.AppTaskEvent{TaskID: "x"})
	assert.ErrorContains(t, err, "task id, run id and event are required")
}

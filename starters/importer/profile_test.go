package importer

import (
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/integrations/hr"
)

// A Gusto export in Gusto's headers and words: every good row delivered,
// every bad one quarantined naming its line and field, and the counts add up.
func TestImportGustoProfile(t *testing.T) {
	data, err := os.ReadFile("../../integrations/hr/testdata/gusto.csv")
	require.NoError(t, err)
	path := write(t, "gusto.csv", string(data)+
		"G10001,Ada,Lovelace,ada.l@acme.test,Engineering,CTO,,Active,Full-Time,03/15/2021,,New York,America/New_York,CC-100\n")
	p, err := hr.Builtin("gusto")
	require.NoError(t, err)
	rows, unknown, err := ReadProfile(path, p)
	require.NoError(t, err)
	assert.Empty(t, unknown)
	rec := &recorder{}
	res := Run(context.Background(), rec, "import:gusto", rows)
	assert.Equal(t, Counts{Rows: 10, Delivered: 6, Quarantined: 4}, res.Counts)
	assert.True(t, res.Counts.Balanced())
	assert.Len(t, rec.got, 6)
	reasons := map[string]string{}
	for _, q := range res.Quarantined {
		reasons[q.Ref] = q.Reason
	}
	assert.Contains(t, reasons["line 8"], `field status: "Furloughed" is not a status word of profile gusto`)
	assert.Contains(t, reasons["line 9"], `field start_date: "13/45/2025"`)
	assert.Contains(t, reasons["line 10"], "field email: is required")
	assert.Contains(t, reasons["line 11"], "field employee_id: G10001 is already in this batch at line 2")
	for _, r := range rec.got {
		assert.Equal(t, "import:gusto", r.Source)
		assert.NotEmpty(t, r.DisplayName, r.EmployeeID)
	}
}

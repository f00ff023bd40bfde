package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/manifest"
	"github.com/jml-dev/jml/starters/evidence"
	"github.com/jml-dev/jml/testsuite/harness"
)

// TestMonthSealedAcrossTheRetentionHorizon: Entra keeps 30 days here, and
// jml is installed today; the month 45 days ago is sealed through the dev
// server and the worker. Entra's part of it is past the horizon (the
// emulator returns none of it), so the manifest says complete: false and
// names the range; Okta and Google still hold the month. jml evidence
// verify's check passes on the sealed files and catches an edited byte.
func TestMonthSealedAcrossTheRetentionHorizon(t *testing.T) {
	e := harness.Start(t, harness.EnvOptions{})
	e.Emulators.Graph.SetLogRetention(30 * 24 * time.Hour)
	e.Config.Evidence.LogRetentionDays = map[string]int{"entra": 30}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now := time.Now().UTC()
	month := now.AddDate(0, 0, -45).Format(contract.MonthLayout)
	from, to, _ := contract.MonthRange(month)
	res, err := evidence.RunNow(ctx, e.Client, e.Config, month, evidence.KindLogs, nil)
	require.NoError(t, err)

	var m activities.LogManifest
	b, err := os.ReadFile(res.Logs.Manifest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.False(t, m.Complete)
	require.NotEmpty(t, m.Missing)
	for _, r := range m.Missing {
		assert.Equal(t, "entra", r.Directory, "only Entra's horizon is inside the month: %+v", r)
		assert.False(t, r.From.Before(from) || r.To.After(to))
	}
	assert.True(t, m.Missing[0].From.Equal(from), "from the 1st: jml was not capturing then")
	horizon := now.Add(-30 * 24 * time.Hour)
	last := m.Missing[len(m.Missing)-1].To
	assert.True(t, last.Equal(to) || (last.After(horizon.Add(-time.Minute)) && last.Before(horizon.Add(time.Minute))), "to the month's end or the horizon: %s", last)
	for _, f := range m.Files {
		if f.Directory == "entra" {
			assert.Zero(t, f.Events, "the emulator returns nothing past its horizon")
		}
	}

	rep, err := manifest.Verify(e.Config.Evidence.Dir, month)
	require.NoError(t, err)
	assert.Zero(t, rep.Problems(), "%+v", rep.Results)
	// a forged event slipped into Entra's (empty) file of the month
	forged := filepath.Join(res.Logs.Folder, "entra.jsonl")
	f, err := os.OpenFile(forged, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"directory":"entra","id":"forged","time":"` + from.Add(time.Hour).Format(time.RFC3339) + `","action":"sign-in"}` + "\n")
	require.NoError(t, err)
	require.NoError(t, f.Close())
	rep, err = manifest.Verify(e.Config.Evidence.Dir, month)
	require.NoError(t, err)
	var bad []string
	for _, r := range rep.Results {
		if r.Status != manifest.OK {
			bad = append(bad, r.Status+" "+r.Path)
		}
	}
	assert.Equal(t, []string{"tampered IdentityLogs/" + strings.Replace(month, "-", "/", 1) + "/entra.jsonl"}, bad)
}

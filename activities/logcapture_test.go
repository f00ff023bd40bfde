package activities_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/manifest"
)

// fileIDs reads a month file's event ids, failing on a line that is not
// one JSON event.
func fileIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	var ids []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var ev struct {
			ID string `json:"id"`
		}
		require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), sc.Text())
		ids = append(ids, ev.ID)
	}
	return ids
}

// recordSignIn adds an Entra sign-in at t and returns its id.
func (r *rig) recordSignIn(upn string, at time.Time) string {
	r.t.Helper()
	require.True(r.t, r.set.Graph.RecordSignIn(upn, "Salesforce", at, true))
	for _, s := range r.set.Graph.SignIns(upn) {
		if s.Time.Equal(at.UTC()) {
			return s.ID
		}
	}
	r.t.Fatalf("no sign-in at %s", at)
	return ""
}

// A capture that comes back after an outage longer than the directory's
// retention (Entra P1/P2: 30 days) cannot read what the directory dropped:
// the emulator returns nothing older than its horizon, the cursor resumes
// at the horizon, and the month's seal says complete: false with exactly
// the lost range. A second run appends nothing twice, and a torn last line
// (a crash mid-write) is cut and read again.
func TestCaptureAcrossTheRetentionHorizonMarksTheMonthIncomplete(t *testing.T) {
	r := newRig(t)
	r.set.Graph.SetLogRetention(30 * 24 * time.Hour)
	all := r.set.Graph.SignIns("")
	require.NotEmpty(t, all, "the demo seeds sign-ins")
	upn := all[0].UPN
	now := time.Now().UTC().Truncate(time.Second)
	day := 24 * time.Hour
	lostID := r.recordSignIn(upn, now.Add(-33*day))   // in the outage, past the horizon now
	keptID := r.recordSignIn(upn, now.Add(-29*day))   // in the outage, still held
	beforeID := r.recordSignIn(upn, now.Add(-50*day)) // before the outage: never read again
	r.recordSignIn(upn, now.Add(-time.Hour))          // in the overlap a second run reads again

	// The cursor says everything up to 35 days ago was captured, from well
	// before the month that holds day -32.
	month := now.Add(-32 * day).Format(contract.MonthLayout)
	mFrom, mTo, err := contract.MonthRange(month)
	require.NoError(t, err)
	cur := map[string]any{"directory": config.Entra, "covered": []contract.TimeRange{{From: mFrom.AddDate(0, -2, 0), To: now.Add(-35 * day)}}}
	b, _ := json.Marshal(cur)
	cursorPath := filepath.Join(r.acts.EvidenceDir, "IdentityLogs", "cursors", "entra.json")
	require.NoError(t, os.MkdirAll(filepath.Dir(cursorPath), 0o750))
	require.NoError(t, os.WriteFile(cursorPath, b, 0o640))

	in := contract.CaptureInput{Directory: config.Entra, RetentionDays: 30, Until: now}
	var res contract.CaptureResult
	r.must(contract.CaptureIdentityLog.Name, in, &res)
	require.NotNil(t, res.Lost)
	assert.True(t, res.Lost.From.Equal(now.Add(-35*day)) && res.Lost.To.Equal(now.Add(-30*day)), "lost %+v", res.Lost)
	assert.Positive(t, res.Appended)

	var ids []string
	for _, mo := range res.Months {
		folder, err := activities.IdentityLogFolder(r.acts.EvidenceDir, mo)
		require.NoError(t, err)
		ids = append(ids, fileIDs(t, filepath.Join(folder, "entra.jsonl"))...)
	}
	assert.Contains(t, ids, keptID)
	assert.NotContains(t, ids, lostID, "the emulator no longer returns an event past its horizon")
	assert.NotContains(t, ids, beforeID)

	// again: the overlap is re-read, nothing is appended twice
	var again contract.CaptureResult
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Entra, RetentionDays: 30, Until: now.Add(time.Minute)}, &again)
	assert.Positive(t, again.Duplicate, "the overlap was read again")
	assert.Nil(t, again.Lost)
	seen := map[string]bool{}
	for _, mo := range res.Months {
		folder, _ := activities.IdentityLogFolder(r.acts.EvidenceDir, mo)
		for _, id := range fileIDs(t, filepath.Join(folder, "entra.jsonl")) {
			assert.False(t, seen[id], "event %s captured twice", id)
			seen[id] = true
		}
	}

	// a torn last line is cut off and its event read again
	last := res.Months[len(res.Months)-1]
	folder, _ := activities.IdentityLogFolder(r.acts.EvidenceDir, last)
	lastFile := filepath.Join(folder, "entra.jsonl")
	before := fileIDs(t, lastFile)
	f, err := os.OpenFile(lastFile, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, _ = f.WriteString(`{"directory":"entra","id":"torn`)
	require.NoError(t, f.Close())
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Entra, RetentionDays: 30, Until: now.Add(2 * time.Minute)}, &again)
	assert.Equal(t, before, fileIDs(t, lastFile))

	// the seal of the month names the lost range
	var sealed contract.IdentityLogResult
	r.must(contract.SealIdentityLogMonth.Name, contract.SealLogInput{LogRun: contract.LogRun{Month: month, From: mFrom, To: mTo, WorkflowID: "evidence/identity-logs/" + month,
		GeneratedAt: now}, Captures: []contract.CaptureOutcome{{Directory: config.Entra}}}, &sealed)
	var m activities.LogManifest
	b, err = os.ReadFile(sealed.Manifest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	assert.False(t, m.Complete)
	wantFrom, wantTo := now.Add(-35*day), now.Add(-30*day)
	if wantFrom.Before(mFrom) {
		wantFrom = mFrom
	}
	if wantTo.After(mTo) {
		wantTo = mTo
	}
	require.Len(t, m.Missing, 1, "%+v", m.Missing)
	assert.Equal(t, config.Entra, m.Missing[0].Directory)
	assert.True(t, wantFrom.Equal(m.Missing[0].From) && wantTo.Equal(m.Missing[0].To), "missing %s to %s, want %s to %s", m.Missing[0].From, m.Missing[0].To, wantFrom, wantTo)
	require.Len(t, m.Files, 1)
	assert.Equal(t, len(fileIDs(t, filepath.Join(filepath.Dir(sealed.Manifest), "entra.jsonl"))), m.Files[0].Events)

	// the KPI report's reader says why, and the month verifies
	var sum contract.LogManifestSummary
	r.must(contract.ReadIdentityLogManifest.Name, contract.MonthInput{Month: month}, &sum)
	assert.False(t, sum.Verified)
	assert.Contains(t, sum.Problem, "entra "+wantFrom.Format(time.RFC3339)+" to "+wantTo.Format(time.RFC3339)+" not captured")
	rep, err := manifest.Verify(r.acts.EvidenceDir, month)
	require.NoError(t, err)
	assert.Zero(t, rep.Problems(), "%+v", rep.Results)
	var paths []string
	for _, x := range rep.Results {
		paths = append(paths, x.Path)
	}
	rel := "IdentityLogs/" + strings.Replace(month, "-", "/", 1)
	assert.Subset(t, paths, []string{rel + "/entra.jsonl", rel + "/manifest.json", "Manifests/" + month + ".json"})
}

// On first install the capture starts at the retention horizon: as far back
// as the directory still holds, and the month's start before it is missing.
func TestFirstCaptureBackFillsToTheHorizon(t *testing.T) {
	r := newRig(t)
	r.set.Okta.SetLogRetention(90 * 24 * time.Hour)
	now := time.Now().UTC().Truncate(time.Second)
	var res contract.CaptureResult
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Okta, RetentionDays: 90, Until: now}, &res)
	assert.Nil(t, res.Lost)
	assert.True(t, res.Read.From.Equal(now.Add(-90*24*time.Hour)), "read from %s", res.Read.From)
	assert.GreaterOrEqual(t, len(res.Months), 3, "90 days span three or four months: %v", res.Months)
	horizon := now.Add(-90 * 24 * time.Hour)
	first := res.Months[0]
	from, to, _ := contract.MonthRange(first)
	var sealed contract.IdentityLogResult
	r.must(contract.SealIdentityLogMonth.Name, contract.SealLogInput{LogRun: contract.LogRun{Month: first, From: from, To: to, GeneratedAt: now},
		Captures: []contract.CaptureOutcome{{Directory: config.Okta}}}, &sealed)
	require.Len(t, sealed.Files, 1)
	require.Len(t, sealed.Files[0].Missing, 1)
	assert.True(t, sealed.Files[0].Missing[0].From.Equal(from) && sealed.Files[0].Missing[0].To.Equal(horizon), "%+v", sealed.Files[0].Missing)
}

// A month sealed while its directory was down is sealed again when a later
// capture brings its events: the manifest drops the error, counts them,
// and the files still verify.
func TestCaptureIntoASealedMonthSealsItAgain(t *testing.T) {
	r := newRig(t)
	now := time.Now().UTC().Truncate(time.Second)
	month := now.Format(contract.MonthLayout)
	from, to, _ := contract.MonthRange(month)
	var sealed contract.IdentityLogResult
	r.must(contract.SealIdentityLogMonth.Name, contract.SealLogInput{LogRun: contract.LogRun{Month: month, From: from, To: to, GeneratedAt: now},
		Captures: []contract.CaptureOutcome{{Directory: config.Entra, Error: "graph: 503"}}}, &sealed)
	require.Len(t, sealed.Files, 1)
	assert.Zero(t, sealed.Files[0].Events)

	var res contract.CaptureResult
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Entra, RetentionDays: 30, Until: now.Add(time.Second)}, &res)
	require.Positive(t, res.Appended)
	var m activities.LogManifest
	b, err := os.ReadFile(sealed.Manifest)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &m))
	require.NotNil(t, m.ResealedAt)
	assert.Empty(t, m.Files[0].Error)
	assert.Equal(t, len(fileIDs(t, filepath.Join(filepath.Dir(sealed.Manifest), "entra.jsonl"))), m.Files[0].Events)
	assert.Positive(t, m.Files[0].Events)
	rep, err := manifest.Verify(r.acts.EvidenceDir, month)
	require.NoError(t, err)
	assert.Zero(t, rep.Problems(), "%+v", rep.Results)
}

// fileTimes reads a month file's event times.
func fileTimes(t *testing.T, path string) []time.Time {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var out []time.Time
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		var ev struct {
			Time time.Time `json:"time"`
		}
		require.NoError(t, json.Unmarshal([]byte(line), &ev))
		out = append(out, ev.Time)
	}
	return out
}

// The Okta and Google emulators hold their logs for their horizon only: a
// capture told the directory keeps longer than it does (a wrong
// evidence.log_retention_days) asks from further back and gets nothing
// older than the horizon.
func TestEmulatorsReturnNothingPastTheirHorizon(t *testing.T) {
	r := newRig(t)
	now := time.Now().UTC().Truncate(time.Second)
	r.set.Okta.SetLogRetention(25 * time.Minute)
	var old, kept int
	for _, ev := range r.set.Okta.SystemLog() {
		if ev.Published.Before(now.Add(-26 * time.Minute)) {
			old++
		} else if ev.Published.After(now.Add(-24 * time.Minute)) {
			kept++
		}
	}
	require.Positive(t, old, "the demo's Okta sign-ins span the last 40 minutes")
	var res contract.CaptureResult
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Okta, RetentionDays: 1, Until: now.Add(time.Minute)}, &res)
	var times []time.Time
	for _, mo := range res.Months {
		folder, _ := activities.IdentityLogFolder(r.acts.EvidenceDir, mo)
		times = append(times, fileTimes(t, filepath.Join(folder, "okta.jsonl"))...)
	}
	assert.GreaterOrEqual(t, len(times), kept)
	for _, at := range times {
		assert.False(t, at.Before(now.Add(-26*time.Minute)), "an Okta event of %s is past the 25-minute horizon", at)
	}

	emp := r.org.Employees[1]
	r.set.Google.SetLogRetention(180 * 24 * time.Hour)
	gone, held := now.Add(-200*24*time.Hour), now.Add(-100*24*time.Hour)
	require.True(t, r.set.Google.AddLoginEvent(emp.Email, "login_success", gone))
	require.True(t, r.set.Google.AddLoginEvent(emp.Email, "login_success", held))
	r.must(contract.CaptureIdentityLog.Name, contract.CaptureInput{Directory: config.Google, RetentionDays: 210, Until: now}, &res)
	times = nil
	for _, mo := range res.Months {
		folder, _ := activities.IdentityLogFolder(r.acts.EvidenceDir, mo)
		times = append(times, fileTimes(t, filepath.Join(folder, "google.jsonl"))...)
	}
	var sawHeld bool
	for _, at := range times {
		assert.False(t, at.Before(now.Add(-180*24*time.Hour)), "a Google event of %s is past the 180-day horizon", at)
		sawHeld = sawHeld || at.Equal(held)
	}
	assert.True(t, sawHeld, "the event 100 days old is still held")
}

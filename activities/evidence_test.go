package activities_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/directory"
)

// expectedEvents counts what each emulator holds in [from, to): the events
// the export must write, computed from the emulators' own records.
func (r *rig) expectedEvents(from, to time.Time) map[string]int {
	in := func(t time.Time) bool { return !t.Before(from) && t.Before(to) }
	n := map[string]int{}
	for _, s := range r.set.Graph.SignIns("") {
		if in(s.Time) {
			n[config.Entra]++
		}
	}
	for _, a := range r.set.Graph.DirectoryAudits() {
		if in(a.Time) {
			n[config.Entra]++
		}
	}
	for _, ev := range r.set.Okta.SystemLog() {
		if in(ev.Published) {
			n[config.Okta]++
		}
	}
	for _, a := range r.set.Google.Activities("login") {
		t, err := time.Parse(time.RFC3339, a.ID.Time)
		require.NoError(r.t, err)
		if in(t) {
			n[config.Google] += len(a.Events)
		}
	}
	return n
}

// TestIdentityLogExportAgainstEmulators exports this month and the last
// through the real SDKs: each file holds exactly the emulator's events of
// the month, one JSON object a line; the manifest's hashes match the files;
// a re-run rewrites the same bytes and leaves no temp file behind.
func TestIdentityLogExportAgainstEmulators(t *testing.T) {
	r := newRig(t)
	now := time.Now().UTC()
	seen := 0
	for _, month := range []string{now.Format(contract.MonthLayout), contract.PreviousMonth(now)} {
		from, to, err := contract.MonthRange(month)
		require.NoError(t, err)
		want := r.expectedEvents(from, to)
		var files []contract.LogFile
		for _, d := range dirs {
			var lf contract.LogFile
			r.must(contract.ExportIdentityLog.Name, contract.ExportLogInput{Directory: d, Month: month, From: from, To: to}, &lf)
			assert.Equal(t, want[d], lf.Events, "%s %s: events exported vs the emulator's events in the month", month, d)
			seen += lf.Events
			files = append(files, lf)
		}
		var res contract.IdentityLogResult
		r.must(contract.WriteIdentityLogManifest.Name, contract.LogManifestInput{LogRun: contract.LogRun{Month: month, From: from, To: to, WorkflowID: contract.IdentityLogExportWorkflowID(month),
			RunID: "run-1", GeneratedAt: now}, Files: files}, &res)
		folder := filepath.Join(r.acts.EvidenceDir, "IdentityLogs", from.Format("2006"), from.Format("01"))
		require.Equal(t, filepath.Join(folder, "manifest.json"), res.Manifest)

		var m activities.LogManifest
		b, err := os.ReadFile(res.Manifest)
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, contract.IdentityLogExportWorkflowID(month), m.WorkflowID)
		assert.True(t, m.Complete)
		assert.Equal(t, from, m.From)
		assert.Equal(t, to, m.To)
		total := 0
		for _, f := range m.Files {
			path := filepath.Join(folder, f.File)
			sum, err := activities.FileSHA256(path)
			require.NoError(t, err)
			assert.Equal(t, f.SHA256, sum, "%s: manifest hash", path)
			lines := 0
			fh, err := os.Open(path)
			require.NoError(t, err)
			sc := bufio.NewScanner(fh)
			sc.Buffer(make([]byte, 1<<20), 1<<20)
			for sc.Scan() {
				var ev map[string]any
				require.NoError(t, json.Unmarshal(sc.Bytes(), &ev), "line %d of %s", lines+1, path)
				assert.Equal(t, f.Directory, ev["directory"])
				at, err := time.Parse(time.RFC3339Nano, ev["time"].(string))
				require.NoError(t, err)
				assert.True(t, !at.Before(from) && at.Before(to), "event at %s outside %s", at, month)
				lines++
			}
			fh.Close()
			assert.Equal(t, f.Events, lines, "%s: lines", path)
			total += f.Events
		}
		assert.Equal(t, total, m.TotalEvents)

		// The KPI report's check of the export agrees.
		var sum contract.LogManifestSummary
		r.must(contract.ReadIdentityLogManifest.Name, contract.MonthInput{Month: month}, &sum)
		assert.True(t, sum.Present && sum.Verified, "%+v", sum)
		assert.Equal(t, total, sum.TotalEvents)

		// Re-run: same content, same hash, nothing left over.
		var again contract.LogFile
		r.must(contract.ExportIdentityLog.Name, contract.ExportLogInput{Directory: config.Okta, Month: month, From: from, To: to}, &again)
		assert.Equal(t, files[1].SHA256, again.SHA256)
		entries, err := os.ReadDir(folder)
		require.NoError(t, err)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		assert.ElementsMatch(t, []string{"entra.jsonl", "okta.jsonl", "google.jsonl", "manifest.json"}, names)

		// A tampered file is caught.
		require.NoError(t, os.WriteFile(filepath.Join(folder, "okta.jsonl"), []byte("{}\n"), 0o640))
		r.must(contract.ReadIdentityLogManifest.Name, contract.MonthInput{Month: month}, &sum)
		assert.False(t, sum.Verified)
		assert.Contains(t, sum.Problem, "okta.jsonl")
	}
	require.Positive(t, seen, "the emulators seed sign-ins over the last 30 days: some fall in these two months")
}

// TestAssessEmployeesMatchesDemoOrg: the KPI facts equal what the demo
// organisation seeded (accounts, MFA flags, standing admin roles), read
// through the real SDKs; a role held through an active elevation is not
// standing.
func TestAssessEmployeesMatchesDemoOrg(t *testing.T) {
	r := newRig(t)
	var ids []string
	wantMFA, wantAdmins, wantRoles := 0, 0, 0
	var elevatedAdmin string
	for _, e := range r.org.Employees {
		ids = append(ids, e.EmployeeID)
		if e.MFA {
			wantMFA++
		}
		if len(e.AdminRoles) > 0 {
			wantAdmins++
			wantRoles += len(e.AdminRoles) * len(dirs)
			elevatedAdmin = e.EmployeeID
		}
	}
	require.Positive(t, wantAdmins, "the fixture has standing admins")
	in := contract.AssessInput{Directories: dirs, EmployeeIDs: append(ids, "E9999")}
	var out contract.AssessOutput
	r.must(contract.AssessEmployees.Name, in, &out)
	assert.Equal(t, len(ids)+1, out.Employees)
	assert.Equal(t, len(ids), out.EnabledInAll, "every seeded employee is enabled everywhere; E9999 nowhere")
	assert.Equal(t, wantMFA, out.MFAInAll)
	people := map[string]bool{}
	for _, s := range out.StandingAdmins {
		people[s.EmployeeID] = true
	}
	assert.Len(t, people, wantAdmins)
	assert.Len(t, out.StandingAdmins, wantRoles)
	for _, d := range out.Directories {
		assert.Equal(t, len(ids), d.Enabled, d.Directory)
		assert.Equal(t, wantMFA, d.MFAEnrolled, d.Directory)
		assert.Equal(t, wantRoles/len(dirs), d.StandingRoles, d.Directory)
	}

	// The same admin during an active elevation of that role in Entra.
	in.Elevated = map[string][]contract.ElevationRoleRef{elevatedAdmin: {{Directory: config.Entra, Role: "User Administrator"}}}
	r.must(contract.AssessEmployees.Name, in, &out)
	assert.Len(t, out.StandingAdmins, wantRoles-1)
	for _, s := range out.StandingAdmins {
		assert.False(t, s.EmployeeID == elevatedAdmin && s.Directory == config.Entra, "%+v counted as standing", s)
	}
	assert.Equal(t, 1, out.Directories[0].ElevatedRoles)
}

// TestSummariseOffboardingFromTheLog writes leaver rows with the real log
// writer and reads the month's SLA back.
func TestSummariseOffboardingFromTheLog(t *testing.T) {
	r := newRig(t)
	base := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	durations := []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, 40 * time.Second, 2 * time.Hour}
	for i, d := range durations {
		r.must(contract.AppendOffboardingLog.Name, contract.OffboardingLogInput{EmployeeID: "E01" + string(rune('0'+i)), EffectiveAt: base.Add(time.Duration(i) * time.Hour),
			CompletedAt: base.Add(time.Duration(i)*time.Hour + d), SLAMet: d <= time.Hour, WorkflowID: "employee/x/leaver/" + string(rune('0'+i)), RunID: "r"}, nil)
	}
	// December's leaver is not November's.
	r.must(contract.AppendOffboardingLog.Name, contract.OffboardingLogInput{EmployeeID: "E0200", EffectiveAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		CompletedAt: time.Date(2026, 12, 1, 0, 0, 5, 0, time.UTC), SLAMet: true, WorkflowID: "employee/E0200/leaver/1", RunID: "r"}, nil)
	var s contract.OffboardingSummary
	r.must(contract.SummariseOffboarding.Name, contract.MonthInput{Month: "2026-11"}, &s)
	// Four within 5 minutes, one in (1h, 2h]: the dashboard's distribution.
	var buckets []contract.DurationBucket
	for _, b := range [][2]int64{{300, 4}, {900, 0}, {1800, 0}, {3600, 0}, {7200, 1}, {14400, 0}, {86400, 0}, {0, 0}} {
		buckets = append(buckets, contract.DurationBucket{UpToSeconds: b[0], Leavers: int(b[1])})
	}
	assert.Equal(t, contract.OffboardingSummary{Leavers: 5, Met: 4, Breached: 1, P50Seconds: 30, P95Seconds: 7200, MaxSeconds: 7200, WithinHour: 4, Buckets: buckets}, s)
	r.must(contract.SummariseOffboarding.Name, contract.MonthInput{Month: "2026-10"}, &s)
	assert.Zero(t, s.Leavers)
}

// TestKPIReportFilesAreSelfContainedAndEscaped: the JSON carries every KPI
// with its controls; the HTML has no script, no external reference, and
// escapes what it shows.
func TestKPIReportFilesAreSelfContainedAndEscaped(t *testing.T) {
	r := newRig(t)
	f := contract.KPIFacts{Month: "2026-11", WorkflowID: contract.KPIReportWorkflowID("2026-11"), PopulationSource: "input",
		Assessment: contract.AssessOutput{Employees: 4, EnabledInAll: 3, MFAInAll: 2,
			Directories:    []contract.DirectoryFacts{{Directory: "entra", Accounts: 4, Enabled: 3, MFAEnrolled: 2}},
			StandingAdmins: []contract.StandingAdmin{{EmployeeID: "E0007", Directory: "entra", Role: `<script>alert("x")</script>`}}},
		Offboarding: contract.OffboardingSummary{Leavers: 2, Met: 1, Breached: 1, P50Seconds: 60, P95Seconds: 4000}}
	var res contract.KPIReportResult
	r.must(contract.WriteKPIReport.Name, f, &res)
	assert.Equal(t, filepath.Join(r.acts.EvidenceDir, "Reports", "KPI-2026-11.json"), res.JSON)
	assert.Equal(t, filepath.Join(r.acts.EvidenceDir, "Reports", "KPI-2026-11.html"), res.HTML)
	var rep activities.KPIReport
	b, err := os.ReadFile(res.JSON)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	require.Len(t, rep.KPIs, len(activities.KPIOrder))
	byID := map[string]activities.KPI{}
	for _, k := range rep.KPIs {
		byID[k.ID] = k
		assert.NotEmpty(t, k.Controls, k.ID)
	}
	assert.Equal(t, 75.0, byID[activities.KPIProvisioning].Percent)
	assert.Equal(t, 50.0, byID[activities.KPIDeprovisioning].Percent)
	assert.Equal(t, 1, byID[activities.KPIStandingAdmins].Numerator)
	h, err := os.ReadFile(res.HTML)
	require.NoError(t, err)
	html := string(h)
	assert.NotContains(t, html, "<script")
	assert.Contains(t, html, "&lt;script&gt;")
	for _, ext := range []string{"http://", "https://", "src=", "@import", "<link"} {
		assert.NotContains(t, html, ext)
	}
	for _, c := range []string{"PR.AA-01", "PR.AA-05", "DE.CM-03", "CC6.1", "CC6.2", "CC6.3", "CC7.2"} {
		assert.Contains(t, html, c)
	}
}

// TestControlMapping states the mapping the README documents.
func TestControlMapping(t *testing.T) {
	ids := func(k string) (out []string) {
		for _, c := range activities.ControlMapping[k] {
			out = append(out, c.ID)
		}
		return out
	}
	assert.Equal(t, []string{"PR.AA-01", "CC6.1", "CC6.2"}, ids(activities.KPIProvisioning))
	assert.Equal(t, []string{"PR.AA-05", "CC6.2", "CC6.3"}, ids(activities.KPIDeprovisioning))
	assert.Equal(t, []string{"PR.AA-05", "CC6.1", "CC6.3"}, ids(activities.KPIStandingAdmins))
	assert.Equal(t, []string{"PR.AA-03", "PR.AA-01", "CC6.1"}, ids(activities.KPIMFA))
	assert.Equal(t, []string{"DE.CM-03", "DE.CM-09", "CC7.2"}, ids(activities.KPIIdentityLogs))
	for _, k := range activities.KPIOrder {
		fw := map[string]bool{}
		for _, c := range activities.ControlMapping[k] {
			fw[c.Framework] = true
			assert.True(t, strings.HasPrefix(c.ID, "PR.") || strings.HasPrefix(c.ID, "DE.") || strings.HasPrefix(c.ID, "CC"), c.ID)
		}
		assert.True(t, fw["NIST CSF 2.0"] && fw["SOC 2"], "%s maps to both frameworks", k)
	}
	assert.True(t, slices.Equal(activities.KPIOrder, []string{activities.KPIProvisioning, activities.KPIDeprovisioning, activities.KPIStandingAdmins, activities.KPIMFA, activities.KPIIdentityLogs}))
}

func TestPercentile(t *testing.T) {
	v := []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	assert.Equal(t, int64(5), activities.Percentile(v, 50))
	assert.Equal(t, int64(10), activities.Percentile(v, 95))
	assert.Equal(t, int64(7), activities.Percentile([]int64{7}, 95))
	assert.Zero(t, activities.Percentile(nil, 50))
}

// A directory with no sign-in log API (AD) is recorded as not collected,
// with the reason, and the month stays complete and verifiable: before, its
// lane failed and every month with AD enabled was marked incomplete.
func TestIdentityLogExportRecordsADirectoryWithoutALogAsNotCollected(t *testing.T) {
	r := newRig(t)
	r.acts.Directories["ad"] = struct{ directory.Directory }{} // only its capabilities are asked
	month := contract.PreviousMonth(time.Now().UTC())
	from, to, err := contract.MonthRange(month)
	require.NoError(t, err)
	var files []contract.LogFile
	for _, d := range []string{"okta", "ad"} {
		var lf contract.LogFile
		r.must(contract.ExportIdentityLog.Name, contract.ExportLogInput{Directory: d, Month: month, From: from, To: to}, &lf)
		files = append(files, lf)
	}
	assert.Empty(t, files[1].File)
	assert.Contains(t, files[1].NotCollected, "Security event logs")
	var res contract.IdentityLogResult
	r.must(contract.WriteIdentityLogManifest.Name, contract.LogManifestInput{LogRun: contract.LogRun{Month: month, From: from, To: to, WorkflowID: contract.IdentityLogExportWorkflowID(month),
		RunID: "run-1", GeneratedAt: time.Now()}, Files: files}, &res)
	var sum contract.LogManifestSummary
	r.must(contract.ReadIdentityLogManifest.Name, contract.MonthInput{Month: month}, &sum)
	assert.True(t, sum.Verified, "okta's file verifies and ad's absence is explained: %s", sum.Problem)
	assert.Equal(t, []string{"okta", "ad"}, sum.Directories)
}

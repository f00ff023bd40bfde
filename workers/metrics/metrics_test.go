package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/starters/importer"
)

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	srv, err := m.Serve("127.0.0.1:0")
	require.NoError(t, err)
	defer srv.Close()
	resp, err := http.Get("http://" + srv.Addr() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestMetrics: each family lands in /metrics with the labels an operator
// queries: the limiter's 429s and waits per directory, intake requests by
// route and status (a scanner's path is "other"), and a workflow counter
// through the SDK's handler, with Prometheus's _total suffix.
func TestMetrics(t *testing.T) {
	m, err := New()
	require.NoError(t, err)
	m.ObserveDirectories()
	t.Cleanup(func() { directory.SetObserver(nil) })

	// A directory that throttles every other call, behind a named limiter.
	n := 0
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		if n%2 == 0 {
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer api.Close()
	hc := &http.Client{Transport: directory.NewLimiter(0, 0).Named("okta").Transport(nil)}
	for range 4 {
		resp, err := hc.Get(api.URL)
		require.NoError(t, err)
		resp.Body.Close()
	}
	unnamed := &http.Client{Transport: directory.NewLimiter(0, 0).Transport(nil)}
	resp, err := unnamed.Get(api.URL)
	require.NoError(t, err)
	resp.Body.Close()

	h := m.Intake(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hr/records" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		_, _ = io.WriteString(w, "ok")
	}))
	for _, p := range []string{"/hr/records", "/hr/records", "/healthz", "/wp-admin/E0042"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", p, nil))
	}
	m.SDKHandler().WithTags(map[string]string{"directory": "entra", "event": "leaver"}).Counter("jml_lanes_blocked").Inc(1)
	m.ImportRow("quarantined", 3)
	m.ObserveImports()
	defer importer.SetObserver(nil)
	importer.Record(importer.Counts{Rows: 3, Delivered: 2, Quarantined: 1})
	importer.RecordOutcome(importer.OutcomeRefused, 5)

	out := scrape(t, m)
	assert.Contains(t, out, `jml_directory_throttled_total{directory="okta"} 2`)
	assert.Contains(t, out, `jml_directory_limiter_wait_seconds_count{directory="okta"} 4`)
	assert.NotContains(t, out, `directory=""`, "an unnamed limiter reports nothing")
	assert.Contains(t, out, `jml_intake_requests_total{route="hr_records",status="401"} 2`)
	assert.Contains(t, out, `jml_intake_requests_total{route="healthz",status="200"} 1`)
	assert.Contains(t, out, `jml_intake_requests_total{route="other",status="200"} 1`)
	assert.NotContains(t, out, "E0042", "paths never become labels")
	assert.Contains(t, out, `jml_import_rows_total{outcome="quarantined"} 4`)
	assert.Contains(t, out, `jml_import_rows_total{outcome="delivered"} 2`)
	assert.Contains(t, out, `jml_import_rows_total{outcome="refused"} 5`)
	assert.NotContains(t, out, `outcome="unchanged"`, "zero rows report nothing")
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "jml_lanes_blocked_total{") {
			line = l
		}
	}
	require.NotEmpty(t, line, "the workflow counter through the SDK handler:\n%s", out)
	assert.Contains(t, line, `directory="entra"`)
	assert.True(t, strings.HasSuffix(line, " 1"), line)
}

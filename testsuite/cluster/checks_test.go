//go:build cluster

package cluster

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/assert"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulators"
)

type contractResult = contract.LifecycleResult

func zerologNop() zerolog.Logger { return zerolog.Nop() }

type scrape struct {
	name string
	at   time.Time
	text string
}

func getMetrics(addr string) (string, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + addr + "/metrics")
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		return "", fmt.Errorf("status %d", resp.StatusCode)
	}
	return string(b), err
}

// value sums the samples of metric whose labels include every want.
func value(text, metric string, want ...string) (float64, bool) {
	total, found := 0.0, false
	for _, line := range strings.Split(text, "\n") {
		if !strings.HasPrefix(line, metric) || strings.HasPrefix(line, "#") {
			continue
		}
		rest := line[len(metric):]
		if rest == "" || (rest[0] != '{' && rest[0] != ' ') {
			continue // a longer name
		}
		ok := true
		for _, w := range want {
			ok = ok && strings.Contains(rest, w)
		}
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(rest[strings.LastIndexByte(rest, ' ')+1:], 64)
		if err == nil {
			total, found = total+f, true
		}
	}
	return total, found
}

type rate struct {
	name                  string
	calls, throttled      int
	busiest, busiestUsers int
}

func (r rate) pct() float64 {
	if r.calls == 0 {
		return 0
	}
	return 100 * float64(r.throttled) / float64(r.calls)
}

// rates reads each directory emulator's calls, 429s and its busiest
// window of oktaWindow (all calls, and the users family).
func rates(emus *emulators.Set) []rate {
	var out []rate
	for _, e := range []struct {
		name string
		s    *emulator.Server
	}{{"okta", emus.Okta.Server}, {"graph", emus.Graph.Server}, {"google", emus.Google.Server}, {"scim", emus.SCIM.Server}} {
		r := rate{name: e.name, calls: sum(e.s.Counts()), throttled: e.s.Throttled()}
		reqs := e.s.Requests()
		r.busiest = busiest(reqs, "")
		r.busiestUsers = busiest(reqs, "users")
		out = append(out, r)
	}
	return out
}

func busiest(reqs []emulator.Request, family string) int {
	var ts []time.Time
	for _, q := range reqs {
		if (family == "" || q.Family == family) && q.Status != http.StatusTooManyRequests {
			ts = append(ts, q.Time)
		}
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	best, j := 0, 0
	for i := range ts {
		for ts[i].Sub(ts[j]) >= oktaWindow {
			j++
		}
		best = max(best, i-j+1)
	}
	return best
}

// checkMetrics: what the processes' /metrics said agrees with what the
// test saw.
func checkMetrics(t *testing.T, final map[string]string, scrapes []scrape, statuses map[int]int, results map[string]contractResult, emus *emulators.Set) {
	serve := final["serve"]
	got, _ := value(serve, "jml_intake_requests_total", `route="hr_records"`, `status="202"`)
	assert.Equal(t, float64(statuses[202]), got, "intake requests answered 202, as the test counted them")
	all, _ := value(serve, "jml_intake_requests_total", `route="hr_records"`)
	assert.Equal(t, float64(sum(statusCounts(statuses))), all, "every intake request counted once")

	// 429s: every one a worker counted, the emulators answered (the killed
	// worker's counts went with it, so the sum is at most theirs).
	var throttled float64
	for _, name := range []string{"worker-1", "worker-2"} {
		v, _ := value(final[name], "jml_directory_throttled_total")
		throttled += v
		_, ok := value(final[name], "temporal_request_total")
		assert.True(t, ok, "%s: the SDK's own metrics are exported", name)
		_, ok = value(final[name], "jml_directory_limiter_wait_seconds_count", `directory="okta"`)
		assert.True(t, ok, "%s: limiter waits for okta", name)
	}
	emuThrottled := emus.Okta.Server.Throttled() + emus.Graph.Server.Throttled() + emus.Google.Server.Throttled() + emus.SCIM.Server.Throttled()
	assert.LessOrEqual(t, throttled, float64(emuThrottled), "429s counted by the workers ≤ 429s the emulators sent")

	// Leavers completed: the restarted worker replays its histories without
	// counting them again, so the workers' counts never exceed the leavers.
	var completed float64
	for _, name := range []string{"worker-1", "worker-2"} {
		v, _ := value(final[name], "jml_leavers_completed_total")
		completed += v
	}
	var lastBeforeKill float64
	for _, s := range scrapes {
		if s.name == "worker-1" && strings.Contains(s.text, "process_start_time_seconds") && s.at.Before(killTime) {
			lastBeforeKill, _ = value(s.text, "jml_leavers_completed_total")
		}
	}
	completed += lastBeforeKill
	assert.LessOrEqual(t, completed, float64(len(results)), "no leaver counted twice across the kill")
	assert.Positive(t, completed)

	breached := 0
	for _, r := range results {
		if r.SLABreached {
			breached++
		}
	}
	var sla float64
	for _, name := range []string{"worker-1", "worker-2"} {
		v, _ := value(final[name], "jml_sla_breaches_total")
		sla += v
	}
	assert.LessOrEqual(t, sla, float64(breached), "SLA breaches counted ≤ breaches recorded")

	// In flight: seen above zero during the burst, zero at the end.
	peak := 0.0
	for _, s := range scrapes {
		if v, ok := value(s.text, "jml_leavers_in_flight"); ok && v > peak {
			peak = v
		}
	}
	assert.Positive(t, peak, "jml_leavers_in_flight rose during the burst")
	for _, name := range []string{"worker-1", "worker-2"} {
		v, ok := value(final[name], "jml_leavers_in_flight")
		assert.True(t, ok && v == 0, "%s: no leaver in flight at the end (%v)", name, v)
	}
	t.Logf("metrics: intake 200s %v, workers' 429s %v (emulators %d), leavers completed counted %v of %d, in-flight peak %v",
		got, throttled, emuThrottled, completed, len(results), peak)

	// Labels carry no PII: no demo person's email or name in any scrape.
	for _, s := range append(scrapes, scrape{name: "serve", text: serve}) {
		assert.NotContains(t, s.text, "@demo.jml.test", "%s: an email in the metrics", s.name)
	}
}

var killTime time.Time

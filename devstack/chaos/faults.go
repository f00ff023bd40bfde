package chaos

import (
	"maps"
	"slices"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulators"
)

// faultMix is how the injected share splits between effects. A lost answer
// (502 after the call took effect) is what tests idempotency: the retry
// finds its own earlier write.
var faultMix = []struct {
	share float64
	fault emulator.Fault
}{
	{0.30, emulator.Fault{Status: 429, RetryAfter: time.Second}},
	{0.15, emulator.Fault{Status: 503}},
	{0.10, emulator.Fault{Status: 500}},
	{0.15, emulator.Fault{Status: 502, After: true}},
	{0.05, emulator.Fault{Drop: true}},
	{0.25, emulator.Fault{Latency: 300 * time.Millisecond}},
}

// servers names every emulator's frame.
func servers(s *emulators.Set) map[string]*emulator.Server {
	return map[string]*emulator.Server{
		"graph": s.Graph.Server, "okta": s.Okta.Server, "google": s.Google.Server,
		"slack": s.Slack.Server, "scim": s.SCIM.Server, "bamboohr": s.BambooHR.Server,
	}
}

// injectFaults makes rate of every emulator's calls fail, split by faultMix.
// The frame tries faults in order, each on the calls the earlier ones let
// through, so each gets its share of what is left.
func injectFaults(s *emulators.Set, rate float64, seed int64) {
	if rate <= 0 {
		return
	}
	srv := servers(s)
	for i, name := range slices.Sorted(maps.Keys(srv)) {
		srv[name].SetSeed(seed + int64(i))
		left := 1.0
		for _, m := range faultMix {
			f := m.fault
			f.Probability = rate * m.share / left
			left -= rate * m.share
			srv[name].AddFault(f)
		}
	}
}

// totalCalls is every call the emulators answered (or dropped) so far.
func totalCalls(s *emulators.Set) int {
	n := 0
	for _, srv := range servers(s) {
		for _, c := range srv.Counts() {
			n += c
		}
	}
	return n
}

package burst

import (
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/stack"
)

// Usage is how the binding quota was spent, read from the emulator's
// request log: when its first and last calls went, and how much of the
// limit the calls between them took. A ratio to the floor above 1 is
// either time outside that span (the ramp before the first call, the tail
// after the last) or a span run below the limit.
type Usage struct {
	Quota       string        `json:"quota"`
	First, Last time.Duration // after the batch was sent
	Calls       int           `json:"calls"`
	Used        float64       `json:"used"` // calls / what the limit allows between First and Last
	// Partial: the emulator's log (bounded) no longer holds the quota's
	// first calls, so First, Calls and Used cover only the newest ones.
	Partial bool `json:"partial,omitempty"`
}

// meters reports whether q's limit counts a call to family, as the
// emulator meters it (emulator.Server.take): q's own family, or for "all"
// every family without a quota of its own; WritesOnly limits count writes.
func (q quota) meters(qs []quota, family string, write bool) bool {
	if q.Limit.WritesOnly && !write {
		return false
	}
	if q.Family == emulator.AllFamilies {
		return !ownQuota(qs, q.Directory, family)
	}
	return family == q.Family
}

// ownQuota reports whether a directory's endpoint family has a limit of its
// own, which the directory's "all" quota does not count (emulator.AllFamilies).
func ownQuota(qs []quota, directory, family string) bool {
	for _, q := range qs {
		if q.Directory == directory && q.Family == family {
			return true
		}
	}
	return false
}

// meteredCalls is how many calls s served that q's limit counts, from the
// emulator's counters (every call, unlike its bounded log).
func meteredCalls(qs []quota, q quota, s *emulator.Server) int {
	counts := s.Counts()
	if q.Limit.WritesOnly {
		counts = s.Writes()
	}
	calls := 0
	for fam, c := range counts {
		if q.meters(qs, fam, q.Limit.WritesOnly) {
			calls += c
		}
	}
	return calls
}

// usage reads the binding quota's spend from its emulator's log; calls is
// what its counters say the quota counted.
func usage(s *emulator.Server, qs []quota, q quota, calls int, start time.Time) Usage {
	u := Usage{Quota: fmt.Sprintf("%s %s %d/%s", q.Directory, q.Family, q.Limit.Requests, q.Limit.Window)}
	var first, last time.Time
	for _, r := range s.Requests() {
		if !q.meters(qs, r.Family, r.Method != http.MethodGet && r.Method != http.MethodHead) {
			continue
		}
		if first.IsZero() || r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
		u.Calls++
	}
	u.Partial = u.Calls < calls
	if u.Calls > 0 {
		u.First, u.Last = first.Sub(start), last.Sub(start)
		if span := last.Sub(first); span > 0 {
			u.Used = float64(u.Calls) / (float64(q.Limit.Requests) * float64(span) / float64(q.Limit.Window))
		}
	}
	return u
}

func (u Usage) print(w io.Writer) {
	partial := ""
	if u.Partial {
		partial = " (the newest calls only: the emulator's log is bounded)"
	}
	fmt.Fprintf(w, "  binding quota %s: first call +%s, last call +%s; %d calls, %.1f%% of what the limit allows between them%s\n",
		u.Quota, u.First.Round(100*time.Millisecond), u.Last.Round(100*time.Millisecond), u.Calls, 100*u.Used, partial)
}

// throttledByFamily is every emulator's 429s by "server family".
func throttledByFamily(env *stack.Env) map[string]int {
	out := map[string]int{}
	for name, s := range servers(env) {
		for fam, c := range s.ThrottledByFamily() {
			out[name+" "+fam] += c
		}
	}
	return out
}

func printThrottled(w io.Writer, by map[string]int) {
	if len(by) == 0 {
		return
	}
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, by[k])
	}
	fmt.Fprintf(w, "  429s by family: %s\n", strings.Join(parts, ", "))
}

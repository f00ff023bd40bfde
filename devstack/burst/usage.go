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
	// Throttled counts the 429s by directory and endpoint family.
	Throttled map[string]int `json:"throttled,omitempty"`
}

// usage reads the binding quota's spend and every 429.
func usage(env *stack.Env, qs []quota, q quota, start time.Time) Usage {
	u := Usage{Quota: fmt.Sprintf("%s %s %d/%s", q.Directory, q.Family, q.Limit.Requests, q.Limit.Window), Throttled: map[string]int{}}
	srvs := servers(env)
	server, _, _ := strings.Cut(q.Directory, ":")
	var first, last time.Time
	for _, r := range srvs[server].Requests() {
		if q.Family != emulator.AllFamilies && r.Family != q.Family || q.Family == emulator.AllFamilies && ownQuota(qs, q.Directory, r.Family) {
			continue
		}
		if q.Limit.WritesOnly && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
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
	if u.Calls > 0 {
		u.First, u.Last = first.Sub(start), last.Sub(start)
		if span := last.Sub(first); span > 0 {
			u.Used = float64(u.Calls) / (float64(q.Limit.Requests) * float64(span) / float64(q.Limit.Window))
		}
	}
	for name, s := range srvs {
		for _, r := range s.Requests() {
			if r.Status == http.StatusTooManyRequests {
				u.Throttled[name+" "+r.Family]++
			}
		}
	}
	return u
}

func (u Usage) print(w io.Writer) {
	fmt.Fprintf(w, "  binding quota %s: first call +%s, last call +%s; %d calls, %.1f%% of what the limit allows between them\n",
		u.Quota, u.First.Round(100*time.Millisecond), u.Last.Round(100*time.Millisecond), u.Calls, 100*u.Used)
	if len(u.Throttled) == 0 {
		return
	}
	keys := make([]string, 0, len(u.Throttled))
	for k := range u.Throttled {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, u.Throttled[k])
	}
	fmt.Fprintf(w, "  429s by family: %s\n", strings.Join(parts, ", "))
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

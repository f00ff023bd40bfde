package googleemu

import (
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// --- reports ---

var reportApps = []string{"login", "admin", "token", "groups", "mobile", "saml", "user_accounts"}

func (e *Emulator) serveReports(w http.ResponseWriter, r *http.Request, s []string) {
	// activity/users/{userKey}/applications/{applicationName}
	if len(s) != 5 || s[0] != "activity" || s[1] != "users" || s[3] != "applications" {
		notFound(w, "resource")
		return
	}
	if r.Method != http.MethodGet {
		methodNotAllowed(w)
		return
	}
	if !slices.Contains(reportApps, s[4]) {
		badRequest(w, "Invalid Input: applicationName")
		return
	}
	q := r.URL.Query()
	var from, to time.Time
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"startTime", &from}, {"endTime", &to}} {
		if v := q.Get(p.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				badRequest(w, "Invalid Input: "+p.name)
				return
			}
			*p.t = t
		}
	}
	if !from.IsZero() && !to.IsZero() && to.Before(from) {
		badRequest(w, "Start time must be less than or equal to the end time.")
		return
	}
	eventName := q.Get("eventName")
	e.mu.RLock()
	defer e.mu.RUnlock()
	var actor *User
	if s[2] != "all" {
		if actor = e.userByKey(s[2]); actor == nil {
			notFound(w, "userKey")
			return
		}
	}
	src := e.activities[s[4]]
	out := make([]*Activity, 0, len(src))
	for _, a := range src {
		if actor != nil && a.Actor.ProfileID != actor.ID && !strings.EqualFold(a.Actor.Email, actor.PrimaryEmail) {
			continue
		}
		if (!from.IsZero() && a.time.Before(from)) || (!to.IsZero() && !a.time.Before(to)) || a.time.Before(e.horizonLocked()) {
			continue
		}
		if eventName != "" && !slices.ContainsFunc(a.Events, func(ev ActivityEvent) bool { return ev.Name == eventName }) {
			continue
		}
		out = append(out, a)
	}
	// newest first, as the Reports API answers
	sort.SliceStable(out, func(i, j int) bool { return out[i].time.After(out[j].time) })
	pagedWrite(e, w, r, "admin#reports#activities", "items", out, 1000, 1000)
}

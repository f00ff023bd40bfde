package oktaemu

import (
	"encoding/json"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// LogEvent is one System Log event as the emulator holds it.
type LogEvent struct {
	UUID           string
	Published      time.Time
	EventType      string
	DisplayMessage string
	Result         string // SUCCESS, FAILURE, ...
	Reason         string
	Actor          LogEntity
	Targets        []LogEntity
	IP             string
	App            string // the app signed in to, for session events
	seq            int
}

// LogEntity is an actor or target of an event.
type LogEntity struct {
	ID          string `json:"id"`
	Type        string `json:"type"`
	AlternateID string `json:"alternateId"`
	DisplayName string `json:"displayName"`
}

func userTarget(u *user) LogEntity {
	return LogEntity{ID: u.ID, Type: "User", AlternateID: u.login(), DisplayName: strings.TrimSpace(str(u.Profile["firstName"]) + " " + str(u.Profile["lastName"]))}
}

func groupTarget(g *group) LogEntity {
	return LogEntity{ID: g.ID, Type: "UserGroup", AlternateID: "unknown", DisplayName: g.Name}
}

func roleTarget(ra *roleAssignment) LogEntity {
	return LogEntity{ID: ra.ID, Type: "ROLE", AlternateID: ra.Type, DisplayName: RoleLabels[ra.Type]}
}

// serviceActor is the principal behind the API token.
func (e *Emulator) serviceActor() LogEntity {
	return LogEntity{ID: "00u00000000000jmlsvc", Type: "User", AlternateID: "jml-service@" + e.domain, DisplayName: "jml service"}
}

// recordLocked appends an event for the emulator's own mutation.
func (e *Emulator) recordLocked(r *http.Request, typ, msg, result, reason string, targets ...LogEntity) {
	ip := "127.0.0.1"
	if r != nil {
		if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = h
		}
	}
	e.appendEventLocked(&LogEvent{Published: time.Now(), EventType: typ, DisplayMessage: msg, Result: result, Reason: reason, Actor: e.serviceActor(), Targets: targets, IP: ip})
}

func (e *Emulator) appendEventLocked(ev *LogEvent) {
	e.seq++
	ev.seq = e.seq
	if ev.UUID == "" {
		ev.UUID = uuidFrom(e.seq)
	}
	e.events = append(e.events, ev)
	// Seeded events may be back-dated: keep published order.
	if n := len(e.events); n > 1 && e.events[n-2].Published.After(ev.Published) {
		sort.SliceStable(e.events, func(i, j int) bool { return e.events[i].Published.Before(e.events[j].Published) })
	}
}

func uuidFrom(n int) string {
	h := strconv.FormatInt(int64(n), 16)
	h = strings.Repeat("0", 12-min(12, len(h))) + h
	return "5e1f0c2a-9b7d-11ee-" + "b9d1-" + h
}

type logWire struct {
	UUID           string      `json:"uuid"`
	Published      oktaTime    `json:"published"`
	EventType      string      `json:"eventType"`
	Version        string      `json:"version"`
	Severity       string      `json:"severity"`
	LegacyType     *string     `json:"legacyEventType"`
	DisplayMessage string      `json:"displayMessage"`
	Actor          LogEntity   `json:"actor"`
	Client         any         `json:"client"`
	Outcome        any         `json:"outcome"`
	Target         []LogEntity `json:"target"`
	Transaction    any         `json:"transaction"`
	DebugContext   any         `json:"debugContext"`
	AuthContext    any         `json:"authenticationContext"`
	SecurityCtx    any         `json:"securityContext"`
	Request        any         `json:"request"`
}

func toLogWire(ev *LogEvent) logWire {
	sev := "INFO"
	if ev.Result == "FAILURE" {
		sev = "WARN"
	}
	targets := ev.Targets
	if targets == nil {
		targets = []LogEntity{}
	}
	outcome := map[string]any{"result": ev.Result, "reason": nil}
	if ev.Reason != "" {
		outcome["reason"] = ev.Reason
	}
	dbg := map[string]any{}
	if ev.App != "" {
		dbg["appName"] = ev.App
	}
	return logWire{
		UUID: ev.UUID, Published: oktaTime(ev.Published), EventType: ev.EventType, Version: "0", Severity: sev,
		DisplayMessage: ev.DisplayMessage, Actor: ev.Actor, Target: targets,
		Client: map[string]any{
			"ipAddress": ev.IP, "zone": "null", "device": "Computer",
			"userAgent":           map[string]any{"rawUserAgent": "okta-sdk-golang/2.20.0", "os": "Linux", "browser": "UNKNOWN"},
			"geographicalContext": nil,
		},
		Outcome:      outcome,
		Transaction:  map[string]any{"type": "WEB", "id": "emu-" + ev.UUID[len(ev.UUID)-8:]},
		DebugContext: map[string]any{"debugData": dbg},
		AuthContext:  map[string]any{"authenticationStep": 0, "externalSessionId": "emu"},
		SecurityCtx:  map[string]any{},
		Request:      map[string]any{"ipChain": []map[string]any{{"ip": ev.IP}}},
	}
}

func logAttr(ev *LogEvent) attrs {
	return func(a string) []string {
		switch a {
		case "eventType":
			return []string{ev.EventType}
		case "uuid":
			return []string{ev.UUID}
		case "published":
			return []string{ev.Published.UTC().Format(time.RFC3339Nano)}
		case "outcome.result":
			return []string{ev.Result}
		case "outcome.reason":
			if ev.Reason == "" {
				return nil
			}
			return []string{ev.Reason}
		case "actor.id":
			return []string{ev.Actor.ID}
		case "actor.alternateId":
			return []string{ev.Actor.AlternateID}
		case "actor.type":
			return []string{ev.Actor.Type}
		case "client.ipAddress":
			return []string{ev.IP}
		case "severity":
			if ev.Result == "FAILURE" {
				return []string{"WARN"}
			}
			return []string{"INFO"}
		case "target.id":
			// Every target's id: target.id eq "x" matches when any target
			// matches, as Okta's does.
			out := make([]string, 0, len(ev.Targets))
			for _, t := range ev.Targets {
				out = append(out, t.ID)
			}
			return out
		}
		return nil
	}
}

func parseLogTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// listLogs serves GET /api/v1/logs: since (default 7 days before until),
// until (exclusive; default now), filter, q, sortOrder, limit, after.
func (e *Emulator) listLogs(w http.ResponseWriter, r *http.Request) {
	qs := r.URL.Query()
	until := time.Now()
	if v := qs.Get("until"); v != "" {
		t, ok := parseLogTime(v)
		if !ok {
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: until", "until: Invalid date format")
			return
		}
		until = t
	}
	since := until.Add(-7 * 24 * time.Hour)
	if v := qs.Get("since"); v != "" {
		t, ok := parseLogTime(v)
		if !ok {
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: since", "since: Invalid date format")
			return
		}
		since = t
	}
	filter, err := parseFilter(qs.Get("filter"))
	if err != nil {
		e.invalidSearch(w)
		return
	}
	q := strings.ToLower(qs.Get("q"))
	limit, _ := e.pageParams(r, 100, 1000)
	after := 0
	if v := qs.Get("after"); v != "" {
		after, _ = strconv.Atoi(v)
	}
	desc := strings.EqualFold(qs.Get("sortOrder"), "DESCENDING")

	e.mu.RLock()
	var sel []*LogEvent
	kept := e.horizonLocked()
	for _, ev := range e.events {
		if ev.Published.Before(since) || !ev.Published.Before(until) || ev.Published.Before(kept) {
			continue
		}
		if filter != nil && !filter.eval(logAttr(ev)) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(ev.EventType+" "+ev.DisplayMessage+" "+ev.Actor.AlternateID), q) {
			continue
		}
		sel = append(sel, ev)
	}
	if desc {
		for i, j := 0, len(sel)-1; i < j; i, j = i+1, j-1 {
			sel[i], sel[j] = sel[j], sel[i]
		}
	}
	// The cursor is the position in this (stable) selection.
	if after > len(sel) {
		after = len(sel)
	}
	end := min(after+limit, len(sel))
	items := make([]json.RawMessage, 0, end-after)
	for _, ev := range sel[after:end] {
		items = append(items, mustJSON(toLogWire(ev)))
	}
	e.mu.RUnlock()
	next := ""
	if end < len(sel) {
		next = strconv.Itoa(end)
	}
	writePage(w, r, items, next, limit)
}

package jumpcloudemu

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Event is one Directory Insights event as the API returns it.
type Event struct {
	ID          string         `json:"id"`
	EventType   string         `json:"event_type"`
	Service     string         `json:"service"`
	Timestamp   time.Time      `json:"timestamp"`
	Success     bool           `json:"success"`
	ClientIP    string         `json:"client_ip"`
	InitiatedBy map[string]any `json:"initiated_by"`
	Resource    map[string]any `json:"resource,omitempty"`
	Application map[string]any `json:"application,omitempty"`
}

// AddEvent records an event (tests, seeding).
func (e *Emulator) AddEvent(ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.addEventLocked(ev)
}

func (e *Emulator) addEventLocked(ev Event) {
	e.evSeq++
	if ev.ID == "" {
		ev.ID = "ev" + strconv.Itoa(e.evSeq)
	}
	if ev.Timestamp.IsZero() {
		ev.Timestamp = time.Now().UTC()
	}
	e.events = append(e.events, ev)
}

// EventsBetween counts the events in [from, to).
func (e *Emulator) EventsBetween(from, to time.Time) int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	n := 0
	for _, ev := range e.events {
		if !ev.Timestamp.Before(from) && ev.Timestamp.Before(to) {
			n++
		}
	}
	return n
}

// events serves POST /insights/directory/v1/events: a time range, sorted
// ascending or descending, at most limit rows, continued by search_after
// (the [timestamp ms, id] of the last row, sent back in X-Search_after).
func (e *Emulator) insightsEvents(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Service     []string `json:"service"`
		StartTime   string   `json:"start_time"`
		EndTime     string   `json:"end_time"`
		Limit       int      `json:"limit"`
		Sort        string   `json:"sort"`
		SearchAfter []string `json:"search_after"`
	}
	if !decode(w, r, &q) {
		return
	}
	if len(q.Service) == 0 {
		writeError(w, http.StatusBadRequest, "service is required")
		return
	}
	from, err := time.Parse(time.RFC3339, q.StartTime)
	if err != nil {
		writeError(w, http.StatusBadRequest, "start_time must be RFC3339")
		return
	}
	to := time.Now().Add(time.Hour)
	if q.EndTime != "" {
		if to, err = time.Parse(time.RFC3339, q.EndTime); err != nil {
			writeError(w, http.StatusBadRequest, "end_time must be RFC3339")
			return
		}
	}
	if q.Limit <= 0 || q.Limit > 10000 {
		q.Limit = 10000
	}
	e.mu.RLock()
	var match []Event
	kept := e.horizonLocked()
	for _, ev := range e.events {
		if !ev.Timestamp.Before(from) && ev.Timestamp.Before(to) && !ev.Timestamp.Before(kept) {
			match = append(match, ev)
		}
	}
	e.mu.RUnlock()
	key := func(ev Event) (int64, string) { return ev.Timestamp.UnixMilli(), ev.ID }
	less := func(a, b Event) bool {
		ta, ia := key(a)
		tb, ib := key(b)
		return ta < tb || ta == tb && ia < ib
	}
	desc := q.Sort == "DESC"
	sort.SliceStable(match, func(i, j int) bool {
		if desc {
			return less(match[j], match[i])
		}
		return less(match[i], match[j])
	})
	if len(q.SearchAfter) == 2 {
		ms, _ := strconv.ParseInt(q.SearchAfter[0], 10, 64)
		cut := Event{Timestamp: time.UnixMilli(ms), ID: q.SearchAfter[1]}
		i := 0
		for i < len(match) && (desc && !less(match[i], cut) || !desc && !less(cut, match[i])) {
			i++
		}
		match = match[i:]
	}
	if len(match) > q.Limit {
		match = match[:q.Limit]
	}
	if n := len(match); n > 0 {
		ms, id := key(match[n-1])
		after, _ := json.Marshal([]string{strconv.FormatInt(ms, 10), id})
		w.Header().Set("X-Search_after", string(after))
	}
	w.Header().Set("X-Result-Count", strconv.Itoa(len(match)))
	w.Header().Set("X-Limit", strconv.Itoa(q.Limit))
	if match == nil {
		match = []Event{}
	}
	emulator.WriteJSON(w, http.StatusOK, match)
}

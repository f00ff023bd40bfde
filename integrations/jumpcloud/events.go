package jumpcloud

import (
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// DefaultInsightsURL is Directory Insights' US host (EU: https://api.eu.jumpcloud.com).
const DefaultInsightsURL = "https://api.jumpcloud.com"

const insightsPage = 1000

var _ directory.SignInLogReader = (*Client)(nil)

type insightsEvent struct {
	ID          string    `json:"id"`
	EventType   string    `json:"event_type"`
	Service     string    `json:"service"`
	Timestamp   time.Time `json:"timestamp"`
	Success     *bool     `json:"success"`
	ClientIP    string    `json:"client_ip"`
	InitiatedBy struct {
		ID       string `json:"id"`
		Username string `json:"username"`
		Email    string `json:"email"`
	} `json:"initiated_by"`
	Application struct {
		Name string `json:"name"`
	} `json:"application"`
}

// SignInEvents reads Directory Insights (POST /insights/directory/v1/events,
// every service) in [from, to), oldest first, continuing each page with the
// X-Search_after the previous one answered.
func (c *Client) SignInEvents(ctx context.Context, from, to time.Time, fn func(domain.AuditEvent) error) error {
	const op = "sign-in events"
	var after []string
	for {
		q := map[string]any{"service": []string{"all"}, "start_time": from.UTC().Format(time.RFC3339), "end_time": to.UTC().Format(time.RFC3339),
			"sort": "ASC", "limit": insightsPage}
		if after != nil {
			q["search_after"] = after
		}
		var raw []json.RawMessage
		h, err := c.insights(ctx, op, q, &raw)
		if err != nil {
			return err
		}
		for _, r := range raw {
			var ev insightsEvent
			var all map[string]any
			if json.Unmarshal(r, &ev) != nil || json.Unmarshal(r, &all) != nil {
				return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "an event is not the expected JSON"}
			}
			if !ev.Timestamp.Before(to) || ev.Timestamp.Before(from) {
				continue
			}
			if err := fn(ev.audit(all)); err != nil {
				return err
			}
		}
		next := h.Get("X-Search_after")
		if len(raw) < insightsPage || next == "" {
			return nil
		}
		after = nil
		if err := json.Unmarshal([]byte(next), &after); err != nil || len(after) == 0 {
			return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "X-Search_after is not a JSON array"}
		}
	}
}

func (ev insightsEvent) audit(raw map[string]any) domain.AuditEvent {
	actor := ev.InitiatedBy.ID
	if actor == "" {
		actor = ev.InitiatedBy.Username
	}
	result := ""
	if ev.Success != nil {
		result = map[bool]string{true: "success", false: "failure"}[*ev.Success]
	}
	app := ev.Application.Name
	if app == "" {
		app = ev.Service
	}
	return domain.AuditEvent{ID: ev.ID, Time: ev.Timestamp, Actor: actor, Action: ev.EventType, Result: result, App: app, IP: ev.ClientIP, Raw: raw}
}

// insights posts one query to the Directory Insights host, retried as call is.
func (c *Client) insights(ctx context.Context, op string, in, out any) (http.Header, error) {
	var h http.Header
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return nil, werr
			}
		}
		h, err = c.sendTo(ctx, c.insightsBase, op, http.MethodPost, "/insights/directory/v1/events", in, out)
		if !retryable(err) {
			return h, err
		}
	}
	return h, err
}

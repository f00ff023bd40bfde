package slackemu

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// ---- emulator.API ----

// Family is the Web API method name ("chat.postMessage"), or "ui" /
// "response_url" for the page and the interactivity hooks.
func (s *state) Family(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		return strings.TrimPrefix(p, "/api/")
	case strings.HasPrefix(p, "/actions/"):
		return "response_url"
	default:
		return "ui"
	}
}

// Throttled answers like Slack: 429 with Retry-After in seconds.
func (s *state) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, _ time.Time) {
	w.Header().Set("Retry-After", emulator.RetryAfterSeconds(retryAfter))
	emulator.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"ok": false, "error": "ratelimited"})
}

// Failed answers an injected failure; Slack sends HTML with 5xx.
func (s *state) Failed(w http.ResponseWriter, r *http.Request, status int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<html><body><h1>%d %s</h1></body></html>", status, http.StatusText(status))
}

// Authorized checks the bot token (form field token or Authorization:
// Bearer) on Web API methods. The page and response_url hooks carry no
// token: the hook's secret is its path.
func (s *state) Authorized(w http.ResponseWriter, r *http.Request) bool {
	s.base.Store(emulator.BaseURL(r))
	if !strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		fail(w, "invalid_form_data")
		return false
	}
	tok := r.Form.Get("token")
	if h := r.Header.Get("Authorization"); tok == "" && strings.HasPrefix(h, "Bearer ") {
		tok = strings.TrimPrefix(h, "Bearer ")
	}
	switch {
	case tok == "":
		fail(w, "not_authed")
		return false
	case tok != s.cfg.BotToken:
		fail(w, "invalid_auth")
		return false
	}
	return true
}

// ServeAPI dispatches Web API methods, hooks and the page.
func (s *state) ServeAPI(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/"):
		s.serveMethod(w, r, strings.TrimPrefix(p, "/api/"))
	case strings.HasPrefix(p, "/actions/"):
		s.serveResponseURL(w, r)
	default:
		s.serveUI(w, r)
	}
}

func fail(w http.ResponseWriter, code string) {
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"ok": false, "error": code})
}

func ok(w http.ResponseWriter, fields map[string]any) {
	fields["ok"] = true
	emulator.WriteJSON(w, http.StatusOK, fields)
}

func (s *state) serveMethod(w http.ResponseWriter, r *http.Request, method string) {
	f := r.Form
	switch method {
	case "auth.test":
		ok(w, map[string]any{"url": "https://" + TeamDomain + ".slack.com/", "team": TeamName, "user": BotName, "team_id": TeamID, "user_id": BotUserID, "bot_id": BotID, "is_enterprise_install": false})
	case "users.lookupByEmail":
		s.mu.Lock()
		u := s.byEmail[strings.ToLower(f.Get("email"))]
		var out map[string]any
		if u != nil && !u.Deleted {
			out = userJSON(u)
		}
		s.mu.Unlock()
		if f.Get("email") == "" {
			fail(w, "invalid_arguments")
			return
		}
		if out == nil {
			fail(w, "users_not_found")
			return
		}
		ok(w, map[string]any{"user": out})
	case "users.info":
		s.mu.Lock()
		u := s.users[f.Get("user")]
		var out map[string]any
		if u != nil {
			out = userJSON(u)
		}
		s.mu.Unlock()
		if out == nil {
			fail(w, "user_not_found")
			return
		}
		ok(w, map[string]any{"user": out})
	case "conversations.open":
		s.conversationsOpen(w, f.Get("users"), f.Get("channel"))
	case "chat.postMessage":
		s.postMessage(w, f.Get("channel"), f.Get("text"), f.Get("blocks"))
	case "views.open":
		s.viewsOpen(w, r) // views.go
	case "chat.update":
		s.update(w, f.Get("channel"), f.Get("ts"), f.Get("text"), f.Get("blocks"), f.Has("blocks"))
	default:
		fail(w, "unknown_method")
	}
}

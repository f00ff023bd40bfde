package slackemu

import (
	_ "embed"
	"net/http"
	"sort"
	"strings"

	"github.com/jml-dev/jml/devstack/emulator"
)

//go:embed ui.html
var uiPage []byte

// uiConversation is one entry of the page's sidebar.
type uiConversation struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	IsIM      bool   `json:"is_im"`
	UserEmail string `json:"user_email,omitempty"`
	Count     int    `json:"count"`
}

type uiUser struct {
	ID       string `json:"id"`
	Email    string `json:"email"`
	RealName string `json:"real_name"`
}

// serveUI serves the page (GET / and /ui/) and its JSON feeds:
// /ui/conversations, /ui/users, /ui/messages?c=<id> and /ui/views?u=<email>.
func (s *state) serveUI(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		emulator.WriteJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case "", "/ui", "/ui/index.html":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The page is self-contained; forbid anything external.
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
		_, _ = w.Write(uiPage)
	case "/ui/users":
		s.mu.Lock()
		out := make([]uiUser, 0, len(s.order))
		for _, id := range s.order {
			u := s.users[id]
			out = append(out, uiUser{ID: u.ID, Email: u.Email, RealName: u.RealName})
		}
		s.mu.Unlock()
		emulator.WriteJSON(w, http.StatusOK, out)
	case "/ui/views": // the open modals of ?u=<email> (views.go)
		out := []View{}
		for _, v := range s.viewsOf(r.URL.Query().Get("u")) {
			if v.Open {
				out = append(out, v)
			}
		}
		emulator.WriteJSON(w, http.StatusOK, out)
	case "/ui/conversations":
		emulator.WriteJSON(w, http.StatusOK, s.conversations())
	case "/ui/messages":
		s.mu.Lock()
		out := s.messagesLocked(r.URL.Query().Get("c"))
		s.mu.Unlock()
		if out == nil {
			out = []Message{} // the page expects a JSON array
		}
		emulator.WriteJSON(w, http.StatusOK, out)
	default:
		emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	}
}

// conversations lists channels first, then DMs with messages, newest first.
func (s *state) conversations() []uiConversation {
	s.mu.Lock()
	defer s.mu.Unlock()
	counts := map[string]int{}
	last := map[string]int{}
	for i, m := range s.msgs {
		counts[m.Channel]++
		last[m.Channel] = i
	}
	var chans, dms []uiConversation
	for _, c := range s.channels {
		if c.IsIM {
			if counts[c.ID] == 0 {
				continue
			}
			u := s.users[c.User]
			dms = append(dms, uiConversation{ID: c.ID, Name: u.RealName, IsIM: true, UserEmail: u.Email, Count: counts[c.ID]})
			continue
		}
		chans = append(chans, uiConversation{ID: c.ID, Name: "#" + c.Name, Count: counts[c.ID]})
	}
	sort.Slice(chans, func(i, j int) bool { return chans[i].Name < chans[j].Name })
	sort.Slice(dms, func(i, j int) bool { return last[dms[i].ID] > last[dms[j].ID] })
	return append(chans, dms...)
}

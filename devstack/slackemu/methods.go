package slackemu

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

func userJSON(u *User) map[string]any {
	first, last, _ := strings.Cut(u.RealName, " ")
	return map[string]any{
		"id": u.ID, "team_id": TeamID, "name": u.Name, "real_name": u.RealName, "deleted": u.Deleted,
		"is_bot": u.ID == BotUserID, "tz": "Europe/London",
		"profile": map[string]any{"email": u.Email, "real_name": u.RealName, "display_name": u.Name, "first_name": first, "last_name": last, "title": u.Title, "team": TeamID},
	}
}

func (s *state) conversationsOpen(w http.ResponseWriter, users, channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if users == "" && channel == "" {
		fail(w, "users_list_not_supplied")
		return
	}
	if channel != "" {
		c := s.channels[channel]
		if c == nil || !c.IsIM {
			fail(w, "channel_not_found")
			return
		}
		ok(w, map[string]any{"channel": map[string]any{"id": c.ID}, "already_open": true, "no_op": true})
		return
	}
	ids := strings.Split(users, ",")
	if len(ids) > 1 {
		fail(w, "not_supported") // multi-person DMs are outside jml's needs
		return
	}
	u := s.users[strings.TrimSpace(ids[0])]
	if u == nil || u.ID == BotUserID {
		fail(w, "user_not_found")
		return
	}
	if u.Deleted {
		fail(w, "user_disabled")
		return
	}
	_, had := s.dms[u.ID]
	c := s.resolveLocked(u.ID, true)
	ok(w, map[string]any{"channel": map[string]any{"id": c.ID}, "already_open": had, "no_op": had})
}

// prepareBlocks validates blocks JSON, fills in the block_id and action_id
// Slack generates when missing, and extracts the buttons.
func prepareBlocks(raw string) (json.RawMessage, []Button, bool) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil, true
	}
	var blocks []map[string]any
	if err := json.Unmarshal([]byte(raw), &blocks); err != nil {
		return nil, nil, false
	}
	var buttons []Button
	for i, b := range blocks {
		if _, ok := b["type"].(string); !ok {
			return nil, nil, false
		}
		bid, _ := b["block_id"].(string)
		if bid == "" {
			bid = fmt.Sprintf("b%d%s", i, randomID(2))
			b["block_id"] = bid
		}
		var elems []any
		if es, ok := b["elements"].([]any); ok && b["type"] == "actions" {
			elems = es
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			elems = append(elems, acc)
		}
		for j, e := range elems {
			el, ok := e.(map[string]any)
			if !ok || el["type"] != "button" {
				continue
			}
			aid, _ := el["action_id"].(string)
			if aid == "" {
				aid = fmt.Sprintf("a%d%s", j, randomID(2))
				el["action_id"] = aid
			}
			btn := Button{BlockID: bid, ActionID: aid}
			btn.Value, _ = el["value"].(string)
			btn.Style, _ = el["style"].(string)
			if t, ok := el["text"].(map[string]any); ok {
				btn.Text, _ = t["text"].(string)
			}
			buttons = append(buttons, btn)
		}
	}
	out, err := json.Marshal(blocks)
	if err != nil {
		return nil, nil, false
	}
	return out, buttons, true
}

func (s *state) recipientLocked(c *Channel) string {
	if c.IsIM {
		if u := s.users[c.User]; u != nil {
			return u.Email
		}
	}
	return ""
}

func (s *state) messageJSON(m *Message) map[string]any {
	out := map[string]any{"type": "message", "user": m.User, "text": m.Text, "ts": m.TS, "team": TeamID}
	if m.User == BotUserID {
		out["bot_id"] = BotID
		out["app_id"] = AppID
	}
	if len(m.Blocks) > 0 {
		out["blocks"] = m.Blocks
	}
	if m.Edited {
		out["edited"] = map[string]any{"user": m.User, "ts": m.TS}
	}
	return out
}

func (s *state) postMessage(w http.ResponseWriter, channel, text, blocks string) {
	if channel == "" {
		fail(w, "channel_not_found")
		return
	}
	bl, buttons, valid := prepareBlocks(blocks)
	if !valid {
		fail(w, "invalid_blocks")
		return
	}
	if text == "" && len(bl) == 0 {
		fail(w, "no_text")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveLocked(channel, true)
	if c == nil {
		fail(w, "channel_not_found")
		return
	}
	m := &Message{Channel: c.ID, TS: s.nextTSLocked(), User: BotUserID, Text: text, Blocks: bl, Buttons: buttons, Recipient: s.recipientLocked(c)}
	s.msgs = append(s.msgs, m)
	s.byTS[m.TS] = m
	ok(w, map[string]any{"channel": c.ID, "ts": m.TS, "message": s.messageJSON(m)})
}

func (s *state) update(w http.ResponseWriter, channel, ts, text, blocks string, hasBlocks bool) {
	bl, buttons, valid := prepareBlocks(blocks)
	if !valid {
		fail(w, "invalid_blocks")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.resolveLocked(channel, false)
	if c == nil {
		fail(w, "channel_not_found")
		return
	}
	m := s.byTS[ts]
	if m == nil || m.Channel != c.ID {
		fail(w, "message_not_found")
		return
	}
	if m.User != BotUserID {
		fail(w, "cant_update_message")
		return
	}
	if text == "" && !hasBlocks {
		fail(w, "no_text")
		return
	}
	m.Text = text
	if hasBlocks {
		m.Blocks, m.Buttons = bl, buttons
	}
	m.Edited = true
	ok(w, map[string]any{"channel": c.ID, "ts": m.TS, "text": m.Text, "message": s.messageJSON(m)})
}

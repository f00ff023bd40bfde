package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Modals as Slack runs them: a press's trigger_id lets the app open one
// view (views.open) within 3 seconds, once; the member fills it in and
// Slack posts a signed view_submission to the Request URL, whose answer
// closes the modal (an empty 200 or response_action "clear"), shows
// errors under its inputs ("errors"), or replaces it ("update", "push").

// triggerTTL is how long Slack honours a trigger_id.
const triggerTTL = 3 * time.Second

type trigger struct {
	user    string
	expires time.Time
	used    bool
}

// ViewInput is one input block of a modal.
type ViewInput struct {
	BlockID  string `json:"block_id"`
	ActionID string `json:"action_id"`
	Type     string `json:"type"` // plain_text_input, users_select, datepicker, ...
	Optional bool   `json:"optional,omitempty"`
}

// View is a modal as the emulator keeps it.
type View struct {
	ID              string          `json:"id"`
	User            string          `json:"user"` // the member it is open for
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata"`
	Title           string          `json:"title"`
	Blocks          json.RawMessage `json:"blocks"`
	Inputs          []ViewInput     `json:"inputs,omitempty"`
	Open            bool            `json:"open"`
	// Errors are the app's last response_action "errors", by block id.
	Errors map[string]string `json:"errors,omitempty"`
	Hash   string            `json:"hash"`

	raw map[string]any // the view as the app sent it
}

// newTriggerLocked issues a trigger_id for a callback of user.
func (s *state) newTriggerLocked(user string) string {
	now := time.Now()
	id := fmt.Sprintf("%d.%s.%s", now.UnixNano(), TeamID, randomID(8))
	for k, t := range s.triggers { // bound memory: expired triggers go
		if now.After(t.expires.Add(time.Minute)) {
			delete(s.triggers, k)
		}
	}
	s.triggers[id] = trigger{user: user, expires: now.Add(triggerTTL)}
	return id
}

// ExpireTriggers ages every trigger_id issued so far past Slack's 3
// seconds (tests of a slow app).
func (e *Emulator) ExpireTriggers() {
	e.st.mu.Lock()
	defer e.st.mu.Unlock()
	for k, t := range e.st.triggers {
		t.expires = time.Now().Add(-time.Second)
		e.st.triggers[k] = t
	}
}

// viewsOpen is views.open: a JSON body {trigger_id, view}.
func (s *state) viewsOpen(w http.ResponseWriter, r *http.Request) {
	var in struct {
		TriggerID string         `json:"trigger_id"`
		View      map[string]any `json:"view"`
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		// Slack takes the view as a form field too
		in.TriggerID = r.Form.Get("trigger_id")
		if v := r.Form.Get("view"); v != "" && json.Unmarshal([]byte(v), &in.View) != nil {
			fail(w, "invalid_arguments")
			return
		}
	} else if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		fail(w, "invalid_json")
		return
	}
	if in.TriggerID == "" || in.View == nil {
		fail(w, "invalid_arguments")
		return
	}
	v, code := parseView(in.View)
	if code != "" {
		fail(w, code)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, found := s.triggers[in.TriggerID]
	switch {
	case !found:
		fail(w, "invalid_trigger_id")
		return
	case t.used:
		fail(w, "exchanged_trigger_id")
		return
	case time.Now().After(t.expires):
		fail(w, "expired_trigger_id")
		return
	}
	t.used = true
	s.triggers[in.TriggerID] = t
	v.ID, v.User, v.Open, v.Hash = "V"+strings.ToUpper(randomID(5)), t.user, true, s.nextTSLocked() // increasing: Views sorts by it
	s.views[v.ID] = v
	ok(w, map[string]any{"view": s.viewJSONLocked(v, nil)})
}

// parseView checks a modal as Slack does (type, a title of at most 24
// characters, at most 100 blocks, unique input block ids, a submit button
// when it has inputs) and finds its inputs.
func parseView(raw map[string]any) (*View, string) {
	if raw["type"] != "modal" {
		return nil, "invalid_arguments"
	}
	title, _ := raw["title"].(map[string]any)
	text, _ := title["text"].(string)
	if text == "" || len([]rune(text)) > 24 {
		return nil, "invalid_arguments"
	}
	blocks, _ := raw["blocks"].([]any)
	if len(blocks) > 100 {
		return nil, "invalid_arguments"
	}
	v := &View{Title: text, raw: raw}
	v.CallbackID, _ = raw["callback_id"].(string)
	v.PrivateMetadata, _ = raw["private_metadata"].(string)
	if len(v.PrivateMetadata) > 3000 {
		return nil, "invalid_arguments"
	}
	seen := map[string]bool{}
	for i, b := range blocks {
		bm, ok := b.(map[string]any)
		if !ok {
			return nil, "invalid_blocks"
		}
		bid, _ := bm["block_id"].(string)
		if bid == "" {
			bid = fmt.Sprintf("b%d%s", i, randomID(2))
			bm["block_id"] = bid
		}
		if seen[bid] {
			return nil, "invalid_blocks"
		}
		seen[bid] = true
		if bm["type"] != "input" {
			continue
		}
		el, ok := bm["element"].(map[string]any)
		if !ok {
			return nil, "invalid_blocks"
		}
		typ, _ := el["type"].(string)
		aid, _ := el["action_id"].(string)
		if aid == "" {
			aid = "a" + randomID(2)
			el["action_id"] = aid
		}
		opt, _ := bm["optional"].(bool)
		v.Inputs = append(v.Inputs, ViewInput{BlockID: bid, ActionID: aid, Type: typ, Optional: opt})
	}
	if _, has := raw["submit"]; len(v.Inputs) > 0 && !has {
		return nil, "invalid_arguments"
	}
	b, err := json.Marshal(blocks)
	if err != nil {
		return nil, "invalid_blocks"
	}
	v.Blocks = b
	return v, ""
}

// viewJSONLocked is a view as Slack sends it (views.open's answer, a
// view_submission's view), with values as its state.
func (s *state) viewJSONLocked(v *View, values map[string]map[string]any) map[string]any {
	if values == nil {
		values = map[string]map[string]any{}
	}
	out := map[string]any{
		"id": v.ID, "team_id": TeamID, "type": "modal", "blocks": v.Blocks, "private_metadata": v.PrivateMetadata,
		"callback_id": v.CallbackID, "state": map[string]any{"values": values}, "hash": v.Hash,
		"title": v.raw["title"], "close": v.raw["close"], "submit": v.raw["submit"],
		"clear_on_close": false, "notify_on_close": false, "previous_view_id": nil, "root_view_id": v.ID,
		"app_id": AppID, "external_id": "", "app_installed_team_id": TeamID, "bot_id": BotID,
	}
	return out
}

// Views returns copies of the modals opened for the member with that
// email, oldest first.
func (e *Emulator) Views(email string) []View { return e.st.viewsOf(email) }

func (s *state) viewsOf(email string) []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.byEmail[strings.ToLower(email)]
	if u == nil {
		return nil
	}
	var out []View
	for _, v := range s.views {
		if v.User == u.ID {
			c := *v
			c.raw = nil
			out = append(out, c)
		}
	}
	sortViews(out)
	return out
}

func sortViews(vs []View) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && vs[j].Hash < vs[j-1].Hash; j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

// SubmitResult is what became of a submitted modal.
type SubmitResult struct {
	Status int               `json:"status"`           // the app's HTTP status
	Body   string            `json:"body"`             // the app's answer
	Open   bool              `json:"open"`             // still open (errors, or replaced by update/push)
	Errors map[string]string `json:"errors,omitempty"` // response_action errors, by block id
	Title  string            `json:"title,omitempty"`  // the view's title after the answer
	Blocks json.RawMessage   `json:"blocks,omitempty"` // the view's blocks after the answer
}

// Submit fills in the open modal viewID as its member and posts Slack's
// signed view_submission to the Request URL. values are by block id: a
// users_select takes a user id, a datepicker YYYY-MM-DD, a text input its
// text. A required input left empty is refused as Slack's client does,
// without a callback.
func (e *Emulator) Submit(ctx context.Context, viewID string, values map[string]string) (SubmitResult, error) {
	return e.st.submit(ctx, viewID, values)
}

func (s *state) submit(ctx context.Context, viewID string, values map[string]string) (SubmitResult, error) {
	requestURL, _ := s.urls()
	if requestURL == "" {
		return SubmitResult{}, ErrNoRequestURL
	}
	s.mu.Lock()
	v := s.views[viewID]
	if v == nil || !v.Open {
		s.mu.Unlock()
		return SubmitResult{}, fmt.Errorf("slackemu: no open view %q", viewID)
	}
	u := s.users[v.User]
	filled := map[string]map[string]any{}
	for _, in := range v.Inputs {
		val := values[in.BlockID]
		if val == "" && !in.Optional {
			s.mu.Unlock()
			return SubmitResult{}, fmt.Errorf("slackemu: input %q is required", in.BlockID)
		}
		entry := map[string]any{"type": in.Type}
		switch in.Type {
		case "users_select":
			entry["selected_user"] = nilIfEmpty(val)
		case "datepicker":
			entry["selected_date"] = nilIfEmpty(val)
		case "static_select":
			entry["selected_option"] = nil
			if val != "" {
				entry["selected_option"] = map[string]any{"value": val, "text": map[string]any{"type": "plain_text", "text": val}}
			}
		default:
			entry["value"] = nilIfEmpty(val)
		}
		filled[in.BlockID] = map[string]any{in.ActionID: entry}
	}
	payload := map[string]any{
		"type":                  "view_submission",
		"team":                  map[string]any{"id": TeamID, "domain": TeamDomain},
		"user":                  map[string]any{"id": u.ID, "username": u.Name, "name": u.Name, "team_id": TeamID},
		"api_app_id":            AppID,
		"token":                 "emulated-verification-token",
		"trigger_id":            s.newTriggerLocked(u.ID),
		"view":                  s.viewJSONLocked(v, filled),
		"response_urls":         []any{},
		"is_enterprise_install": false,
		"enterprise":            nil,
	}
	s.mu.Unlock()
	raw, err := json.Marshal(payload)
	if err != nil {
		return SubmitResult{}, err
	}
	status, body, err := s.postSigned(ctx, requestURL, url.Values{"payload": {string(raw)}})
	if err != nil {
		return SubmitResult{}, err
	}
	res := SubmitResult{Status: status, Body: body}
	var answer struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
		View           map[string]any    `json:"view"`
	}
	if strings.TrimSpace(body) != "" && json.Unmarshal([]byte(body), &answer) != nil {
		answer.ResponseAction = "invalid"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case status != http.StatusOK || answer.ResponseAction == "invalid":
		// Slack keeps the modal open and says it could not reach the app
		res.Open = true
	case answer.ResponseAction == "errors":
		v.Errors, res.Open, res.Errors = answer.Errors, true, answer.Errors
	case answer.ResponseAction == "update" || answer.ResponseAction == "push":
		nv, code := parseView(answer.View)
		if code != "" {
			res.Open = true
			v.Errors = map[string]string{"": code}
			break
		}
		v.Title, v.Blocks, v.Inputs, v.raw, v.Errors = nv.Title, nv.Blocks, nv.Inputs, nv.raw, nil
		res.Open = true
	default: // empty 200 or "clear"
		v.Open = false
	}
	res.Title, res.Blocks = v.Title, append(json.RawMessage(nil), v.Blocks...)
	return res, nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// CloseView closes a modal as its member's Cancel does (jml asks for no
// view_closed callback); it reports whether the view was open.
func (e *Emulator) CloseView(viewID string) bool { return e.st.closeView(viewID) }

func (s *state) closeView(viewID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.views[viewID]
	if v == nil || !v.Open {
		return false
	}
	v.Open = false
	return true
}

// submitRequest is the body of the admin routes POST /__admin/submit and
// /__admin/close (view_id only).
type submitRequest struct {
	ViewID string            `json:"view_id"`
	Values map[string]string `json:"values"`
}

func (s *state) serveSubmit(w http.ResponseWriter, r *http.Request, closeOnly bool) {
	var in submitRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, callbackResult{Error: "submit: " + err.Error()})
		return
	}
	if closeOnly {
		if !s.closeView(in.ViewID) {
			emulator.WriteJSON(w, http.StatusNotFound, callbackResult{Error: "no open view " + in.ViewID})
			return
		}
		emulator.WriteJSON(w, http.StatusOK, SubmitResult{Status: http.StatusOK})
		return
	}
	res, err := s.submit(r.Context(), in.ViewID, in.Values)
	if err != nil {
		emulator.WriteJSON(w, http.StatusBadGateway, callbackResult{Error: err.Error()})
		return
	}
	emulator.WriteJSON(w, http.StatusOK, res)
}

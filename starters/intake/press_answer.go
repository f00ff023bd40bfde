package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/integrations/slack"
)

// responseURLTimeout bounds the answer's post to Slack's response_url.
const responseURLTimeout = 10 * time.Second

// answerPress answers a button press. Slack ignores the body of a
// block_actions acknowledgement (only slash commands show it), so the
// answer goes to the press's response_url as an ephemeral message, which
// only the presser sees; the body still carries it for the logs and older
// callers. The post runs after the acknowledgement, which Slack wants
// within 3 s. The URL came in the signed payload, so it is Slack's.
func (s *Server) answerPress(w http.ResponseWriter, cb sl.InteractionCallback, text string) {
	ephemeral(w, text)
	u, err := url.Parse(cb.ResponseURL)
	if cb.ResponseURL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return
	}
	msg := &sl.WebhookMessage{Text: slack.Escape(text), ResponseType: sl.ResponseTypeEphemeral}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), responseURLTimeout)
		defer cancel()
		rt := &slackErrorWord{next: http.DefaultTransport}
		if err := sl.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, &http.Client{Timeout: responseURLTimeout, Transport: rt}, msg); err != nil {
			// The host only: the path of a response_url is its credential,
			// and the client's error quotes the URL. Not retried: a used
			// or expired URL (404 used_url / expired_url) stays so.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			s.opts.Logger.Warn().Str("host", u.Host).Str("reason", err.Error()).Str("slack_error", rt.word).
				Msg("Slack answer not delivered to response_url")
		}
	}()
}

// slackErrorWord keeps Slack's error word ("used_url", "expired_url") from
// a refused post, which slack-go discards with the body.
type slackErrorWord struct {
	next http.RoundTripper
	word string
}

func (t *slackErrorWord) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(raw))
	var body struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(raw, &body) != nil {
		body.Error = strings.TrimSpace(string(raw)) // Slack also answers in plain text
	}
	if len(body.Error) <= 40 && !strings.ContainsAny(body.Error, "/ <") {
		t.word = body.Error // a word, never a page or anything quoting the URL
	}
	return resp, nil
}

package intake

import (
	"context"
	"errors"
	"net/http"
	"net/url"
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
		if err := sl.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, &http.Client{Timeout: responseURLTimeout}, msg); err != nil {
			// The host only: the path of a response_url is its credential,
			// and the client's error quotes the URL.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			s.opts.Logger.Warn().Str("host", u.Host).Str("reason", err.Error()).Msg("Slack answer not delivered to response_url")
		}
	}()
}

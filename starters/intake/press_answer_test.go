package intake

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/slackemu"
	"github.com/jml-dev/jml/integrations/slack"
)

// pressRig is an intake behind the Slack emulator: the emulator presses
// buttons of messages jml's block builders made, signed, to the intake,
// and keeps what the intake posts back to each press's response_url.
type pressRig struct {
	emu *slackemu.Emulator
	api *sl.Client
	org demoorg.Org
}

func newPressRig(t *testing.T, o Options, wrap func(http.Handler) http.Handler) pressRig {
	t.Helper()
	o.SlackSigningSecret, o.Sink, o.HRSecret, o.Now = slackSecret, &recordingSink{}, secret, time.Now
	if o.Elevation == nil {
		o.Elevation = &fakeElevation{}
	}
	var h http.Handler = New(o).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	in := httptest.NewServer(h)
	t.Cleanup(in.Close)
	org := demoorg.New(20, 2)
	emu := emutest.Seeded(t, slackemu.New(slackemu.Config{BotToken: "xoxb-test-press", SigningSecret: slackSecret,
		RequestURL: in.URL + "/slack/interactivity"}), org)
	return pressRig{emu: emu, api: sl.New("xoxb-test-press", sl.OptionAPIURL(emu.URL()+"/api/")), org: org}
}

// dm posts blocks to the member's DM and returns the message ts.
func (p pressRig) dm(t *testing.T, email string, blocks []sl.Block) string {
	t.Helper()
	u, err := p.api.GetUserByEmail(email)
	require.NoError(t, err)
	ch, _, _, err := p.api.OpenConversation(&sl.OpenConversationParameters{Users: []string{u.ID}})
	require.NoError(t, err)
	_, ts, err := p.api.PostMessage(ch.ID, sl.MsgOptionText("jml", false), sl.MsgOptionBlocks(blocks...))
	require.NoError(t, err)
	return ts
}

// press presses as email and waits for the answer that only email sees in
// the conversation, returning it.
func (p pressRig) press(t *testing.T, ts, actionID, email, want string) {
	t.Helper()
	msg, ok := p.emu.Message(ts)
	require.True(t, ok)
	status, _, err := p.emu.Press(context.Background(), ts, actionID, email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	answers := func() []string {
		var out []string
		for _, m := range p.emu.Messages(msg.Channel) {
			if m.Ephemeral && m.VisibleTo == email {
				out = append(out, m.Text)
			}
		}
		return out
	}
	require.Eventually(t, func() bool { return slices.Contains(answers(), want) }, 10*time.Second, 20*time.Millisecond,
		"%s's press answered in Slack with %q; answers %q", email, want, answers())
}

// TestElevationPressAnsweredInSlack: the approver's Approve and a
// stranger's Deny reach the presser through response_url, and the
// stranger's attempt still reaches the workflow, which records it.
func TestElevationPressAnsweredInSlack(t *testing.T) {
	f := &fakeElevation{}
	p := newPressRig(t, Options{Elevation: f}, nil)
	approver, stranger := p.org.Employees[1], p.org.Employees[10]
	require.Equal(t, "E0002", approver.EmployeeID, "fakeElevation's approver")
	ts := p.dm(t, approver.Email, slack.ApprovalBlocks("Elevation request", nil, "req-9:approve", "req-9:deny"))

	p.press(t, ts, slack.ActionDeny, stranger.Email, "Refused your deny of request req-9: you are not its approver. Your attempt was recorded.")
	p.press(t, ts, slack.ActionApprove, approver.Email, "Recorded: approve of request req-9.")
	f.mu.Lock()
	assert.Equal(t, []string{"req-9:deny:" + stranger.EmployeeID, "req-9:approve:E0002"}, f.decisions)
	f.mu.Unlock()

	// A request that is no longer pending: refused, and said why.
	ts = p.dm(t, approver.Email, slack.ApprovalBlocks("Elevation request", nil, "decided:approve", "decided:deny"))
	p.press(t, ts, slack.ActionApprove, approver.Email, "Refused your approve of request decided: the request is no longer waiting for a decision.")
}

// TestAppTaskPressAnsweredInSlack: the owner's Done and a stranger's
// refused Done are answered in Slack; the refusal still reaches the task.
func TestAppTaskPressAnsweredInSlack(t *testing.T) {
	const task = "apptask/E0042/leaver/1/expensify"
	f := &fakeTasks{}
	p := newPressRig(t, Options{AppTasks: f}, nil)
	owner, stranger := p.org.Employees[3], p.org.Employees[10]
	require.Equal(t, "E0004", owner.EmployeeID, "fakeTasks' owner")
	blocks, err := slack.AppTaskBlocks("Remove E0042 from expensify", nil, task+":done")
	require.NoError(t, err)
	ts := p.dm(t, owner.Email, blocks)

	p.press(t, ts, slack.ActionAppTaskDone, stranger.Email,
		"Refused your Done on task "+task+": only the owner of expensify (or its fallback) may confirm. Your attempt was recorded.")
	p.press(t, ts, slack.ActionAppTaskDone, owner.Email, "Recorded: done, confirmed by E0004.")
	f.mu.Lock()
	assert.Equal(t, []string{task + ":" + stranger.EmployeeID + ":U" + stranger.EmployeeID, task + ":E0004:UE0004"}, f.calls)
	f.mu.Unlock()

	blocks, err = slack.AppTaskBlocks("gone", nil, "apptask/gone:done")
	require.NoError(t, err)
	ts = p.dm(t, owner.Email, blocks)
	p.press(t, ts, slack.ActionAppTaskDone, owner.Email, "Refused your Done on task apptask/gone: the task is no longer open.")
}

// syncBuffer is a log sink the answer's goroutine may write to.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestPressAnswerOnUsedURL: a response_url Slack no longer takes (five
// posts already: 404 used_url) loses the answer but not the press: the
// decision is recorded, the press acknowledged, and the log says why with
// the host only, never the URL's path (its credential).
func TestPressAnswerOnUsedURL(t *testing.T) {
	logs := &syncBuffer{}
	f := &fakeElevation{}
	var hook string
	useUp := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			form, _ := url.ParseQuery(string(body))
			var cb struct {
				ResponseURL string `json:"response_url"`
			}
			_ = json.Unmarshal([]byte(form.Get("payload")), &cb)
			hook = cb.ResponseURL
			for range 5 {
				if err := sl.PostWebhook(cb.ResponseURL, &sl.WebhookMessage{Text: "earlier", ResponseType: sl.ResponseTypeEphemeral}); err != nil {
					http.Error(w, err.Error(), http.StatusInternalServerError)
					return
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	p := newPressRig(t, Options{Elevation: f, Logger: zerolog.New(logs)}, useUp)
	approver := p.org.Employees[1]
	ts := p.dm(t, approver.Email, slack.ApprovalBlocks("Elevation request", nil, "req-9:approve", "req-9:deny"))
	status, body, err := p.emu.Press(context.Background(), ts, slack.ActionApprove, approver.Email)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, body)
	require.Eventually(t, func() bool { return strings.Contains(logs.String(), "used_url") }, 10*time.Second, 20*time.Millisecond,
		"the lost answer is logged with Slack's word; logs %s", logs.String())
	u, err := url.Parse(hook)
	require.NoError(t, err)
	assert.Contains(t, logs.String(), `"host":"`+u.Host+`"`)
	assert.NotContains(t, logs.String(), u.Path, "never the response_url's path")
	f.mu.Lock()
	assert.Equal(t, []string{"req-9:approve:E0002"}, f.decisions, "the decision is recorded all the same")
	f.mu.Unlock()
	for _, m := range p.emu.Messages(approver.Email) {
		assert.NotContains(t, m.Text, "Recorded", "no sixth post got through")
	}
}

package slackemu_test

import (
	"context"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// TestUIPressApprove drives the jml dev page in headless Chromium: it opens
// the approver's DM, clicks Approve, and checks that the intake received a
// correctly signed block_actions callback carrying the button's value.
func TestUIPressApprove(t *testing.T) {
	in := &intake{secret: secret}
	got := make(chan slack.InteractionCallback, 4)
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		got <- cb
		w.WriteHeader(http.StatusOK)
	}
	e, api := start(t, in, secret)
	approver := demoorg.New(20, 2).Employees[6]
	_, ts, err := api.PostMessage(mustDM(t, api, approver.Email),
		slack.MsgOptionText("Elevation request", false), approvalBlocks("opaque-ui-7"))
	require.NoError(t, err)
	_, _, err = api.PostMessage("#security-alerts", slack.MsgOptionText("standing admin: E0007", false))
	require.NoError(t, err)

	ctx := emutest.Browser(t, 90*time.Second)

	var section, presser, convs, status string
	approve := chromedp.CSS(`button[data-action-id="approve"][data-ts="` + ts + `"]`)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.URL()+"/#"+approver.Email),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		into(&convs, chromedp.Text(chromedp.CSS(`#convs`))),
		chromedp.WaitVisible(approve),
		into(&section, chromedp.Text(chromedp.CSS(`.msg .sec`))),
		into(&presser, chromedp.Value(chromedp.CSS(`input.as[data-ts="`+ts+`"]`))),
		chromedp.Click(approve),
		chromedp.WaitVisible(`//div[@id="status"][contains(., "HTTP 200")]`),
		into(&status, chromedp.Text(chromedp.CSS(`#status`))),
	)
	require.NoError(t, err, "driving the page in Chromium")
	assert.Contains(t, convs, "#security-alerts")
	assert.Contains(t, convs, approver.GivenName+" "+approver.FamilyName, "the DM is listed")
	assert.Contains(t, section, "Elevation request")
	assert.Equal(t, approver.Email, presser, "the page presses as the message's recipient by default")
	assert.True(t, strings.Contains(status, "approve"), status)

	select {
	case cb := <-got:
		assert.Equal(t, slack.InteractionTypeBlockActions, cb.Type)
		assert.Equal(t, "U"+approver.EmployeeID, cb.User.ID)
		require.Len(t, cb.ActionCallback.BlockActions, 1)
		assert.Equal(t, "approve", cb.ActionCallback.BlockActions[0].ActionID)
		assert.Equal(t, "opaque-ui-7:approve", cb.ActionCallback.BlockActions[0].Value)
		assert.Equal(t, ts, cb.Container.MessageTs)
	default:
		t.Fatal("the intake recorded no verified callback although the page reported HTTP 200")
	}
}

// into runs a valued action and stores its value.
func into[T any](dst *T, a chromedp.Action[T]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		v, err := a(ctx, t)
		*dst = v
		return chromedp.Void{}, err
	}
}

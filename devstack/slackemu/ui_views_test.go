package slackemu_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

// TestUIModal drives the jml dev page in headless Chromium: a press whose
// app opens a modal shows it; its inputs filled and submitted reach the
// app as a signed view_submission with those values.
func TestUIModal(t *testing.T) {
	in := &intake{secret: secret}
	var api *slack.Client
	subs := make(chan slack.InteractionCallback, 2)
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		if cb.Type == slack.InteractionTypeBlockActions {
			_, _ = api.OpenView(cb.TriggerID, keepModal())
		} else {
			subs <- cb
		}
		w.WriteHeader(http.StatusOK)
	}
	e, c := start(t, in, secret)
	api = c
	org := demoorg.New(20, 2)
	owner, sponsor := org.Employees[6], org.Employees[1]
	_, ts, err := api.PostMessage(mustDM(t, api, owner.Email), slack.MsgOptionText("Orphan account", false), approvalBlocks("wf-ui"))
	require.NoError(t, err)

	ctx := emutest.Browser(t, 90*time.Second)
	var title string
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.URL()+"/#"+owner.Email),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.Click(chromedp.CSS(`button[data-action-id="approve"][data-ts="`+ts+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#modal select`)),
		into(&title, chromedp.Text(chromedp.CSS(`#modal .hdr`))),
		chromedp.SetValue(chromedp.CSS(`#modal select`), "U"+sponsor.EmployeeID),
		chromedp.SetValue(chromedp.CSS(`#modal input[type="date"]`), "2027-01-15"),
		chromedp.Click(chromedp.CSS(`#modal button.primary`)),
		chromedp.WaitVisible(`//div[@id="status"][contains(., "submitted")]`),
	)
	require.NoError(t, err, "driving the page in Chromium")
	assert.Equal(t, "Keep account", title)
	select {
	case cb := <-subs:
		assert.Equal(t, slack.InteractionTypeViewSubmission, cb.Type)
		assert.Equal(t, "U"+owner.EmployeeID, cb.User.ID)
		assert.Equal(t, "U"+sponsor.EmployeeID, cb.View.State.Values["sponsor"]["sponsor"].SelectedUser)
		assert.Equal(t, "2027-01-15", cb.View.State.Values["expires"]["expires"].SelectedDate)
	default:
		t.Fatal("no view_submission reached the app although the page said submitted")
	}
}

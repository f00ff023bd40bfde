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
	jslack "github.com/jml-dev/jml/integrations/slack"
)

// TestUIPressAppTaskDone: an app owner's task DM, built by jml's own block
// builder, shows its Done button on the jml dev page, and clicking it
// sends the intake a signed block_actions callback with the task id.
func TestUIPressAppTaskDone(t *testing.T) {
	in := &intake{secret: secret}
	got := make(chan slack.InteractionCallback, 4)
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		got <- cb
		w.WriteHeader(http.StatusOK)
	}
	e, api := start(t, in, secret)
	owner := demoorg.New(20, 2).Employees[3]
	const taskID = "apptask/E0012/leaver/2/expensify"
	blocks, err := jslack.AppTaskBlocks("jml: please remove someone from expensify, then press Done", []jslack.Field{{Label: "Task", Value: taskID}}, taskID+":done")
	require.NoError(t, err)
	_, ts, err := api.PostMessage(mustDM(t, api, owner.Email), slack.MsgOptionText("owner task", false), slack.MsgOptionBlocks(blocks...))
	require.NoError(t, err)

	ctx := emutest.Browser(t, 90*time.Second)
	var section, label string
	done := chromedp.CSS(`button[data-action-id="` + jslack.ActionAppTaskDone + `"][data-ts="` + ts + `"]`)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.URL()+"/#"+owner.Email),
		chromedp.WaitVisible(chromedp.CSS(`body[data-ready="1"]`)),
		chromedp.WaitVisible(done),
		into(&section, chromedp.Text(chromedp.CSS(`.msg .sec`))),
		into(&label, chromedp.Text(done)),
		chromedp.Click(done),
		chromedp.WaitVisible(`//div[@id="status"][contains(., "HTTP 200")]`),
	)
	require.NoError(t, err, "driving the page in Chromium")
	assert.Contains(t, section, "remove someone from expensify")
	assert.Equal(t, "Done", label)
	select {
	case cb := <-got:
		require.Len(t, cb.ActionCallback.BlockActions, 1)
		assert.Equal(t, jslack.ActionAppTaskDone, cb.ActionCallback.BlockActions[0].ActionID)
		assert.Equal(t, taskID+":done", cb.ActionCallback.BlockActions[0].Value)
		assert.Equal(t, "U"+owner.EmployeeID, cb.User.ID)
	default:
		t.Fatal("the intake recorded no verified callback although the page reported HTTP 200")
	}
}

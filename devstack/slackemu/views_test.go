package slackemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/slackemu"
)

func keepModal() slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	reason := slack.NewInputBlock("reason", plain("Reason"), nil, slack.NewPlainTextInputBlockElement(plain("why"), "reason"))
	reason.Optional = true
	return slack.ModalViewRequest{Type: slack.VTModal, Title: plain("Keep account"), Submit: plain("Keep"), CallbackID: "cb-keep", PrivateMetadata: "wf-1",
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock("sponsor", plain("Sponsor"), nil, slack.NewOptionsSelectBlockElement(slack.OptTypeUser, plain("pick"), "sponsor")),
			slack.NewInputBlock("expires", plain("Until"), nil, slack.NewDatePickerBlockElement("expires")),
			reason,
		}}}
}

// A press's trigger_id opens one modal (views.open through slack-go),
// once; the submission reaches the app signed, in Slack's view_submission
// shape; the app's errors keep the modal open, its update replaces it, an
// empty answer closes it.
func TestViewsOpenAndSubmit(t *testing.T) {
	in := &intake{secret: secret}
	var api *slack.Client
	var openErr, reopenErr error
	answers := []any{
		map[string]any{"response_action": "errors", "errors": map[string]string{"expires": "too far"}},
		slack.NewUpdateViewSubmissionResponse(&slack.ModalViewRequest{Type: slack.VTModal, Title: slack.NewTextBlockObject(slack.PlainTextType, "Kept", false, false),
			Blocks: slack.Blocks{BlockSet: []slack.Block{slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "Recorded", false, false), nil, nil)}}}),
	}
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		switch cb.Type {
		case slack.InteractionTypeBlockActions:
			_, openErr = api.OpenView(cb.TriggerID, keepModal())
			_, reopenErr = api.OpenView(cb.TriggerID, keepModal())
			w.WriteHeader(http.StatusOK)
		case slack.InteractionTypeViewSubmission:
			if len(answers) == 0 {
				w.WriteHeader(http.StatusOK)
				return
			}
			emulator.WriteJSON(w, http.StatusOK, answers[0])
			answers = answers[1:]
		}
	}
	e, c := start(t, in, secret)
	api = c
	ctx := context.Background()
	emp := demoorg.New(20, 2).Employees[2]
	_, ts, err := api.PostMessageContext(ctx, mustDM(t, api, emp.Email), slack.MsgOptionText("Keep?", false), approvalBlocks("wf-1"))
	require.NoError(t, err)

	status, _, err := e.Press(ctx, ts, "approve", "")
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status)
	require.NoError(t, openErr)
	require.Error(t, reopenErr, "a trigger_id opens one view")
	assert.Contains(t, reopenErr.Error(), "exchanged_trigger_id")

	views := e.Views(emp.Email)
	require.Len(t, views, 1)
	v := views[0]
	assert.True(t, v.Open)
	assert.Equal(t, "cb-keep", v.CallbackID)
	assert.Equal(t, "wf-1", v.PrivateMetadata)
	assert.Len(t, v.Inputs, 3)

	_, err = e.Submit(ctx, v.ID, map[string]string{"sponsor": "U0001"})
	require.Error(t, err, "a required input left empty is not submitted")
	assert.Len(t, in.callbacks(), 1, "nothing reached the app")

	res, err := e.Submit(ctx, v.ID, map[string]string{"sponsor": "UE0001", "expires": "2027-01-15"})
	require.NoError(t, err)
	assert.True(t, res.Open)
	assert.Equal(t, map[string]string{"expires": "too far"}, res.Errors)
	cbs := in.callbacks()
	require.Len(t, cbs, 2)
	sub := cbs[1]
	assert.Equal(t, slack.InteractionTypeViewSubmission, sub.Type)
	assert.Equal(t, "U"+emp.EmployeeID, sub.User.ID)
	assert.Equal(t, v.ID, sub.View.ID)
	assert.Equal(t, "cb-keep", sub.View.CallbackID)
	assert.Equal(t, "wf-1", sub.View.PrivateMetadata)
	require.NotNil(t, sub.View.State)
	assert.Equal(t, "UE0001", sub.View.State.Values["sponsor"]["sponsor"].SelectedUser)
	assert.Equal(t, "2027-01-15", sub.View.State.Values["expires"]["expires"].SelectedDate)
	assert.Equal(t, "", sub.View.State.Values["reason"]["reason"].Value, "an optional input left empty")

	res, err = e.Submit(ctx, v.ID, map[string]string{"sponsor": "UE0001", "expires": "2027-01-01", "reason": "audit"})
	require.NoError(t, err)
	assert.True(t, res.Open, "replaced by the update")
	assert.Equal(t, "Kept", res.Title)
	assert.Contains(t, string(res.Blocks), "Recorded")

	res, err = e.Submit(ctx, v.ID, nil) // the result view has no inputs: an empty 200 closes it
	require.NoError(t, err)
	assert.False(t, res.Open)
	_, err = e.Submit(ctx, v.ID, nil)
	require.Error(t, err, "a closed view is not submitted")
}

// views.open refuses what Slack refuses: an unknown or stale trigger, a
// title over 24 characters, a view with inputs and no submit, an expired
// trigger.
func TestViewsOpenRefusals(t *testing.T) {
	in := &intake{secret: secret}
	triggers := make(chan string, 1)
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		triggers <- cb.TriggerID
		w.WriteHeader(http.StatusOK)
	}
	e, api := start(t, in, secret)
	ctx := context.Background()
	_, err := api.OpenViewContext(ctx, "1.T.nope", keepModal())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid_trigger_id")

	emp := demoorg.New(20, 2).Employees[3]
	_, ts, err := api.PostMessageContext(ctx, mustDM(t, api, emp.Email), slack.MsgOptionText("Keep?", false), approvalBlocks("wf-2"))
	require.NoError(t, err)
	_, _, err = e.Press(ctx, ts, "approve", "")
	require.NoError(t, err)
	trig := <-triggers
	long := keepModal()
	long.Title = slack.NewTextBlockObject(slack.PlainTextType, "A title longer than twenty-four", false, false)
	_, err = api.OpenViewContext(ctx, trig, long)
	assert.Error(t, err)
	noSubmit := keepModal()
	noSubmit.Submit = nil
	_, err = api.OpenViewContext(ctx, trig, noSubmit)
	assert.Error(t, err)
	e.ExpireTriggers() // as 3 seconds later
	_, err = api.OpenViewContext(ctx, trig, keepModal())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "expired_trigger_id")
	b, _ := json.Marshal(e.Views(emp.Email))
	assert.Equal(t, "null", string(b), "nothing opened")
}

// The admin routes: GET /__admin/state lists the views, POST
// /__admin/submit submits one as its member.
func TestAdminSubmit(t *testing.T) {
	in := &intake{secret: secret}
	var api *slack.Client
	in.reply = func(w http.ResponseWriter, cb slack.InteractionCallback) {
		if cb.Type == slack.InteractionTypeBlockActions {
			_, _ = api.OpenView(cb.TriggerID, keepModal())
		}
		w.WriteHeader(http.StatusOK)
	}
	e, c := start(t, in, secret)
	api = c
	ctx := context.Background()
	emp := demoorg.New(20, 2).Employees[5]
	_, ts, err := api.PostMessageContext(ctx, mustDM(t, api, emp.Email), slack.MsgOptionText("Keep?", false), approvalBlocks("wf-3"))
	require.NoError(t, err)
	_, _, err = e.Press(ctx, ts, "approve", "")
	require.NoError(t, err)

	resp, err := http.Get(e.URL() + "/__admin/state")
	require.NoError(t, err)
	var st struct {
		Views []struct {
			ID   string `json:"id"`
			Open bool   `json:"open"`
		} `json:"views"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	require.Len(t, st.Views, 1)
	assert.True(t, st.Views[0].Open)

	body, _ := json.Marshal(map[string]any{"view_id": st.Views[0].ID, "values": map[string]string{"sponsor": "UE0001", "expires": "2027-01-15"}})
	resp, err = http.Post(e.URL()+"/__admin/submit", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	var res slackemu.SubmitResult
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, res.Status)
	assert.False(t, res.Open, "an empty 200 closes it")
	cbs := in.callbacks()
	require.Len(t, cbs, 2)
	assert.Equal(t, "2027-01-15", cbs[1].View.State.Values["expires"]["expires"].SelectedDate)
}

package slack

import (
	"encoding/json"
	"net/url"
	"testing"
	"time"

	sl "github.com/slack-go/slack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A view_submission as Slack posts it (trimmed of the blocks), parsed the
// way the intake does.
const keepSubmission = `{"type":"view_submission","team":{"id":"T1","domain":"demo"},"user":{"id":"U1","username":"ann","name":"ann","team_id":"T1"},
"api_app_id":"A1","token":"t","trigger_id":"1.T1.x","view":{"id":"V1","team_id":"T1","type":"modal","blocks":[],
"private_metadata":"sweep/orphan/ab12","callback_id":"sweep-keep","state":{"values":{
"sponsor":{"sponsor":{"type":"users_select","selected_user":"U7"}},
"expires":{"expires":{"type":"datepicker","selected_date":"2027-01-15"}},
"reason":{"reason":{"type":"plain_text_input","value":"  vendor audit  "}}}},
"hash":"1.x","title":{"type":"plain_text","text":"Keep account"},"root_view_id":"V1","app_id":"A1","bot_id":"B1"},
"response_urls":[],"is_enterprise_install":false,"enterprise":null}`

func parseView(t *testing.T, payload string) sl.View {
	t.Helper()
	cb, err := ParseInteraction([]byte(url.Values{"payload": {payload}}.Encode()))
	require.NoError(t, err)
	require.Equal(t, sl.InteractionTypeViewSubmission, cb.Type)
	return cb.View
}

func TestParseKeepForm(t *testing.T) {
	v := parseView(t, keepSubmission)
	assert.Equal(t, "sweep/orphan/ab12", v.PrivateMetadata)
	f, errs := ParseKeepForm(v)
	assert.Empty(t, errs)
	assert.Equal(t, KeepForm{SponsorSlackID: "U7", Expires: time.Date(2027, 1, 15, 0, 0, 0, 0, time.UTC), Reason: "vendor audit"}, f)

	var raw map[string]any
	require.NoError(t, json.Unmarshal([]byte(keepSubmission), &raw))
	values := raw["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)
	values["sponsor"].(map[string]any)["sponsor"].(map[string]any)["selected_user"] = nil
	values["expires"].(map[string]any)["expires"].(map[string]any)["selected_date"] = "15/01/2027"
	b, _ := json.Marshal(raw)
	_, errs = ParseKeepForm(parseView(t, string(b)))
	assert.Equal(t, map[string]string{"sponsor": "Pick the sponsor.", "expires": "Pick the date the keep ends."}, errs)

	_, errs = ParseKeepForm(sl.View{}) // no state at all
	assert.Len(t, errs, 2)
}

func TestParseAckForm(t *testing.T) {
	ack := func(reason string) sl.View {
		return sl.View{State: &sl.ViewState{Values: map[string]map[string]sl.BlockAction{"reason": {"reason": {Value: reason}}}}}
	}
	r, errs := ParseAckForm(ack(" BI export, owned by IT "))
	assert.Empty(t, errs)
	assert.Equal(t, "BI export, owned by IT", r)
	_, errs = ParseAckForm(ack("ok"))
	assert.Contains(t, errs, "reason")
	_, errs = ParseAckForm(ack(string(make([]byte, 501))))
	assert.Contains(t, errs, "reason")
}

func TestSweepBlocksAndModals(t *testing.T) {
	_, err := SweepBlocks("t", nil, []SweepButton{{ActionID: "sweep-keep", Value: "ann@example.com|keep", Label: "Keep…"}})
	assert.Error(t, err, "a value carrying an email is refused")
	bs, err := SweepBlocks("t", []Field{{Label: "Account", Value: "<!here>"}}, []SweepButton{{ActionID: "sweep-keep", Value: "sweep/orphan/ab|keep", Label: "Keep…"}, {ActionID: "sweep-disable", Value: "sweep/orphan/ab|disable", Label: "Disable now", Danger: true}})
	require.NoError(t, err)
	b, _ := json.Marshal(bs)
	assert.Contains(t, string(b), `"action_id":"sweep-disable"`)
	assert.Contains(t, string(b), `"style":"danger"`)
	assert.NotContains(t, string(b), "<!here>", "fields are escaped")

	m := KeepModal("sweep-keep", "sweep/orphan/ab", time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC))
	assert.True(t, sl.ValidateUniqueBlockID(m))
	assert.LessOrEqual(t, len(m.Title.Text), 24, "Slack's title limit")
	b, _ = json.Marshal(m)
	for _, want := range []string{`"type":"users_select"`, `"initial_date":"2027-01-01"`, "At the latest 2027-03-01", `"private_metadata":"sweep/orphan/ab"`} {
		assert.Contains(t, string(b), want)
	}
	assert.LessOrEqual(t, len(AckModal("sweep-acknowledge", "x").Title.Text), 24)
}

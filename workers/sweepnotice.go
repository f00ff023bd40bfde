package workers

import (
	"context"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/slack"
)

// PostSweepNotice DMs a member (email) or posts to a channel a sweep notice
// with its buttons.
func (n Notifier) PostSweepNotice(ctx context.Context, email, channel, title string, fields []contract.MessageField, buttons []activities.NoticeButton) (string, string, error) {
	bs := make([]slack.SweepButton, len(buttons))
	for i, b := range buttons {
		bs[i] = slack.SweepButton{ActionID: b.ActionID, Value: b.Value, Label: b.Label, Danger: b.Danger}
	}
	blocks, err := slack.SweepBlocks(title, slackFields(fields), bs)
	if err != nil {
		return "", "", err
	}
	if email != "" {
		return n.Slack.DM(ctx, email, title, blocks)
	}
	return n.Slack.Post(ctx, channel, title, blocks)
}

// UpdateSweepNotice rewrites a decided notice: the outcome, no buttons.
func (n Notifier) UpdateSweepNotice(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error {
	return n.Slack.Update(ctx, channel, ts, title+": "+outcome, slack.DecisionBlocks(title, slackFields(fields), outcome))
}

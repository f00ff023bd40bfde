package workers

import (
	"context"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/slack"
)

// PostTask DMs an app owner their task with a Done button.
func (n Notifier) PostTask(ctx context.Context, ownerEmail, title string, fields []contract.MessageField, doneValue string) (string, string, error) {
	return n.Slack.AppTaskMessage(ctx, ownerEmail, title, slackFields(fields), doneValue)
}

// UpdateTask rewrites a done task: the outcome, no button.
func (n Notifier) UpdateTask(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error {
	return n.Slack.Update(ctx, channel, ts, title+": "+outcome, slack.DecisionBlocks(title, slackFields(fields), outcome))
}

package workers

import (
	"context"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/integrations/slack"
)

// PostReview DMs an access review with Keep, Remove and Keep all.
func (n Notifier) PostReview(ctx context.Context, email string, m activities.ReviewDM) (string, string, error) {
	blocks, err := slack.ReviewBlocks(m.Title, slackFields(m.Fields), reviewLines(m.Lines), m.KeepAllValue)
	if err != nil {
		return "", "", err
	}
	return n.Slack.DM(ctx, email, m.Title, blocks)
}

// UpdateReview rewrites a review DM with the decisions so far.
func (n Notifier) UpdateReview(ctx context.Context, channel, ts string, m activities.ReviewDM) error {
	blocks, err := slack.ReviewBlocks(m.Title, slackFields(m.Fields), reviewLines(m.Lines), m.KeepAllValue)
	if err != nil {
		return err
	}
	return n.Slack.Update(ctx, channel, ts, m.Title, blocks)
}

func reviewLines(ls []activities.ReviewDMLine) []slack.ReviewLine {
	out := make([]slack.ReviewLine, len(ls))
	for i, l := range ls {
		out[i] = slack.ReviewLine{Key: l.Key, Text: l.Text, Status: l.Status, KeepValue: l.KeepValue, RemoveValue: l.RemoveValue}
	}
	return out
}

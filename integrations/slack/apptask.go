package slack

import (
	"context"

	sl "github.com/slack-go/slack"
)

// Action id and block of an app owner's task message (a manual app's
// account to remove or create by hand).
const (
	ActionAppTaskDone = "apptask-done"
	AppTaskBlockID    = "jml-apptask"
)

// AppTaskBlocks is the Block Kit body of an owner task: the title, the
// fields, and one Done button.
func AppTaskBlocks(title string, fields []Field, doneValue string) ([]sl.Block, error) {
	if err := checkValue(doneValue); err != nil {
		return nil, err
	}
	done := sl.NewButtonBlockElement(ActionAppTaskDone, doneValue, sl.NewTextBlockObject(sl.PlainTextType, "Done", false, false)).WithStyle(sl.StylePrimary)
	return append(infoBlocks(title, fields), sl.NewActionBlock(AppTaskBlockID, done)), nil
}

// AppTaskMessage DMs the owner their task and returns where it landed.
func (c *Client) AppTaskMessage(ctx context.Context, ownerEmail, title string, fields []Field, doneValue string) (channel, ts string, err error) {
	blocks, err := AppTaskBlocks(title, fields, doneValue)
	if err != nil {
		return "", "", err
	}
	return c.DM(ctx, ownerEmail, title, blocks)
}

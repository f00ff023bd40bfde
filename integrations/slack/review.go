package slack

import (
	"fmt"

	sl "github.com/slack-go/slack"
)

// ReviewLine is one item of an access-review DM: its text and, while it is
// undecided, the values of its Keep and Remove buttons (action ids
// "review-keep-<key>" and "review-remove-<key>", unique in the message).
type ReviewLine struct {
	Key         int
	Text        string
	Status      string // the decision or outcome so far; "" = undecided
	KeepValue   string
	RemoveValue string
}

// Action ids of a review DM.
const (
	ActionReviewKeepAll = "review-keep-all"
	reviewBlockID       = "jml_review"
)

// ReviewActionID is the action id of one item's button ("review-keep-3").
func ReviewActionID(decision string, key int) string {
	return fmt.Sprintf("review-%s-%d", decision, key)
}

// maxReviewButtons bounds the items with their own buttons (Slack allows 50
// blocks a message); the rest are listed, and Keep all covers them.
const maxReviewButtons = 20

// ReviewBlocks is the Block Kit body of an access-review DM: the title and
// fields, one section per item with Keep and Remove while undecided, and
// Keep all while anything is undecided (keepAllValue non-empty).
func ReviewBlocks(title string, fields []Field, lines []ReviewLine, keepAllValue string) ([]sl.Block, error) {
	blocks := infoBlocks(title, fields)
	buttons := 0
	for _, l := range lines {
		text := "• " + Escape(l.Text)
		if l.Status != "" {
			text += "  _" + Escape(l.Status) + "_"
		}
		blocks = append(blocks, sl.NewSectionBlock(sl.NewTextBlockObject(sl.MarkdownType, text, false, false), nil, nil))
		if l.Status != "" || buttons >= maxReviewButtons {
			continue
		}
		for _, v := range []string{l.KeepValue, l.RemoveValue} {
			if err := checkValue(v); err != nil {
				return nil, err
			}
		}
		buttons++
		keep := sl.NewButtonBlockElement(ReviewActionID("keep", l.Key), l.KeepValue, sl.NewTextBlockObject(sl.PlainTextType, "Keep", false, false)).WithStyle(sl.StylePrimary)
		remove := sl.NewButtonBlockElement(ReviewActionID("remove", l.Key), l.RemoveValue, sl.NewTextBlockObject(sl.PlainTextType, "Remove", false, false)).WithStyle(sl.StyleDanger)
		blocks = append(blocks, sl.NewActionBlock(fmt.Sprintf("%s_%d", reviewBlockID, l.Key), keep, remove))
	}
	if keepAllValue != "" {
		if err := checkValue(keepAllValue); err != nil {
			return nil, err
		}
		all := sl.NewButtonBlockElement(ActionReviewKeepAll, keepAllValue, sl.NewTextBlockObject(sl.PlainTextType, "Keep all", false, false)).WithStyle(sl.StylePrimary)
		blocks = append(blocks, sl.NewActionBlock(reviewBlockID+"_all", all))
	}
	return blocks, nil
}

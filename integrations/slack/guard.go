package slack

import sl "github.com/slack-go/slack"

// Action ids of a held-terminations message (jml's mass-termination guard).
const (
	ActionGuardApprove = "guard-approve"
	ActionGuardReject  = "guard-reject"
	GuardBlockID       = "jml-guard"
)

// GuardBlocks is the Block Kit body of a hold: the title, the fields, and
// Approve and Reject buttons.
func GuardBlocks(title string, fields []Field, approveValue, rejectValue string) ([]sl.Block, error) {
	for _, v := range []string{approveValue, rejectValue} {
		if err := checkValue(v); err != nil {
			return nil, err
		}
	}
	blocks := infoBlocks(title, fields)
	approve := sl.NewButtonBlockElement(ActionGuardApprove, approveValue, sl.NewTextBlockObject(sl.PlainTextType, "Approve", false, false)).WithStyle(sl.StylePrimary)
	reject := sl.NewButtonBlockElement(ActionGuardReject, rejectValue, sl.NewTextBlockObject(sl.PlainTextType, "Reject", false, false)).WithStyle(sl.StyleDanger)
	return append(blocks, sl.NewActionBlock(GuardBlockID, approve, reject)), nil
}

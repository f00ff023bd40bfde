package slack

import (
	"context"
	"strings"
	"time"

	sl "github.com/slack-go/slack"

	"github.com/jml-dev/jml/integrations/directory"
)

// SweepBlockID is the block of a sweep notice's buttons.
const SweepBlockID = "jml-sweep"

// SweepButton is one button of a privilege-sweep notice.
type SweepButton struct {
	ActionID, Value, Label string
	Danger                 bool
}

// SweepBlocks is the Block Kit body of a sweep notice (an orphan account,
// an unknown admin): the title, the fields and its buttons.
func SweepBlocks(title string, fields []Field, buttons []SweepButton) ([]sl.Block, error) {
	blocks := infoBlocks(title, fields)
	if len(buttons) == 0 {
		return blocks, nil
	}
	var els []sl.BlockElement
	for _, b := range buttons {
		if err := checkValue(b.Value); err != nil {
			return nil, err
		}
		btn := sl.NewButtonBlockElement(b.ActionID, b.Value, sl.NewTextBlockObject(sl.PlainTextType, b.Label, false, false))
		if b.Danger {
			btn = btn.WithStyle(sl.StyleDanger)
		} else {
			btn = btn.WithStyle(sl.StylePrimary)
		}
		els = append(els, btn)
	}
	return append(blocks, sl.NewActionBlock(SweepBlockID, els...)), nil
}

func plain(s string) *sl.TextBlockObject {
	return sl.NewTextBlockObject(sl.PlainTextType, s, false, false)
}

// KeepModal is the form behind an orphan's "Keep…": the sponsor (a Slack
// member, whom jml resolves to the employee HR holds), the expiry date
// (initial within the policy's longest keep) and an optional reason.
// privateMetadata names the workflow; Slack echoes it on submission.
func KeepModal(callbackID, privateMetadata string, initial, latest time.Time) sl.ModalViewRequest {
	sponsor := sl.NewInputBlock("sponsor", plain("Sponsor"), plain("The employee who answers for this account until the expiry."),
		sl.NewOptionsSelectBlockElement(sl.OptTypeUser, plain("Pick a person"), "sponsor"))
	date := sl.NewDatePickerBlockElement("expires")
	date.InitialDate = initial.UTC().Format("2006-01-02")
	hint := "The account is disabled on this date unless kept again."
	if !latest.IsZero() {
		hint += " At the latest " + latest.UTC().Format("2006-01-02") + "."
	}
	expires := sl.NewInputBlock("expires", plain("Keep until"), plain(hint), date)
	reason := sl.NewInputBlock("reason", plain("Reason"), nil, sl.NewPlainTextInputBlockElement(plain("Why it must stay"), "reason"))
	reason.Optional = true
	return sl.ModalViewRequest{Type: sl.VTModal, Title: plain("Keep account"), Submit: plain("Keep"), Close: plain("Cancel"),
		CallbackID: callbackID, PrivateMetadata: privateMetadata, Blocks: sl.Blocks{BlockSet: []sl.Block{sponsor, expires, reason}}}
}

// AckModal is the form behind an unknown admin's "Acknowledge": the reason.
func AckModal(callbackID, privateMetadata string) sl.ModalViewRequest {
	in := sl.NewPlainTextInputBlockElement(plain("Who owns it, why it may stay"), "reason")
	in.Multiline = true
	reason := sl.NewInputBlock("reason", plain("Reason"), nil, in)
	return sl.ModalViewRequest{Type: sl.VTModal, Title: plain("Acknowledge admin"), Submit: plain("Acknowledge"), Close: plain("Cancel"),
		CallbackID: callbackID, PrivateMetadata: privateMetadata, Blocks: sl.Blocks{BlockSet: []sl.Block{reason}}}
}

// ResultModal replaces a submitted modal with what became of it.
func ResultModal(title, text string) *sl.ModalViewRequest {
	return &sl.ModalViewRequest{Type: sl.VTModal, Title: plain(title), Close: plain("Close"),
		Blocks: sl.Blocks{BlockSet: []sl.Block{sl.NewSectionBlock(sl.NewTextBlockObject(sl.MarkdownType, Escape(text), false, false), nil, nil)}}}
}

// KeepForm is a submitted KeepModal.
type KeepForm struct {
	SponsorSlackID string
	Expires        time.Time // the date picked, 00:00 UTC
	Reason         string
}

// ParseKeepForm reads a KeepModal's submission; errs maps each input block
// left wrong to what to fix (Slack shows it under the field).
func ParseKeepForm(v sl.View) (KeepForm, map[string]string) {
	var f KeepForm
	errs := map[string]string{}
	val := func(block string) sl.BlockAction {
		if v.State == nil {
			return sl.BlockAction{}
		}
		return v.State.Values[block][block]
	}
	if f.SponsorSlackID = strings.TrimSpace(val("sponsor").SelectedUser); f.SponsorSlackID == "" {
		errs["sponsor"] = "Pick the sponsor."
	}
	d := strings.TrimSpace(val("expires").SelectedDate)
	t, err := time.Parse("2006-01-02", d)
	if err != nil {
		errs["expires"] = "Pick the date the keep ends."
	}
	f.Expires = t.UTC()
	f.Reason = strings.TrimSpace(val("reason").Value)
	if len(f.Reason) > 500 {
		errs["reason"] = "At most 500 characters."
	}
	return f, errs
}

// ParseAckForm reads an AckModal's submission.
func ParseAckForm(v sl.View) (reason string, errs map[string]string) {
	errs = map[string]string{}
	if v.State != nil {
		reason = strings.TrimSpace(v.State.Values["reason"]["reason"].Value)
	}
	switch {
	case len(reason) < 3:
		errs["reason"] = "Say who owns it or why it may stay."
	case len(reason) > 500:
		errs["reason"] = "At most 500 characters."
	}
	return reason, errs
}

// OpenView opens a modal for the user who pressed (views.open with the
// press's trigger_id, valid 3 seconds).
func (c *Client) OpenView(ctx context.Context, triggerID string, view sl.ModalViewRequest) error {
	const op = "views.open"
	if triggerID == "" {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "trigger id is required"}
	}
	if _, err := c.api.OpenViewContext(ctx, triggerID, view); err != nil {
		return c.classify(op, err)
	}
	return nil
}

package activities

import (
	"context"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// NoticeButton is one button of a sweep notice: its action id and value
// travel back in Slack's signed callback.
type NoticeButton struct {
	ActionID, Value, Label string
	Danger                 bool
}

// SweepPoster posts the sweep's notices with buttons, to a member (by
// email) or a channel, and rewrites them without buttons once decided (the
// worker adapts the Slack client). Nil: Slack off.
type SweepPoster interface {
	PostSweepNotice(ctx context.Context, email, channel, title string, fields []contract.MessageField, buttons []NoticeButton) (ch, ts string, err error)
	UpdateSweepNotice(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error
}

// PostSweepNotice DMs the notice to in.DM's HR work email and posts it to
// in.Channel, with the buttons, and resolves the deciders' Slack ids from
// the work emails of the HR records jml holds (never a directory
// attribute): a press counts only from one of them. With Outcome set it
// rewrites in.Messages without buttons. A recipient jml cannot reach is an
// answer (Detail), not an error.
func (a *Activities) PostSweepNotice(ctx context.Context, in contract.PostSweepNoticeInput) (contract.SweepNotice, error) {
	var out contract.SweepNotice
	if in.WorkflowID == "" || in.Title == "" {
		return out, badInput("sweep notice: workflow id and title are required")
	}
	if a.Sweeps == nil || a.Approvals == nil || a.People == nil {
		a.Logger.Warn().Str("workflow_id", in.WorkflowID).Msg("slack disabled: sweep notice not sent")
		return contract.SweepNotice{Detail: "slack disabled"}, nil
	}
	if in.Outcome != "" {
		for _, m := range in.Messages {
			if err := a.Sweeps.UpdateSweepNotice(ctx, m.Channel, m.TS, in.Title, in.Fields, in.Outcome); err != nil {
				return out, temporalError(err)
			}
		}
		return contract.SweepNotice{Messages: in.Messages}, nil
	}
	emailOf := func(employeeID string) (string, error) {
		rec, found, err := a.People.HRRecord(ctx, employeeID)
		if err != nil {
			return "", temporalError(err)
		}
		if !found || rec.Email == "" || rec.Status == domain.HRTerminated {
			return "", nil
		}
		return rec.Email, nil
	}
	out.DeciderSlackIDs = map[string]string{}
	for _, id := range in.Deciders {
		email, err := emailOf(id)
		if err != nil || email == "" {
			if err != nil {
				return out, err
			}
			continue
		}
		sid, err := a.Approvals.SlackUserID(ctx, email)
		if directory.IsNotFound(err) {
			continue
		}
		if err != nil {
			return out, temporalError(err)
		}
		out.DeciderSlackIDs[id] = sid
	}
	var buttons []NoticeButton
	for _, b := range in.Buttons {
		buttons = append(buttons, NoticeButton{ActionID: contract.SweepActionID(b.Decision), Value: contract.SweepButtonValue(in.WorkflowID, b.Decision), Label: b.Label, Danger: b.Danger})
	}
	if in.DM != "" {
		email, err := emailOf(in.DM)
		if err != nil {
			return out, err
		}
		if email == "" {
			out.Detail = "owner " + in.DM + " is not an active employee jml holds an HR record for"
		} else {
			ch, ts, err := a.Sweeps.PostSweepNotice(ctx, email, "", in.Title, in.Fields, buttons)
			if directory.IsNotFound(err) {
				out.Detail = "owner " + in.DM + " has no Slack member"
			} else if err != nil {
				return out, temporalError(err)
			} else {
				out.Messages = append(out.Messages, contract.SweepMessageRef{Channel: ch, TS: ts})
			}
		}
	}
	if in.Channel != "" {
		ch, ts, err := a.Sweeps.PostSweepNotice(ctx, "", in.Channel, in.Title, in.Fields, buttons)
		if err != nil {
			return out, temporalError(err)
		}
		out.Messages = append(out.Messages, contract.SweepMessageRef{Channel: ch, TS: ts})
	}
	a.Logger.Info().Str("workflow_id", in.WorkflowID).Int("messages", len(out.Messages)).Int("deciders_in_slack", len(out.DeciderSlackIDs)).Msg("sweep notice sent")
	return out, nil
}

// SweepDecisionsHeader is the decisions file's header; columns are only
// ever appended.
var SweepDecisionsHeader = []string{"workflow_id", "event", "at", "kind", "key", "directory", "account_id", "by", "sponsor", "expires", "reason", "run_id", "seq"}

// AppendSweepDecision writes one line of the sweep decisions file; a
// retried activity finds its line (workflow, run, seq) and writes nothing.
func (a *Activities) AppendSweepDecision(_ context.Context, in contract.SweepDecisionEvent) (contract.OffboardingLogOutput, error) {
	if in.WorkflowID == "" || in.RunID == "" || in.Event == "" || in.Key == "" {
		return contract.OffboardingLogOutput{}, badInput("sweep decision log: workflow id, run id, key and event are required")
	}
	if a.EvidenceDir == "" {
		return contract.OffboardingLogOutput{}, badInput("evidence directory is not configured")
	}
	expires := ""
	if !in.Expires.IsZero() {
		expires = in.Expires.UTC().Format(time.RFC3339)
	}
	path := filepath.Join(a.EvidenceDir, contract.SweepDecisionsLogPath)
	row := []string{in.WorkflowID, in.Event, in.At.UTC().Format(time.RFC3339), in.Kind, in.Key, in.Directory, in.AccountID, in.By, in.Sponsor,
		expires, in.Reason, in.RunID, strconv.Itoa(in.Seq)}
	appended, err := appendKeyedRow(path, SweepDecisionsHeader, row, 0, 11, 12)
	if err != nil {
		return contract.OffboardingLogOutput{}, temporalError(err)
	}
	a.Logger.Info().Str("workflow_id", in.WorkflowID).Str("event", in.Event).Str("by", in.By).Bool("appended", appended).Msg("sweep decision log")
	return contract.OffboardingLogOutput{Path: path, Appended: appended}, nil
}

// ReadSweepDecisions reads the decisions file (nil when there is none).
func ReadSweepDecisions(evidenceDir string) ([][]string, error) {
	return readEvidenceRows(evidenceDir, contract.SweepDecisionsLogPath)
}

// SweepKeep is a keep the decisions file holds.
type SweepKeep struct {
	Sponsor string
	Expires time.Time
}

// SweepKeeps are the keeps in rows still running at "at", by finding key;
// a later keep of the same key replaces an earlier one.
func SweepKeeps(rows [][]string, at time.Time) map[string]SweepKeep {
	out := map[string]SweepKeep{}
	for _, r := range rows[min(1, len(rows)):] {
		if len(r) < len(SweepDecisionsHeader) || r[1] != "kept" {
			continue
		}
		exp, err := time.Parse(time.RFC3339, r[9])
		if err != nil {
			continue
		}
		if exp.After(at) {
			out[r[4]] = SweepKeep{Sponsor: r[8], Expires: exp}
		} else {
			delete(out, r[4])
		}
	}
	return out
}

// markKept marks the orphans a keep still holds on the sweep's day; an
// unreadable decisions file is logged and keeps nothing (the orphan is
// noticed again, never silently disabled without its owner asked).
func (a *Activities) markKept(orphans []contract.SweepOrphan, date string) {
	if a.EvidenceDir == "" {
		return
	}
	at, err := time.Parse(contract.DateLayout, date)
	if err != nil {
		at = time.Now().UTC()
	}
	rows, err := ReadSweepDecisions(a.EvidenceDir)
	if err != nil {
		a.Logger.Error().Str("reason", err.Error()).Msg("sweep decisions unreadable: no keep applied")
		return
	}
	keeps := SweepKeeps(rows, at)
	for i := range orphans {
		if k, ok := keeps[orphans[i].Key]; ok {
			orphans[i].KeptUntil, orphans[i].Sponsor = k.Expires, k.Sponsor
		}
	}
}

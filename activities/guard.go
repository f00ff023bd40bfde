package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// HoldPoster posts and rewrites the security channel's message of a hold
// of terminations (the worker adapts the Slack client). Nil: Slack off.
type HoldPoster interface {
	PostHold(ctx context.Context, channel, title string, fields []contract.MessageField, approveValue, rejectValue string) (ch, ts string, err error)
	UpdateHold(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error
}

// HRDeliverer delivers an HR record to its Employee workflow
// (signal-with-start, as every intake does): the guard's released
// terminations go this way.
type HRDeliverer interface {
	DeliverHR(ctx context.Context, rec domain.HRRecord, deliveryID, hold string) error
}

func holdTitle(h contract.Hold) string {
	return fmt.Sprintf("jml: %d terminations held for approval (%s)", len(h.Records), h.Source)
}

func holdFields(h contract.Hold, required, perRun int) []contract.MessageField {
	ids := make([]string, 0, len(h.Records))
	for _, r := range h.Records {
		ids = append(ids, r.Record.EmployeeID)
	}
	list := strings.Join(ids, ", ")
	if len(ids) > 40 {
		list = strings.Join(ids[:40], ", ") + fmt.Sprintf(" and %d more", len(ids)-40)
	}
	f := []contract.MessageField{
		{Label: "Hold", Value: h.ID}, {Label: "Source", Value: h.Source},
		{Label: "Held", Value: fmt.Sprintf("%d terminations past the limit", len(h.Records))},
		{Label: "Employees", Value: list},
	}
	if perRun > 0 {
		f = append(f, contract.MessageField{Label: "Limit per run", Value: fmt.Sprint(perRun)})
	}
	if required > 0 {
		f = append(f, contract.MessageField{Label: "Approvals needed", Value: fmt.Sprint(required)})
	}
	if h.Requester != "" {
		f = append(f, contract.MessageField{Label: "Requested by", Value: h.Requester})
	}
	return f
}

// PostHold posts a hold's one message (Approve / Reject) to the security
// channel and resolves the Slack ids presses are judged by: each
// approver's and the requester's, from the work email of the HR record jml
// holds for them (never a directory attribute). With Outcome set it
// rewrites the message without buttons.
func (a *Activities) PostHold(ctx context.Context, in contract.PostHoldInput) (contract.GuardMessage, error) {
	if a.Holds == nil {
		a.Logger.Warn().Str("hold", in.Hold.ID).Msg("slack disabled: hold message not sent")
		return contract.GuardMessage{Detail: "slack disabled"}, nil
	}
	if in.Outcome != "" {
		m := in.Hold.Message
		if err := a.Holds.UpdateHold(ctx, m.Channel, m.TS, holdTitle(in.Hold), holdFields(in.Hold, 0, 0), in.Outcome); err != nil {
			return m, temporalError(err)
		}
		return m, nil
	}
	if in.Channel == "" {
		return contract.GuardMessage{}, badInput("hold message: no security channel configured")
	}
	out := contract.GuardMessage{ApproverSlackIDs: map[string]string{}}
	slackOf := func(employeeID string) (string, error) {
		if a.People == nil || a.Approvals == nil || employeeID == "" {
			return "", nil
		}
		rec, found, err := a.People.HRRecord(ctx, employeeID)
		if err != nil {
			return "", temporalError(err)
		}
		if !found || rec.Email == "" {
			return "", nil
		}
		id, err := a.Approvals.SlackUserID(ctx, rec.Email)
		if directory.IsNotFound(err) {
			return "", nil
		}
		return id, temporalError(err)
	}
	var missing []string
	for _, ap := range in.Approvers {
		id, err := slackOf(ap)
		if err != nil {
			return contract.GuardMessage{}, err
		}
		if id == "" {
			missing = append(missing, ap)
			continue
		}
		out.ApproverSlackIDs[ap] = id
	}
	var err error
	if out.RequesterSlackID, err = slackOf(in.Hold.Requester); err != nil {
		return contract.GuardMessage{}, err
	}
	fields := holdFields(in.Hold, in.Required, in.PerRun)
	if len(missing) > 0 {
		fields = append(fields, contract.MessageField{Label: "Approvers jml cannot match in Slack", Value: strings.Join(missing, ", ")})
	}
	ch, ts, err := a.Holds.PostHold(ctx, in.Channel, holdTitle(in.Hold), fields, in.Hold.ID+":approve", in.Hold.ID+":reject")
	if err != nil {
		return contract.GuardMessage{}, temporalError(err)
	}
	out.Posted, out.Channel, out.TS, out.Count = true, ch, ts, len(in.Hold.Records)
	a.Logger.Info().Str("hold", in.Hold.ID).Int("held", len(in.Hold.Records)).Int("approvers_in_slack", len(out.ApproverSlackIDs)).Msg("hold posted")
	return out, nil
}

// DeliverHeld delivers the released terminations to their Employee
// workflows. Each carries a delivery id (the HR one, else one from the
// hold), so a retried activity is a no-op for those already delivered.
func (a *Activities) DeliverHeld(ctx context.Context, in contract.DeliverHeldInput) (contract.DeliverHeldOutput, error) {
	if a.HR == nil {
		return contract.DeliverHeldOutput{}, badInput("no HR delivery configured on this worker")
	}
	var mu sync.Mutex
	var firstErr error
	n := 0
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for _, r := range in.Records {
		id := r.DeliveryID
		if id == "" {
			id = "guard/" + in.HoldID + "/" + r.Record.EmployeeID
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			err := a.HR.DeliverHR(ctx, r.Record, id, in.Note)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = err
			}
			if err == nil {
				n++
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return contract.DeliverHeldOutput{Delivered: n}, fmt.Errorf("deliver held terminations of %s: %d of %d delivered: %w", in.HoldID, n, len(in.Records), firstErr)
	}
	a.Logger.Info().Str("hold", in.HoldID).Int("delivered", n).Msg("held terminations released")
	return contract.DeliverHeldOutput{Delivered: n}, nil
}

type heldRow struct {
	Ref        string          `json:"ref"`
	EmployeeID string          `json:"employee_id"`
	Reason     string          `json:"reason"`
	Record     domain.HRRecord `json:"record"`
}

// QuarantineHeld writes a rejected hold's records to
// <evidence>/Quarantine/hr-guard-<hold>.jsonl (rewritten whole on a retry).
func (a *Activities) QuarantineHeld(ctx context.Context, in contract.QuarantineHeldInput) (contract.QuarantineHeldOutput, error) {
	if a.EvidenceDir == "" {
		return contract.QuarantineHeldOutput{}, badInput("evidence directory is not configured")
	}
	dir := filepath.Join(a.EvidenceDir, "Quarantine")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return contract.QuarantineHeldOutput{}, err
	}
	path := filepath.Join(dir, "hr-guard-"+in.Hold.ID+".jsonl")
	var b strings.Builder
	who := ""
	if in.Hold.Rejected != nil {
		who = in.Hold.Rejected.Actor.Who()
	}
	for i, r := range in.Hold.Records {
		line, err := json.Marshal(heldRow{Ref: fmt.Sprintf("%s[%d]", in.Hold.ID, i), EmployeeID: r.Record.EmployeeID,
			Reason: fmt.Sprintf("termination held by the mass-termination guard (%s) and rejected by %s", in.Hold.Source, who), Record: r.Record})
		if err != nil {
			return contract.QuarantineHeldOutput{}, err
		}
		b.Write(line)
		b.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return contract.QuarantineHeldOutput{}, err
	}
	a.Logger.Info().Str("hold", in.Hold.ID).Int("quarantined", len(in.Hold.Records)).Msg("held terminations quarantined")
	return contract.QuarantineHeldOutput{Path: path}, nil
}

// CountActiveForGuard counts the running Employee workflows of active
// employees (a percentage limit's base).
func (a *Activities) CountActiveForGuard(ctx context.Context, _ contract.Empty) (contract.CountActiveOutput, error) {
	n := 0
	q := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running' AND %s IN ('%s', '%s')", contract.EmployeeWorkflowName,
		contract.LifecycleStatusKey.GetName(), domain.StatusActive, domain.StatusTerminationScheduled)
	err := a.listWorkflows(ctx, q, func(string, map[string]string) { n++ })
	return contract.CountActiveOutput{Active: n}, err
}

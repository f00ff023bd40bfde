package workers

import (
	"context"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/slack"
)

// PostHold posts a held-terminations message with Approve and Reject.
func (n Notifier) PostHold(ctx context.Context, channel, title string, fields []contract.MessageField, approveValue, rejectValue string) (string, string, error) {
	blocks, err := slack.GuardBlocks(title, slackFields(fields), approveValue, rejectValue)
	if err != nil {
		return "", "", err
	}
	return n.Slack.Post(ctx, channel, title, blocks)
}

// UpdateHold rewrites a decided hold: the outcome, no buttons.
func (n Notifier) UpdateHold(ctx context.Context, channel, ts, title string, fields []contract.MessageField, outcome string) error {
	return n.Slack.Update(ctx, channel, ts, title+": "+outcome, slack.DecisionBlocks(title, slackFields(fields), outcome))
}

// hrDelivery signals an HR record into its Employee workflow, starting it
// when needed (the same call as starters/employees.Sink): the guard's
// released terminations.
type hrDelivery struct {
	c   client.Client
	cfg *config.Config
}

func (h hrDelivery) DeliverHR(ctx context.Context, rec domain.HRRecord, deliveryID, hold string) error {
	id := contract.EmployeeWorkflowID(rec.EmployeeID)
	policy := h.cfg.Policy()
	_, err := h.c.SignalWithStartWorkflow(ctx, id, contract.SignalHRRecord,
		contract.HRRecordInput{Record: rec, Policy: &policy, DeliveryID: deliveryID, Hold: hold},
		client.StartWorkflowOptions{ID: id, TaskQueue: h.cfg.Temporal.TaskQueue},
		contract.EmployeeWorkflowName, contract.EmployeeInput{EmployeeID: rec.EmployeeID, Policy: policy})
	return err
}

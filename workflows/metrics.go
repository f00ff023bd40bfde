package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// Metrics are not commands: emitting one changes no history, so these need
// no workflow.GetVersion, and the SDK suppresses them during replay.

func countLaneBlocked(ctx workflow.Context, event domain.Event, directory string) {
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"directory": directory, "event": string(event)}).
		Counter(contract.MetricLaneBlocked).Inc(1)
}

func countSLABreached(ctx workflow.Context) {
	workflow.GetMetricsHandler(ctx).Counter(contract.MetricSLABreached).Inc(1)
}

func countLeaverCompleted(ctx workflow.Context, res contract.LifecycleResult) {
	outcome := "sla_met"
	switch {
	case res.NoAccounts:
		outcome = "no_accounts"
	case res.SLABreached:
		outcome = "sla_breached"
	}
	workflow.GetMetricsHandler(ctx).WithTags(map[string]string{"outcome": outcome}).Counter(contract.MetricLeaverCompleted).Inc(1)
}

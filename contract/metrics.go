package contract

// Metric names the workflows emit through the Temporal SDK's metrics
// handler (workflow.GetMetricsHandler: the SDK drops them while replaying,
// so a worker restart does not count an event twice). The Prometheus
// exporter adds _total to counters. Labels are directory names and event
// words, never PII.
const (
	// MetricLaneBlocked counts lanes that stopped to wait for an operator,
	// labelled directory and event.
	MetricLaneBlocked = "jml_lanes_blocked"
	// MetricSLABreached counts leavers past their SLA deadline.
	MetricSLABreached = "jml_sla_breaches"
	// MetricLeaverCompleted counts leavers finished, labelled outcome
	// (sla_met, sla_breached, no_accounts).
	MetricLeaverCompleted = "jml_leavers_completed"
)

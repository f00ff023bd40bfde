package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/contract"
)

// inflightQuery is what the gauge counts: the cluster's running leavers,
// whichever worker runs them (take max() across scraped processes).
const inflightQuery = `WorkflowType = "` + contract.LeaverWorkflowName + `" AND ExecutionStatus = "Running"`

// CountLeaversInFlight adds the jml_leavers_in_flight gauge, read from
// Temporal's visibility at scrape time (at most every 5 s).
func (m *Metrics) CountLeaversInFlight(c client.Client) {
	m.Registry.MustRegister(&inflight{c: c, desc: prometheus.NewDesc(LeaversInFlight,
		"Leaver workflows running in the namespace (from visibility).", nil, nil)})
}

type inflight struct {
	c    client.Client
	desc *prometheus.Desc

	mu   sync.Mutex
	at   time.Time
	last float64
	ok   bool
}

func (i *inflight) Describe(ch chan<- *prometheus.Desc) { ch <- i.desc }

func (i *inflight) Collect(ch chan<- prometheus.Metric) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if time.Since(i.at) > 5*time.Second {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := i.c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: inflightQuery})
		cancel()
		i.at = time.Now()
		if i.ok = err == nil; i.ok {
			i.last = float64(resp.GetCount())
		}
	}
	if i.ok {
		ch <- prometheus.MustNewConstMetric(i.desc, prometheus.GaugeValue, i.last)
	}
}

// Package metrics is what an operator scrapes from `jml worker` and
// `jml serve` at /metrics: the Temporal SDK's own metrics (through its
// OpenTelemetry handler and the OpenTelemetry Prometheus exporter), the
// counters the workflows emit (contract.Metric*), the directories' limiters
// (429s and waits per directory), the intake's requests by route and
// status, and leavers in flight from visibility. Every label is a
// directory name, a route or a status word: never PII.
package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"

	"github.com/jml-dev/jml/integrations/directory"
	"github.com/jml-dev/jml/starters/importer"
)

// Names of jml's own metrics (besides contract.Metric*, which the
// workflows emit through the SDK).
const (
	DirectoryThrottled   = "jml_directory_throttled_total"
	DirectoryLimiterWait = "jml_directory_limiter_wait_seconds"
	IntakeRequests       = "jml_intake_requests_total"
	ImportRows           = "jml_import_rows_total"
	LeaversInFlight      = "jml_leavers_in_flight"
)

// Metrics is one process's registry.
type Metrics struct {
	Registry  *prometheus.Registry
	provider  *sdkmetric.MeterProvider
	throttled *prometheus.CounterVec
	wait      *prometheus.HistogramVec
	requests  *prometheus.CounterVec
	imports   *prometheus.CounterVec
}

// New builds the registry with the Go runtime and process collectors.
func New() (*Metrics, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg), otelprom.WithoutScopeInfo())
	if err != nil {
		return nil, err
	}
	m := &Metrics{
		Registry: reg,
		provider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)),
		throttled: prometheus.NewCounterVec(prometheus.CounterOpts{Name: DirectoryThrottled,
			Help: "Calls a directory answered 429 (throttled), per directory."}, []string{"directory"}),
		wait: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: DirectoryLimiterWait,
			Help:    "Time a directory call waited in jml's client-side rate limiter, per directory.",
			Buckets: []float64{0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}}, []string{"directory"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: IntakeRequests,
			Help: "Intake HTTP requests by route and status code."}, []string{"route", "status"}),
		imports: prometheus.NewCounterVec(prometheus.CounterOpts{Name: ImportRows,
			Help: "HR import rows by outcome."}, []string{"outcome"}),
	}
	reg.MustRegister(m.throttled, m.wait, m.requests, m.imports)
	return m, nil
}

// SDKHandler is the Temporal SDK's metrics handler (client.Options.MetricsHandler):
// the SDK's metrics and the workflows' counters land in this registry.
func (m *Metrics) SDKHandler() client.MetricsHandler {
	return temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
		Meter:                m.provider.Meter("temporal-sdk-go"),
		UseMonotonicCounters: true,
		OnError:              func(error) {}, // a metric must never stop a worker
	})
}

// ObserveDirectories makes every named limiter of this process report here.
func (m *Metrics) ObserveDirectories() { directory.SetObserver(limiterObserver{m}) }

type limiterObserver struct{ m *Metrics }

func (o limiterObserver) Throttled(dir string) { o.m.throttled.WithLabelValues(dir).Inc() }
func (o limiterObserver) Waited(dir string, d time.Duration) {
	o.m.wait.WithLabelValues(dir).Observe(d.Seconds())
}

// ObserveImports makes this process's imports (webhook batches, scheduled
// imports) count their rows here.
func (m *Metrics) ObserveImports() { importer.SetObserver(m.ImportRow) }

// ImportRow counts one import row's outcome (delivered, quarantined, ...).
func (m *Metrics) ImportRow(outcome string, n int) {
	m.imports.WithLabelValues(outcome).Add(float64(n))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// Server serves /metrics on its own listener, apart from the intake.
type Server struct {
	srv *http.Server
	ln  net.Listener
}

// Serve listens on addr ("127.0.0.1:0" picks a port) and serves /metrics.
func (m *Metrics) Serve(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	s := &Server{ln: ln, srv: &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Addr is the address it listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops it.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

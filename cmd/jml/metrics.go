package main

import (
	"flag"

	"go.temporal.io/sdk/client"

	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/workers/metrics"
)

// serviceMetrics is --metrics-listen of `jml worker` and `jml serve`.
type serviceMetrics struct {
	listen *string
	m      *metrics.Metrics // built by hook when an address is set
}

func metricsFlag(fs *flag.FlagSet) *serviceMetrics {
	return &serviceMetrics{listen: fs.String("metrics-listen", "", "serve Prometheus metrics at http://ADDR/metrics (default metrics.listen, JML_METRICS_LISTEN; empty: none)")}
}

// hook builds the registry when an address is set (the flag, else
// metrics.listen / JML_METRICS_LISTEN) and gives the SDK its handler.
func (sm *serviceMetrics) hook(cfg *config.Config) (client.MetricsHandler, error) {
	if *sm.listen != "" {
		cfg.Metrics.Listen = *sm.listen
	}
	if cfg.Metrics.Listen == "" {
		return nil, nil
	}
	m, err := metrics.New()
	if err != nil {
		return nil, err
	}
	sm.m = m
	return m.SDKHandler(), nil
}

// serve starts /metrics when the hook built a registry; the returned
// function stops it.
func (sm *serviceMetrics) serve(s *session) (func(), error) {
	if sm.m == nil {
		return func() {}, nil
	}
	srv, err := sm.m.Serve(s.cfg.Metrics.Listen)
	if err != nil {
		return nil, usagef("metrics.listen %s: %v", s.cfg.Metrics.Listen, err)
	}
	s.log.Info().Str("listen", srv.Addr()).Msg("metrics at /metrics")
	return func() { _ = srv.Close() }, nil
}

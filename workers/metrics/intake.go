package metrics

import (
	"net/http"
	"strconv"
	"strings"
)

// routes are the intake's paths as metric labels: a fixed set, so a
// scanner's random paths cannot grow the series.
var routes = []struct{ prefix, label string }{
	{"/hr/records", "hr_records"},
	{"/hr/bamboohr", "hr_bamboohr"},
	{"/slack/interactivity", "slack_interactivity"},
	{"/slack/commands", "slack_commands"},
	{"/codec/", "codec"},
	{"/healthz", "healthz"},
}

func routeOf(path string) string {
	for _, r := range routes {
		if path == r.prefix || strings.HasPrefix(path, r.prefix) {
			return r.label
		}
	}
	return "other"
}

// Intake wraps the intake's handler and counts each request by route and
// the status code it was answered with.
func (m *Metrics) Intake(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		defer func() { m.requests.WithLabelValues(routeOf(r.URL.Path), strconv.Itoa(sw.status)).Inc() }()
		h.ServeHTTP(sw, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (s *statusWriter) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	s.wrote = true
	return s.ResponseWriter.Write(b)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

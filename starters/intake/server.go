// Package intake is jml's HTTP front door: signed HR webhooks in, signed
// Slack callbacks (approval buttons, /elevate), the codec endpoint for the
// Temporal UI, health. Every route is hardened the same
// way: body size limit, read/header timeouts, a rate limit per source
// address, signature checks before any parsing, and short error texts that
// never echo internals.
package intake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/hr"
	"github.com/jml-dev/jml/starters/employees"
	"github.com/jml-dev/jml/starters/planner"
)

// RecordSink hands a validated HR record to the Employee workflow of that
// employee (signal-with-start), returning the workflow id. deliveryID names
// the signed delivery (deliveryID()): the workflow ignores a repeat of it.
type RecordSink interface {
	Deliver(ctx context.Context, rec domain.HRRecord, deliveryID string) (workflowID string, err error)
}

// deliveryID names one signed delivery (and the record's place in it) by a
// hash of its signature: a replay to any replica, or after a restart, has
// the same id, which the Employee workflow remembers. The signature covers
// the timestamp and the body, so a sender's fresh retry gets a new id.
func deliveryID(route, signature string, index int) string {
	sum := sha256.Sum256([]byte("jml-delivery:" + route + ":" + signature))
	return fmt.Sprintf("%s-%s-%d", route, hex.EncodeToString(sum[:16]), index)
}

// Options configure the server.
type Options struct {
	Listen        string
	MaxBodyBytes  int64
	RatePerMinute int             // per source address
	ReadTimeout   time.Duration   // whole request
	SignatureSkew time.Duration   // signed requests outside now±skew are stale
	HRSecret      string          // HMAC key of /hr/records and BambooHR's webhook key
	BambooHR      EmployeeFetcher // mounts POST /hr/bamboohr when set
	Sink          RecordSink
	Concurrency   int // records of one batch delivered at once; default 32
	// BatchDeadline bounds delivering one batch (default 15s), so the
	// answer always beats the write timeout (ReadTimeout + 20s): records
	// not queued by then are answered "retry later", never a cut connection.
	BatchDeadline time.Duration
	Codec         http.Handler // mounted at /codec/ when set
	// TLSCertFile and TLSKeyFile, when set, make Start serve HTTPS (tls.go).
	TLSCertFile, TLSKeyFile string
	// SlackSigningSecret and Elevation mount POST /slack/interactivity
	// (approval buttons) and POST /slack/commands (/elevate) when both are set.
	SlackSigningSecret string
	Elevation          ElevationService
	// Guard wraps the delivery of terminations (mass-termination guard)
	// and takes the decisions on its holds; nil: no guard.
	Guard *employees.Guard
	// Reviews takes the decisions of access-review DMs; nil: none.
	Reviews ReviewDecider
	// AppTasks takes app owners' Done presses (starters/intake/apptask.go).
	AppTasks AppTaskConfirmer
	// Sweep takes decisions on sweep findings, Views opens their forms
	// (starters/intake/sweep.go).
	Sweep SweepDecider
	Views ViewOpener
	// AllowNoEmail: jml allocates the work email (hr.login), so a record
	// may come without one.
	AllowNoEmail bool
	// Sources are hr.sources of kind webhook by lower-cased name: POST
	// /hr/records?source=NAME reads the body in that profile's fields and
	// words instead of jml's own.
	Sources map[string]hr.Profile
	Extra   map[string]http.Handler
	Logger  zerolog.Logger
	Now     func() time.Time

	// Planner answers POST /hr/records?plan=1 (test mode) when set.
	Planner *planner.Planner
}

// Server is the intake HTTP server.
type Server struct {
	opts    Options
	mux     *http.ServeMux
	limiter *sourceLimiter
	replays *hr.ReplayGuard
	srv     *http.Server
	ln      net.Listener
	wrap    func(http.Handler) http.Handler // e.g. metrics (wrap.go)
}

// New builds the server; Handler() serves it without a listener (tests).
func New(o Options) *Server {
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = 1 << 20
	}
	if o.RatePerMinute <= 0 {
		o.RatePerMinute = 600
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = 10 * time.Second
	}
	if o.BatchDeadline <= 0 {
		o.BatchDeadline = 15 * time.Second
	}
	if o.BatchDeadline <= 0 {
		o.BatchDeadline = 15 * time.Second
	}
	if o.SignatureSkew <= 0 {
		o.SignatureSkew = 5 * time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	s := &Server{opts: o, mux: http.NewServeMux(), limiter: newSourceLimiter(o.RatePerMinute), replays: &hr.ReplayGuard{Window: o.SignatureSkew}}
	s.mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	s.mux.Handle("POST /hr/records", s.limit(http.HandlerFunc(s.hrRecords)))
	if o.BambooHR != nil {
		s.mux.Handle("POST /hr/bamboohr", s.limit(http.HandlerFunc(s.bambooHR)))
	}
	if o.SlackSigningSecret != "" && o.Elevation != nil {
		s.mux.Handle("POST /slack/interactivity", s.limit(http.HandlerFunc(s.slackInteractivity)))
		s.mux.Handle("POST /slack/commands", s.limit(http.HandlerFunc(s.slackCommands)))
	}
	if o.Codec != nil {
		s.mux.Handle("/codec/", s.limit(http.StripPrefix("/codec", o.Codec)))
	}
	for p, h := range o.Extra {
		s.mux.Handle(p, s.limit(h))
	}
	return s
}

// Handler is the hardened handler of every route.
func (s *Server) Handler() http.Handler {
	if s.wrap != nil {
		return s.wrap(s.recoverer(s.mux))
	}
	return s.recoverer(s.mux)
}

// Start listens and serves in the background.
func (s *Server) Start() error {
	ln, err := net.Listen("tcp", s.opts.Listen)
	if err != nil {
		return err
	}
	if ln, err = s.withTLS(ln); err != nil {
		return err
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.ReadTimeout + 20*time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	go func() {
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.opts.Logger.Error().Err(err).Msg("intake server stopped")
		}
	}()
	return nil
}

// Addr is the listening address once started.
func (s *Server) Addr() string {
	if s.ln == nil {
		return ""
	}
	return s.ln.Addr().String()
}

// Shutdown stops accepting and waits for in-flight requests.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.srv == nil {
		return nil
	}
	return s.srv.Shutdown(ctx)
}

// recoverer turns a panic into a plain 500 without internals.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.opts.Logger.Error().Str("path", r.URL.Path).Msg("intake handler panicked")
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		h.ServeHTTP(w, r)
	})
}

// limit applies the per-source rate limit and the body size limit.
func (s *Server) limit(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !s.limiter.allow(sourceOf(r)) {
			w.Header().Set("Retry-After", "60")
			writeError(w, http.StatusTooManyRequests, "rate limit exceeded")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes)
		h.ServeHTTP(w, r)
	})
}

func sourceOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// sourceLimiter is a token bucket per source address.
type sourceLimiter struct {
	mu      sync.Mutex
	perMin  int
	buckets map[string]*rate.Limiter
}

func newSourceLimiter(perMin int) *sourceLimiter {
	return &sourceLimiter{perMin: perMin, buckets: map[string]*rate.Limiter{}}
}

func (l *sourceLimiter) allow(src string) bool {
	l.mu.Lock()
	b := l.buckets[src]
	if b == nil {
		if len(l.buckets) > 10000 { // bound memory under a spray of sources
			l.buckets = map[string]*rate.Limiter{}
		}
		b = rate.NewLimiter(rate.Limit(float64(l.perMin)/60), max(1, l.perMin/10))
		l.buckets[src] = b
	}
	l.mu.Unlock()
	return b.Allow()
}

// readBody reads the (size-limited) body, answering 413 or 400 itself when
// it cannot.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		return body, true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", mbe.Limit))
	} else {
		writeError(w, http.StatusBadRequest, "cannot read body")
	}
	return nil, false
}

type errorBody struct {
	Error string `json:"error"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, errorBody{Error: msg})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

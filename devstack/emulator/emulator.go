// Package emulator is the common frame of jml's directory emulators: a
// loopback server with a request log, call counts per endpoint family,
// per-family rate limits, scriptable fault injection and an inspection API
// under the reserved path /__admin/. Each emulator (Graph, Okta, Google,
// Slack, SCIM, BambooHR) supplies its handler, how to name an endpoint
// family, and how its real API answers a throttled or failed call.
package emulator

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// maxLog bounds the request log; counts are kept for every call.
const maxLog = 20000

// AdminPrefix is the reserved path of the inspection and control API.
const AdminPrefix = "/__admin/"

// API is what one emulator supplies to the frame.
type API interface {
	// Family names the endpoint family of a request (for counts and limits).
	Family(r *http.Request) string
	// Throttled writes the API's own 429 answer with the given delay.
	Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, reset time.Time)
	// Failed writes the API's own answer for an injected 5xx (or other) status.
	Failed(w http.ResponseWriter, r *http.Request, status int)
	// Authorized reports whether the request carries a valid credential;
	// when false the emulator has already written the API's own refusal.
	Authorized(w http.ResponseWriter, r *http.Request) bool
	// ServeAPI serves an authorised, unthrottled request.
	ServeAPI(w http.ResponseWriter, r *http.Request)
	// Snapshot returns the emulator's state for GET /__admin/state.
	Snapshot() any
}

// RateHeaders is implemented by APIs that send quota headers on every
// response (Okta's X-Rate-Limit-*).
type RateHeaders interface {
	WriteRateHeaders(w http.ResponseWriter, limit, remaining int, reset time.Time)
}

// Fault is one scripted failure. Exactly one of Status, Latency or Drop is
// the effect (Latency may accompany Status). Times > 0 fires on the next N
// matching calls; Probability in (0,1] fires at random (seeded, so a test's
// run is repeatable); with neither it fires on every match until cleared.
// After makes a Status fault a lost answer: the call takes effect, then the
// client gets the failure, as when a gateway times out behind a write.
type Fault struct {
	Method     string        `json:"method,omitempty"`      // empty matches any
	PathPrefix string        `json:"path_prefix,omitempty"` // empty matches any
	Family     string        `json:"family,omitempty"`      // empty matches any
	Status     int           `json:"status,omitempty"`      // 429, 500, 503, ...
	RetryAfter time.Duration `json:"retry_after,omitempty"` // for 429/503
	Latency    time.Duration `json:"latency,omitempty"`
	Drop       bool          `json:"drop,omitempty"`  // close the connection without answering
	After      bool          `json:"after,omitempty"` // serve the call, then answer Status
	// Gateway answers Status as a proxy or load balancer in front of the API
	// would, not the API itself: "html" (an HTML error page) or "text" (a
	// plain-text line). Clients must classify such answers by status alone.
	Gateway     string  `json:"gateway,omitempty"`
	Times       int     `json:"times,omitempty"`
	Probability float64 `json:"probability,omitempty"`
}

// AllFamilies is the limit family that counts every call together, for
// APIs metered as one quota (Google's queries per minute per user), except
// the families with a limit of their own.
const AllFamilies = "all"

// Limit is a per-family fixed-window rate limit.
type Limit struct {
	Requests int           `json:"requests"`
	Window   time.Duration `json:"window"`
	// WritesOnly counts only calls that are not GET or HEAD (Graph's
	// identity write quota); reads pass this limit untouched.
	WritesOnly bool `json:"writes_only,omitempty"`
}

// Request is one logged call.
type Request struct {
	Time   time.Time `json:"time"`
	Method string    `json:"method"`
	Path   string    `json:"path"`
	Query  string    `json:"query,omitempty"`
	Family string    `json:"family"`
	Status int       `json:"status"`
}

type window struct {
	start time.Time
	used  int
}

// Server runs one API on a loopback listener.
type Server struct {
	api API

	mu       sync.Mutex
	faults   []*Fault
	limits   map[string]Limit
	defLimit *Limit
	windows  map[string]*window
	log      []Request
	counts   map[string]int
	writes   map[string]int
	throttle map[string]int // 429 answers per family
	injected map[string]int
	rng      *rand.Rand

	srv *http.Server
	ln  net.Listener
	url string
}

// New wraps api. Start it with Start or use it as an http.Handler.
func New(api API) *Server {
	return &Server{api: api, limits: map[string]Limit{}, windows: map[string]*window{}, counts: map[string]int{}, writes: map[string]int{}, throttle: map[string]int{}, injected: map[string]int{}, rng: rand.New(rand.NewSource(1))}
}

// Start listens on addr ("127.0.0.1:0" for a random port) and serves.
func (s *Server) Start(addr string) error {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	s.ln = ln
	s.url = "http://" + ln.Addr().String()
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return nil
}

// URL is the server's base URL (scheme, host, port), empty before Start.
func (s *Server) URL() string { return s.url }

// Close stops the server.
func (s *Server) Close() error {
	if s.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return s.srv.Shutdown(ctx)
}

// AddFault scripts a failure.
func (s *Server) AddFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fc := f
	s.faults = append(s.faults, &fc)
}

// ClearFaults removes every scripted failure.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.faults = nil
	s.mu.Unlock()
}

// SetSeed makes probabilistic faults repeatable.
func (s *Server) SetSeed(seed int64) {
	s.mu.Lock()
	s.rng = rand.New(rand.NewSource(seed))
	s.mu.Unlock()
}

// SetLimit limits one endpoint family; family "*" sets the default for all.
// A zero Requests removes the limit.
func (s *Server) SetLimit(family string, l Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l.Window <= 0 {
		l.Window = time.Minute
	}
	if family == "*" {
		if l.Requests <= 0 {
			s.defLimit = nil
		} else {
			s.defLimit = &l
		}
		return
	}
	if l.Requests <= 0 {
		delete(s.limits, family)
		return
	}
	s.limits[family] = l
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.log...)
}

// Counts returns calls per endpoint family.
func (s *Server) Counts() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}

// Writes returns the calls per endpoint family that were not GET or HEAD.
func (s *Server) Writes() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.writes))
	for k, v := range s.writes {
		out[k] = v
	}
	return out
}

func isWrite(method string) bool { return method != http.MethodGet && method != http.MethodHead }

// Throttled returns how many calls the emulator answered 429.
func (s *Server) Throttled() int {
	n := 0
	for _, c := range s.ThrottledByFamily() {
		n += c
	}
	return n
}

// ThrottledByFamily returns the 429 answers per endpoint family.
func (s *Server) ThrottledByFamily() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.throttle)
}

// Injected returns how many scripted faults fired, by effect: "429",
// "503", "503 after" (a lost answer), "latency", "drop".
func (s *Server) Injected() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.injected))
	for k, v := range s.injected {
		out[k] = v
	}
	return out
}

// ResetLog clears the request log and counts.
func (s *Server) ResetLog() {
	s.mu.Lock()
	s.log = nil
	s.counts = map[string]int{}
	s.writes = map[string]int{}
	s.injected = map[string]int{}
	s.throttle = map[string]int{}
	s.mu.Unlock()
}

// statusWriter records the call when its status is decided, before any
// byte reaches the client: a test that reads the log right after its call
// returned always finds it.
type statusWriter struct {
	http.ResponseWriter
	status int
	record func(status int)
}

func (w *statusWriter) decide(code int) {
	if w.status == 0 {
		w.status = code
		w.record(code)
	}
}

func (w *statusWriter) WriteHeader(code int) {
	w.decide(code)
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.decide(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// ServeHTTP applies admin routes, logging, faults, limits and auth, in that order.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.serveAdmin(w, r)
		return
	}
	fam := s.api.Family(r)
	now := time.Now()
	record := func(status int) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(s.log) >= maxLog {
			// keep the newest half: long dev runs and benchmarks stay bounded
			s.log = append(s.log[:0], s.log[maxLog/2:]...)
		}
		s.log = append(s.log, Request{Time: now, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Family: fam, Status: status})
		s.counts[fam]++
		if isWrite(r.Method) {
			s.writes[fam]++
		}
		if status == http.StatusTooManyRequests {
			s.throttle[fam]++
		}
	}
	sw := &statusWriter{ResponseWriter: w, record: record}
	// A handler that answers nothing (a dropped connection) is logged too.
	defer sw.decide(-1)

	f := s.matchFault(r, fam)
	if f != nil {
		if f.Latency > 0 {
			select {
			case <-time.After(f.Latency):
			case <-r.Context().Done():
				return
			}
		}
		if f.Drop {
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					_ = c.Close()
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		if f.Status != 0 && f.After {
			s.serveAPI(&discardWriter{h: http.Header{}}, r, fam, now)
		}
		if f.Status != 0 && f.Gateway != "" {
			writeGateway(sw, f)
			return
		}
		if f.Status == http.StatusTooManyRequests {
			ra := f.RetryAfter
			if ra <= 0 {
				ra = time.Second
			}
			s.api.Throttled(sw, r, ra, time.Now().Add(ra))
			return
		}
		if f.Status != 0 {
			if f.RetryAfter > 0 {
				sw.Header().Set("Retry-After", secs(f.RetryAfter))
			}
			s.api.Failed(sw, r, f.Status)
			return
		}
	}
	s.serveAPI(sw, r, fam, now)
}

// discardWriter takes the answer of a call whose client gets a fault instead.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// serveAPI applies the rate limit and auth, then the API itself.
func (s *Server) serveAPI(sw http.ResponseWriter, r *http.Request, fam string, now time.Time) {
	limit, remaining, reset, ok := s.take(fam, r.Method, now)
	if rh, isRH := s.api.(RateHeaders); isRH && limit > 0 {
		rh.WriteRateHeaders(sw, limit, max(remaining, 0), reset)
	}
	if !ok {
		s.api.Throttled(sw, r, time.Until(reset), reset)
		return
	}
	if !s.api.Authorized(sw, r) {
		return
	}
	s.api.ServeAPI(sw, r)
}

// writeGateway answers like a gateway in front of the API: its own body,
// never the API's error format (Retry-After kept, as gateways pass it on).
func writeGateway(w http.ResponseWriter, f *Fault) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", secs(f.RetryAfter))
	}
	text := itoa(f.Status) + " " + http.StatusText(f.Status)
	if f.Gateway == "html" {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(f.Status)
		_, _ = w.Write([]byte("<html><head><title>" + text + "</title></head><body><center><h1>" + text + "</h1></center><hr><center>gateway</center></body></html>\n"))
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(text + "\n"))
}

func secs(d time.Duration) string {
	n := int((d + time.Second - 1) / time.Second)
	if n < 1 {
		n = 1
	}
	return itoa(n)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// RetryAfterSeconds renders a delay as whole seconds for Retry-After (at least 1).
func RetryAfterSeconds(d time.Duration) string { return secs(d) }

func (s *Server) matchFault(r *http.Request, fam string) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Method != "" && !strings.EqualFold(f.Method, r.Method) {
			continue
		}
		if f.PathPrefix != "" && !strings.HasPrefix(r.URL.Path, f.PathPrefix) {
			continue
		}
		if f.Family != "" && f.Family != fam {
			continue
		}
		if f.Probability > 0 && s.rng.Float64() >= f.Probability {
			continue
		}
		out := *f
		s.injected[faultKind(f)]++
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &out
	}
	return nil
}

func faultKind(f *Fault) string {
	switch {
	case f.Drop:
		return "drop"
	case f.Status != 0 && f.After:
		return itoa(f.Status) + " after"
	case f.Status != 0:
		return itoa(f.Status)
	default:
		return "latency"
	}
}

// take counts one call against the family's window.
func (s *Server) take(fam, method string, now time.Time) (limit, remaining int, reset time.Time, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A family with its own limit is its own service (Graph's Intune beside
	// identity and access): the "all" quota does not count it.
	_, own := s.limits[fam]
	if all, ok := s.limits[AllFamilies]; ok && !own && (!all.WritesOnly || isWrite(method)) {
		w := s.windows[AllFamilies]
		if w == nil || now.Sub(w.start) >= all.Window {
			w = &window{start: now.Truncate(time.Second)}
			s.windows[AllFamilies] = w
		}
		if w.used >= all.Requests {
			return all.Requests, 0, w.start.Add(all.Window), false
		}
		w.used++
		return all.Requests, all.Requests - w.used, w.start.Add(all.Window), true
	}
	l, has := s.limits[fam]
	if !has {
		if s.defLimit == nil {
			return 0, 0, time.Time{}, true
		}
		l = *s.defLimit
	}
	w := s.windows[fam]
	if w == nil || now.Sub(w.start) >= l.Window {
		w = &window{start: now.Truncate(time.Second)}
		s.windows[fam] = w
	}
	reset = w.start.Add(l.Window)
	if w.used >= l.Requests {
		return l.Requests, 0, reset, false
	}
	w.used++
	return l.Requests, l.Requests - w.used, reset, true
}

// AdminState is what GET /__admin/ returns besides the emulator's state.
type adminFaults struct {
	Faults []Fault `json:"faults"`
}

func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	p := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch {
	case p == "state" && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, s.api.Snapshot())
	case p == "requests" && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, s.Requests())
	case p == "counts" && r.Method == http.MethodGet:
		WriteJSON(w, http.StatusOK, map[string]any{"counts": s.Counts(), "throttled": s.Throttled()})
	case p == "faults" && r.Method == http.MethodPost:
		var f Fault
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&f); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "fault: " + err.Error()})
			return
		}
		s.AddFault(f)
		w.WriteHeader(http.StatusNoContent)
	case p == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case p == "faults" && r.Method == http.MethodGet:
		s.mu.Lock()
		out := adminFaults{}
		for _, f := range s.faults {
			out.Faults = append(out.Faults, *f)
		}
		s.mu.Unlock()
		WriteJSON(w, http.StatusOK, out)
	case strings.HasPrefix(p, "limits/") && r.Method == http.MethodPut:
		var l Limit
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&l); err != nil {
			WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "limit: " + err.Error()})
			return
		}
		s.SetLimit(strings.TrimPrefix(p, "limits/"), l)
		w.WriteHeader(http.StatusNoContent)
	default:
		if h, ok := s.api.(http.Handler); ok {
			// emulator-specific admin routes (e.g. Slack's button presses)
			h.ServeHTTP(w, r)
			return
		}
		WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin route " + r.URL.Path})
	}
}

// WriteJSON writes v as JSON with the status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ErrBodyTooLarge is returned by ReadBody for bodies over the limit.
var ErrBodyTooLarge = errors.New("request body too large")

// BaseURL returns scheme://host of the request as the client reached it, for
// building absolute links (Graph nextLink, Okta Link).
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

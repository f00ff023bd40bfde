// Package jumpcloudemu emulates JumpCloud's console API as jml uses it: the
// v1 system users and systems (/api/systemusers, /api/systems) and the v2
// graph (/api/v2/usergroups, /api/v2/users/{id}/memberof, .../systems). It
// speaks JumpCloud's wire format: the x-api-key header (and x-org-id when
// sent), skip/limit paging capped at 100, v1 filters "field:$eq:value" and
// v2 filters "field:eq:value", {"totalCount","results"} v1 lists and bare v2
// arrays with X-Total-Count, errors as {"code","message","status"}, and 429
// with Retry-After and X-RateLimit-* headers. The frame (devstack/emulator)
// adds faults, limits and the /__admin/ inspection API.
package jumpcloudemu

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// MaxLimit is the largest page JumpCloud answers ("Limited to 100").
const MaxLimit = 100

// Config configures the emulator.
type Config struct {
	// APIKey every request must carry in x-api-key. Empty accepts any.
	APIKey string
	// OrgID, when set, is the only x-org-id accepted (a request may omit
	// the header, as a single-organisation key may).
	OrgID string
}

// MFA is a user's mfa object (enforcement, not enrolment).
type MFA struct {
	Configured bool `json:"configured"`
	Exclusion  bool `json:"exclusion"`
}

// MFAEnrollment is the user's per-method enrolment status.
type MFAEnrollment struct {
	OverallStatus  string `json:"overallStatus"`
	TOTPStatus     string `json:"totpStatus"`
	PushStatus     string `json:"pushStatus"`
	WebAuthnStatus string `json:"webAuthnStatus"`
}

// User is a system user, with JumpCloud's field names.
type User struct {
	ID                 string        `json:"_id"`
	Username           string        `json:"username"`
	Email              string        `json:"email"`
	Firstname          string        `json:"firstname"`
	Lastname           string        `json:"lastname"`
	Displayname        string        `json:"displayname"`
	EmployeeIdentifier string        `json:"employeeIdentifier"`
	Department         string        `json:"department"`
	JobTitle           string        `json:"jobTitle"`
	Location           string        `json:"location"`
	CostCenter         string        `json:"costCenter"`
	EmployeeType       string        `json:"employeeType"`
	Manager            string        `json:"manager"`
	State              string        `json:"state"` // STAGED, ACTIVATED, SUSPENDED
	Activated          bool          `json:"activated"`
	Suspended          bool          `json:"suspended"`
	AccountLocked      bool          `json:"account_locked"`
	Sudo               bool          `json:"sudo"`
	PasswordlessSudo   bool          `json:"passwordless_sudo"`
	TOTPEnabled        bool          `json:"totp_enabled"`
	MFA                MFA           `json:"mfa"`
	MFAEnrollment      MFAEnrollment `json:"mfaEnrollment"`
	Organization       string        `json:"organization"`
	Created            time.Time     `json:"created"`
}

// Group is a user group.
type Group struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Sudo    bool            `json:"-"` // attributes.sudo.enabled
	Members map[string]bool `json:"-"`
}

// System is a device running the JumpCloud agent.
type System struct {
	ID          string          `json:"_id"`
	DisplayName string          `json:"displayName"`
	Hostname    string          `json:"hostname"`
	OS          string          `json:"os"`
	OSFamily    string          `json:"osFamily"`
	Active      bool            `json:"active"`
	MDMVendor   string          `json:"-"` // mdm.vendor: none, internal (JumpCloud MDM), external
	FDEActive   bool            `json:"-"` // fde.active
	Users       map[string]bool `json:"-"` // bound user ids
	// Locks counts builtin lock commands run on the device.
	Locks int `json:"-"`
}

// Emulator is the JumpCloud emulator; it embeds the frame's *emulator.Server.
type Emulator struct {
	*emulator.Server
	cfg Config
	// logKeep (SetLogRetention): older log events are not returned.
	logKeep time.Duration

	mu      sync.RWMutex
	seq     int
	users   map[string]*User
	uorder  []string
	groups  map[string]*Group
	gorder  []string
	systems map[string]*System
	sorder  []string
	org     string
	events  []Event
	evSeq   int
}

// New builds an emulator; Start("127.0.0.1:0") serves it.
func New(cfg Config) *Emulator {
	e := &Emulator{cfg: cfg, users: map[string]*User{}, groups: map[string]*Group{}, systems: map[string]*System{}}
	e.org = cfg.OrgID
	if e.org == "" {
		e.org = "5f0c1a2b3c4d5e6f7a8b9c0d"
	}
	e.Server = emulator.New(e)
	return e
}

// newID is a 24-hex-digit ObjectId, as JumpCloud's ids are.
func (e *Emulator) newID(kind byte) string {
	e.seq++
	return fmt.Sprintf("%02x%022x", kind, e.seq)
}

// Family names the endpoint family of a request, for counts and limits.
func (e *Emulator) Family(r *http.Request) string {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/api/systemusers"):
		return "systemusers"
	case strings.HasPrefix(p, "/api/systems/"):
		return "systems"
	case strings.HasPrefix(p, "/api/v2/usergroups"):
		return "usergroups"
	case strings.HasPrefix(p, "/api/v2/"):
		return "graph"
	case strings.HasPrefix(p, "/insights/"):
		return "insights"
	}
	return "other"
}

// errorBody is JumpCloud's Error schema.
type errorBody struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

// statusWord is the status description JumpCloud puts beside the code.
func statusWord(code int) string {
	switch code {
	case 400:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ALREADY_EXISTS"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 503:
		return "UNAVAILABLE"
	}
	return "INTERNAL"
}

func writeError(w http.ResponseWriter, code int, msg string) {
	emulator.WriteJSON(w, code, errorBody{Code: code, Message: msg, Status: statusWord(code)})
}

// Throttled writes the 429 with its delay.
func (e *Emulator) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, reset time.Time) {
	h := w.Header()
	h.Set("Retry-After", emulator.RetryAfterSeconds(retryAfter))
	h.Set("X-RateLimit-Remaining", "0")
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	writeError(w, http.StatusTooManyRequests, "Too Many Requests")
}

// Failed writes JumpCloud's answer for an injected status.
func (e *Emulator) Failed(w http.ResponseWriter, r *http.Request, status int) {
	writeError(w, status, http.StatusText(status))
}

// WriteRateHeaders implements emulator.RateHeaders when a limit is set.
func (e *Emulator) WriteRateHeaders(w http.ResponseWriter, limit, remaining int, reset time.Time) {
	h := w.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
}

// Authorized checks x-api-key and, when sent, x-org-id.
func (e *Emulator) Authorized(w http.ResponseWriter, r *http.Request) bool {
	key := r.Header.Get("x-api-key")
	if key == "" || (e.cfg.APIKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(e.cfg.APIKey)) != 1) {
		writeError(w, http.StatusUnauthorized, "Unauthorized")
		return false
	}
	if org := r.Header.Get("x-org-id"); org != "" && e.cfg.OrgID != "" && org != e.cfg.OrgID {
		writeError(w, http.StatusUnauthorized, "Unauthorized: the API key has no access to organization "+org)
		return false
	}
	return true
}

// Snapshot is GET /__admin/state.
func (e *Emulator) Snapshot() any {
	e.mu.RLock()
	defer e.mu.RUnlock()
	type g struct {
		ID, Name string
		Members  int
	}
	var groups []g
	for _, id := range e.gorder {
		gr := e.groups[id]
		groups = append(groups, g{gr.ID, gr.Name, len(gr.Members)})
	}
	return map[string]any{"users": len(e.users), "groups": groups, "systems": len(e.systems)}
}

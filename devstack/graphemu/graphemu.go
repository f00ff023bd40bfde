// Package graphemu is a loopback emulator of the Microsoft Graph v1.0 slice
// jml uses (users, groups, licenses, PIM role assignments, Intune devices,
// authentication methods, audit logs; from beta, per-user MFA). It speaks the real wire format closely
// enough that msgraph-sdk-go runs against it unchanged: gzip request bodies,
// ODataError bodies with innerError, @odata.type on polymorphic items and
// absolute @odata.nextLink built from the request's own host.
//
// Point the SDK at it by setting the adapter's base URL to URL()+"/v1.0"
// before NewGraphServiceClient.
package graphemu

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Config configures the emulator.
type Config struct {
	// Token is the bearer token every request must carry. Empty accepts any
	// non-empty bearer token.
	Token string
	// PageSize is the server's page size cap ($top above it is cut); 0 means 100.
	PageSize int
}

// User is a user as the emulator holds it.
type User struct {
	ID                            string
	UserPrincipalName             string
	DisplayName                   string
	GivenName                     string
	Surname                       string
	Mail                          string
	MailNickname                  string
	EmployeeID                    string
	EmployeeType                  string
	Department                    string
	JobTitle                      string
	OfficeLocation                string
	UsageLocation                 string
	CompanyName                   string
	CostCenter                    string
	AccountEnabled                bool
	ManagerID                     string
	Licenses                      []string // skuIds
	CreatedDateTime               time.Time
	HasPassword                   bool // the password itself is never kept
	ForceChangePasswordNextSignIn bool
	SessionsRevoked               int
	SessionsRevokedAt             time.Time
	MFA                           bool
	// OnPremises is set for a user Entra Connect syncs from AD (synced.go):
	// Graph then refuses writes to the attributes AD masters.
	OnPremises *OnPremises
}

// Group is a security group.
type Group struct {
	ID          string
	DisplayName string
	Mail        string
	Members     []string // user ids, in order added
	// OnPremises: a group Entra Connect syncs from AD; its members are
	// AD's, so Graph refuses membership writes (synced.go).
	OnPremises bool
}

// RoleDefinition is a built-in directory role.
type RoleDefinition struct {
	ID          string
	DisplayName string
	Description string
}

// RoleAssignment is an active directory role assignment.
type RoleAssignment struct {
	ID               string
	PrincipalID      string
	RoleDefinitionID string
	RoleName         string
	DirectoryScopeID string
	Start            time.Time
	End              time.Time // zero: no expiry
}

// Active reports whether the assignment is in force at t.
func (a RoleAssignment) Active(t time.Time) bool { return a.End.IsZero() || t.Before(a.End) }

// Device is an Intune managed device.
type Device struct {
	ID              string
	DeviceName      string
	UserID          string
	UPN             string
	OperatingSystem string
	OSVersion       string
	ComplianceState string // compliant, noncompliant, ...
	ManagementState string // managed, retirePending
	EnrolledAt      time.Time
	LastSync        time.Time
}

// Retired reports whether a retire was issued for the device.
func (d Device) Retired() bool {
	return d.ManagementState == "retirePending" || d.ManagementState == "retireIssued"
}

// SignIn is one sign-in log entry.
type SignIn struct {
	ID          string
	Time        time.Time
	UserID      string
	UPN         string
	DisplayName string
	App         string
	IP          string
	ErrorCode   int
	Failure     string
	DeviceID    string
	Compliant   bool
	// ClientApp is clientAppUsed (empty: Browser); legacy protocols are
	// IMAP4, POP3, Authenticated SMTP, Exchange ActiveSync, Other clients.
	ClientApp string
	// MFA: the sign-in satisfied MFA (authenticationRequirement).
	MFA bool
}

// Audit is one directoryAudit entry.
type Audit struct {
	ID          string
	Time        time.Time
	Category    string
	Activity    string
	Operation   string
	Result      string
	TargetID    string
	TargetUPN   string
	TargetType  string
	Modified    string // short detail (group name, role name, property)
	InitiatedBy string
}

// Sku is a subscribed license.
type Sku struct {
	SkuID         string
	SkuPartNumber string
	Prepaid       int
}

// Emulator is the Graph emulator.
type Emulator struct {
	*emulator.Server
	cfg Config

	mu       sync.RWMutex
	offset   time.Duration // test clock skew added to the wall clock
	logKeep  time.Duration // SetLogRetention: older sign-ins and audits are not returned
	domain   string
	users    map[string]*User // by id
	byUPN    map[string]string
	userList []string // ids in creation order
	groups   map[string]*Group
	groupIDs []string
	skus     []Sku
	roleDefs []RoleDefinition
	assigns  []*RoleAssignment
	requests []map[string]any
	devices  map[string]*Device
	devIDs   []string
	signIns  []SignIn
	audits   []Audit
	sps      map[string]*ServicePrincipal // service principals (sweep.go)
	spIDs    []string
	sync     *syncer // Entra Connect's loop, when StartSync ran
	// posture (conditionalaccess.go): CA policies in Graph's shape, in
	// creation order, and authentication methods set through SetAuthMethods.
	caPolicies []map[string]any
	methods    map[string][]string
	perUser    map[string]string // per-user MFA state by user id (peruser.go)
}

// New returns an emulator with no users; call Seed, then Start.
func New(cfg Config) *Emulator {
	if cfg.PageSize <= 0 {
		cfg.PageSize = 100
	}
	e := &Emulator{
		cfg:     cfg,
		users:   map[string]*User{},
		byUPN:   map[string]string{},
		groups:  map[string]*Group{},
		devices: map[string]*Device{},
	}
	e.roleDefs = builtinRoles()
	e.Server = emulator.New(graphAPI{e})
	return e
}

// builtinRoles are real Entra role template ids, so catalog names resolve the
// way they do in a tenant.
func builtinRoles() []RoleDefinition {
	return []RoleDefinition{
		{"62e90394-69f5-4237-9190-012177145e10", "Global Administrator", "Can manage all aspects of Microsoft Entra ID and Microsoft services that use Microsoft Entra identities."},
		{"fe930be7-5e62-47db-91af-98c3a49a38b1", "User Administrator", "Can manage all aspects of users and groups, including resetting passwords for limited admins."},
		{"729827e3-9c14-49f7-bb1b-9608f156bbb8", "Helpdesk Administrator", "Can reset passwords for non-administrators and Helpdesk Administrators."},
		{"194ae4cb-b126-40b2-bd5b-6091b380977d", "Security Administrator", "Can read security information and reports, and manage configuration in Microsoft Entra ID and Office 365."},
		{"fdd7a751-b60b-444a-984c-02652fe8fa1c", "Groups Administrator", "Members of this role can create/manage groups, create/manage groups settings like naming and expiration policies, and view groups activity and audit reports."},
		{"e8611ab8-c189-46e8-94e1-60213ab1f814", "Privileged Role Administrator", "Can manage role assignments in Microsoft Entra ID, and all aspects of Privileged Identity Management."},
		{"29232cdf-9323-42fd-ade2-1d097af3e4de", "Exchange Administrator", "Can manage all aspects of the Exchange product."},
		{"f2ef992c-3afb-46b9-b7cf-a126ee74c451", "Global Reader", "Can read everything that a Global Administrator can, but not update anything."},
		{"3a2c62db-5318-420d-8d74-23affee5d9d5", "Intune Administrator", "Can manage all aspects of the Intune product."},
	}
}

// Now is the emulator's clock: the wall clock plus any Advance.
func (e *Emulator) Now() time.Time {
	e.mu.RLock()
	d := e.offset
	e.mu.RUnlock()
	return time.Now().UTC().Add(d)
}

func (e *Emulator) nowLocked() time.Time { return time.Now().UTC().Add(e.offset) }

// Advance moves the emulator's clock forward, so a test can see a PIM
// assignment expire without sleeping.
func (e *Emulator) Advance(d time.Duration) {
	e.mu.Lock()
	e.offset += d
	e.mu.Unlock()
}

// graphAPI is what the emulator frame calls. It is a separate type so that
// Emulator keeps the frame's own Throttled() count and ServeHTTP, and the
// frame's fallback to an http.Handler for extra admin routes cannot loop
// back into the frame.
type graphAPI struct{ e *Emulator }

// Family is the first path segment after /v1.0 or /beta (users, groups, ...).
func (graphAPI) Family(r *http.Request) string {
	p := strings.TrimPrefix(strings.TrimPrefix(r.URL.Path, "/v1.0/"), "/beta/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	if p == "" {
		return "root"
	}
	return p
}

// Throttled answers 429 the way Graph does: Retry-After in seconds and an
// ODataError with code TooManyRequests.
func (graphAPI) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, _ time.Time) {
	s := emulator.RetryAfterSeconds(retryAfter)
	w.Header().Set("Retry-After", s)
	writeError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry after "+s+" seconds.")
}

// Failed answers an injected status with Graph's usual code and message.
func (graphAPI) Failed(w http.ResponseWriter, r *http.Request, status int) {
	code, msg := "generalException", "An internal server error occurred."
	switch status {
	case 400:
		code, msg = "Request_BadRequest", "Invalid request."
	case 401:
		code, msg = "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."
	case 403:
		code, msg = "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
	case 404:
		code, msg = "Request_ResourceNotFound", "Resource not found."
	case 409:
		code, msg = "Request_Conflict", "Conflict."
	case 503:
		code, msg = "serviceNotAvailable", "The service is temporarily unavailable. Please retry later."
	case 504:
		code, msg = "gatewayTimeout", "The gateway timed out."
	}
	writeError(w, r, status, code, msg)
}

// Authorized checks the bearer token.
func (a graphAPI) Authorized(w http.ResponseWriter, r *http.Request) bool {
	e := a.e
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is empty.")
		return false
	}
	if e.cfg.Token != "" && tok != e.cfg.Token {
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid signature.")
		return false
	}
	return true
}

// Snapshot is the state for GET /__admin/state.
func (a graphAPI) Snapshot() any {
	e := a.e
	e.mu.RLock()
	defer e.mu.RUnlock()
	now := e.nowLocked()
	active := 0
	for _, a := range e.assigns {
		if a.Active(now) {
			active++
		}
	}
	return map[string]any{
		"users":           len(e.users),
		"groups":          len(e.groups),
		"devices":         len(e.devices),
		"roleAssignments": active,
		"signIns":         len(e.signIns),
		"directoryAudits": len(e.audits),
		"now":             now,
	}
}

// ServeAPI serves an authorised request.
func (a graphAPI) ServeAPI(w http.ResponseWriter, r *http.Request) { a.e.serveAPI(w, r) }

// ServeHTTP serves the emulator's own admin route:
// POST /__admin/advance?by=2h moves the clock (PIM expiry without waiting).
func (a graphAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == emulator.AdminPrefix+"advance" && r.Method == http.MethodPost {
		d, err := time.ParseDuration(r.URL.Query().Get("by"))
		if err != nil || d < 0 {
			emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "by must be a non-negative Go duration, e.g. 2h"})
			return
		}
		a.e.Advance(d)
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"now": a.e.Now()})
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, emulator.AdminPrefix+"conditionalAccess/policies/"); ok && r.Method == http.MethodPatch {
		a.e.serveAdminCA(w, r, id) // conditionalaccess.go: a policy changed without a token (jml dev)
		return
	}
	if r.URL.Path == emulator.AdminPrefix+"sync" && r.Method == http.MethodPost {
		a.e.serveSyncNow(w, r)
		return
	}
	emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "unknown admin route " + r.URL.Path})
}

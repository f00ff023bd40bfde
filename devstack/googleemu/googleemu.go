// Package googleemu emulates the Google Workspace Admin SDK Directory v1 and
// Reports v1 APIs closely enough that google.golang.org/api's admin/directory
// and admin/reports clients work against it unchanged (endpoint and HTTP
// client aside). It keeps users, groups, members, roles, role assignments,
// mobile devices, OAuth tokens and audit/login activities in memory, answers
// errors in Google's {"error":{code,message,errors[],status}} shape, and sits
// in the common emulator frame for request logs, rate limits and faults.
package googleemu

import (
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

const (
	directoryPrefix = "/admin/directory/v1/"
	reportsPrefix   = "/admin/reports/v1/"
	adminActor      = "jml-admin"
)

// Config configures the emulator.
type Config struct {
	// Token is the bearer token every call must carry.
	Token string
	// PageSize caps every page (tests use 2 to force paging); 0 keeps
	// Google's own defaults and maxima per list.
	PageSize int
	// Customer is the customer id (besides "my_customer"); default C03jmldemo.
	Customer string
	// Domain is the primary domain; Seed sets it from the organisation.
	Domain string
	// ThrottleStatus is how a throttled call is answered: 403 with reason
	// userRateLimitExceeded (the default, what the Directory API mostly
	// sends) or 429 with reason rateLimitExceeded.
	ThrottleStatus int
}

// Emulator is the Google Admin SDK emulator.
type Emulator struct {
	*emulator.Server
	cfg Config
	// logKeep (SetLogRetention): older log events are not returned.
	logKeep time.Duration

	mu         sync.RWMutex
	seq        int64
	now        func() time.Time
	users      map[string]*User // by id
	byEmail    map[string]string
	userOrder  []string // ids in creation order
	groups     map[string]*groupState
	groupOrder []string
	roles      []*Role
	assigns    map[string]*RoleAssignment
	assignOrd  []string
	devices    map[string]*MobileDevice
	deviceOrd  []string
	tokens     map[string][]Token // by user id
	signedOut  map[string]int     // by user id
	activities map[string][]*Activity
	throttled  int
}

type groupState struct {
	Group
	members map[string]*Member // by user id
	order   []string
}

// New builds an empty emulator; call Seed, then Start.
func New(cfg Config) *Emulator {
	if cfg.Customer == "" {
		cfg.Customer = "C03jmldemo"
	}
	if cfg.ThrottleStatus == 0 {
		cfg.ThrottleStatus = http.StatusForbidden
	}
	e := &Emulator{
		cfg:        cfg,
		now:        time.Now,
		users:      map[string]*User{},
		byEmail:    map[string]string{},
		groups:     map[string]*groupState{},
		assigns:    map[string]*RoleAssignment{},
		devices:    map[string]*MobileDevice{},
		tokens:     map[string][]Token{},
		signedOut:  map[string]int{},
		activities: map[string][]*Activity{},
	}
	e.roles = systemRoles()
	e.Server = emulator.New(e)
	return e
}

// Customer is the emulator's customer id.
func (e *Emulator) Customer() string { return e.cfg.Customer }

// Domain is the primary domain.
func (e *Emulator) Domain() string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.cfg.Domain
}

// Endpoint is the base URL to give option.WithEndpoint (with its trailing slash).
func (e *Emulator) Endpoint() string { return e.URL() + "/" }

func systemRoles() []*Role {
	mk := func(id int64, name, desc string, super bool) *Role {
		return &Role{Kind: "admin#directory#role", RoleID: strconv.FormatInt(id, 10), RoleName: name, RoleDescription: desc, IsSystemRole: true, IsSuperAdminRole: super}
	}
	return []*Role{
		mk(91447453409034241, "_SEED_ADMIN_ROLE", "Super Admin", true),
		mk(91447453409034242, "_GROUPS_ADMIN_ROLE", "Groups Administrator", false),
		mk(91447453409034243, "_USER_MANAGEMENT_ADMIN_ROLE", "User Management Administrator", false),
		mk(91447453409034244, "_HELP_DESK_ADMIN_ROLE", "Help Desk Administrator", false),
		mk(91447453409034245, "_SERVICE_ADMIN_ROLE", "Services Administrator", false),
		mk(91447453409034246, "_MOBILE_ADMIN_ROLE", "Mobile Administrator", false),
	}
}

func (e *Emulator) nextID() int64 { e.seq++; return e.seq }

func (e *Emulator) etag() string { return fmt.Sprintf("\"etag-%d\"", e.nextID()) }

func rfc3339(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Seed loads the demo organisation: one user per employee (not joiners),
// the groups and memberships, the standing admin roles, one mobile device
// and one OAuth token per employee, and a login event per employee.
func (e *Emulator) Seed(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if org.Domain != "" {
		e.cfg.Domain = org.Domain
	}
	now := e.now()
	created := time.Date(2024, 1, 8, 9, 0, 0, 0, time.UTC)
	emailOf := map[string]string{}
	for _, emp := range org.Employees {
		emailOf[emp.EmployeeID] = emp.Email
	}
	for _, name := range org.Groups {
		e.addGroup(name)
	}
	for i, emp := range org.Employees {
		u := &User{
			PrimaryEmail:    emp.Email,
			Name:            Name{GivenName: emp.GivenName, FamilyName: emp.FamilyName},
			ExternalIDs:     []ExternalID{{Type: "organization", Value: emp.EmployeeID}},
			Organizations:   []Organization{{Department: emp.Department, Title: emp.Title, CostCenter: emp.CostCenter, Primary: true, Type: "work"}},
			Locations:       []Location{{Type: "desk", Area: emp.Location, BuildingID: emp.Location}},
			OrgUnitPath:     "/" + emp.Department,
			IsEnrolledIn2Sv: emp.MFA,
		}
		if m := emailOf[emp.ManagerEmployeeID]; m != "" {
			u.Relations = []Relation{{Type: "manager", Value: m}}
		}
		e.insertUser(u, created)
		u.LastLoginTime = rfc3339(now.Add(-time.Duration(i+1) * time.Minute))
		for _, g := range emp.Groups {
			if gs := e.groupByKey(g); gs != nil {
				e.addMember(gs, u)
			}
		}
		for _, rn := range emp.AdminRoles {
			r := e.roleByName(rn)
			if r == nil {
				r = &Role{Kind: "admin#directory#role", RoleID: strconv.FormatInt(91447453409100000+e.nextID(), 10), RoleName: rn, RoleDescription: rn + " (custom role)"}
				e.roles = append(e.roles, r)
			}
			e.assign(r.RoleID, u.ID)
		}
		d := &MobileDevice{
			Kind: "admin#directory#mobiledevice", Etag: e.etag(),
			ResourceID: fmt.Sprintf("AFiQxQ8%010d", i+1), DeviceID: fmt.Sprintf("android-%06d", i+1),
			Name: []string{u.Name.GivenName + " " + u.Name.FamilyName}, Email: []string{u.PrimaryEmail},
			Model: "Pixel 8", OS: "Android 14", Type: "ANDROID", Status: "APPROVED",
			DeviceCompromisedStatus: "No compromise detected", EncryptionStatus: "Encrypted", DevicePasswordStatus: "On",
			FirstSync: rfc3339(created), LastSync: rfc3339(now.Add(-time.Hour)),
		}
		if i%2 == 1 {
			d.Model, d.OS, d.Type, d.DeviceID = "iPhone 15", "iOS 17.5", "IOS_SYNC", fmt.Sprintf("ios-%06d", i+1)
		}
		if !emp.DeviceOK {
			d.Status, d.DeviceCompromisedStatus = "BLOCKED", "Compromise detected"
		}
		e.devices[d.ResourceID] = d
		e.deviceOrd = append(e.deviceOrd, d.ResourceID)
		e.tokens[u.ID] = []Token{{Kind: "admin#directory#token", Etag: e.etag(), ClientID: "292824132082.apps.googleusercontent.com", DisplayText: "Google Drive for desktop", Scopes: []string{"https://www.googleapis.com/auth/drive"}, UserKey: u.ID, NativeApp: true}}
		at := now.Add(-time.Duration(i+1) * time.Minute)
		e.addActivity("login", at, u.PrimaryEmail, u.ID, "203.0.113."+strconv.Itoa(i%250+1), ActivityEvent{Type: "login", Name: "login_success", Parameters: []Parameter{{Name: "login_type", Value: "google_password"}}})
		if emp.EmployeeID != "" && (i+1)%13 == 0 {
			e.addActivity("login", at.Add(-30*time.Second), u.PrimaryEmail, u.ID, "198.51.100.7", ActivityEvent{Type: "login", Name: "login_failure", Parameters: []Parameter{{Name: "login_type", Value: "google_password"}, {Name: "login_failure_type", Value: "login_failure_invalid_password"}}})
		}
	}
}

// insertUser fills server-side fields and indexes u. Caller holds mu.
func (e *Emulator) insertUser(u *User, created time.Time) {
	n := e.nextID()
	u.Kind = "admin#directory#user"
	u.ID = fmt.Sprintf("1%020d", n)
	u.Etag = e.etag()
	u.CreationTime = rfc3339(created)
	u.LastLoginTime = "1970-01-01T00:00:00.000Z"
	u.AgreedToTerms = true
	u.IsMailboxSetup = true
	u.IncludeInGlobalAddressList = true
	u.CustomerID = e.cfg.Customer
	if u.OrgUnitPath == "" {
		u.OrgUnitPath = "/"
	}
	u.Name.FullName = strings.TrimSpace(u.Name.GivenName + " " + u.Name.FamilyName)
	u.Emails = []Email{{Address: u.PrimaryEmail, Primary: true}}
	e.users[u.ID] = u
	e.byEmail[strings.ToLower(u.PrimaryEmail)] = u.ID
	e.userOrder = append(e.userOrder, u.ID)
}

func (e *Emulator) addGroup(name string) *groupState {
	email := strings.ToLower(name)
	if !strings.Contains(email, "@") {
		email += "@" + e.cfg.Domain
	}
	if gs := e.groups[email]; gs != nil {
		return gs
	}
	local := email[:strings.IndexByte(email, '@')]
	gs := &groupState{Group: Group{Kind: "admin#directory#group", ID: fmt.Sprintf("03ep43z%08x", e.nextID()), Etag: e.etag(), Email: email, Name: local, AdminCreated: true, DirectMembersCount: "0"}, members: map[string]*Member{}}
	e.groups[email] = gs
	e.groupOrder = append(e.groupOrder, email)
	return gs
}

// groupByKey finds a group by email, id or bare name. Caller holds mu.
func (e *Emulator) groupByKey(key string) *groupState {
	k := strings.ToLower(key)
	if gs := e.groups[k]; gs != nil {
		return gs
	}
	if gs := e.groups[k+"@"+e.cfg.Domain]; gs != nil && !strings.Contains(k, "@") {
		return gs
	}
	for _, gs := range e.groups {
		if gs.ID == key {
			return gs
		}
	}
	return nil
}

func (e *Emulator) addMember(gs *groupState, u *User) *Member {
	m := &Member{Kind: "admin#directory#member", Etag: e.etag(), ID: u.ID, Email: u.PrimaryEmail, Role: "MEMBER", Type: "USER", Status: "ACTIVE"}
	gs.members[u.ID] = m
	gs.order = append(gs.order, u.ID)
	gs.DirectMembersCount = strconv.Itoa(len(gs.members))
	return m
}

func (e *Emulator) removeMember(gs *groupState, id string) {
	delete(gs.members, id)
	for i, x := range gs.order {
		if x == id {
			gs.order = append(gs.order[:i:i], gs.order[i+1:]...)
			break
		}
	}
	gs.DirectMembersCount = strconv.Itoa(len(gs.members))
}

func (e *Emulator) roleByName(name string) *Role {
	for _, r := range e.roles {
		if r.RoleName == name {
			return r
		}
	}
	return nil
}

func (e *Emulator) roleByID(id string) *Role {
	for _, r := range e.roles {
		if r.RoleID == id {
			return r
		}
	}
	return nil
}

// assign assigns the role to a user, or to a group (assigneeType
// "group") when the id is a group's. Caller holds mu.
func (e *Emulator) assign(roleID, principalID string) *RoleAssignment {
	ra := &RoleAssignment{Kind: "admin#directory#roleAssignment", Etag: e.etag(), RoleAssignmentID: strconv.FormatInt(91447453409200000+e.nextID(), 10), RoleID: roleID, AssignedTo: principalID, AssigneeType: "user", ScopeType: "CUSTOMER"}
	if e.users[principalID] == nil && e.groupByKey(principalID) != nil {
		ra.AssigneeType = "group"
	}
	e.assigns[ra.RoleAssignmentID] = ra
	e.assignOrd = append(e.assignOrd, ra.RoleAssignmentID)
	e.refreshAdmin(principalID)
	return ra
}

// refreshAdmin recomputes a user's isAdmin (holds the super admin role)
// and isDelegatedAdmin (holds another admin role) from their direct
// assignments, as Google does. Caller holds mu.
func (e *Emulator) refreshAdmin(userID string) {
	u := e.users[userID]
	if u == nil {
		return
	}
	u.IsAdmin, u.IsDelegatedAdmin = false, false
	for _, id := range e.assignOrd {
		ra := e.assigns[id]
		if ra == nil || ra.AssignedTo != userID {
			continue
		}
		if ro := e.roleByID(ra.RoleID); ro != nil && ro.IsSuperAdminRole {
			u.IsAdmin = true
		} else {
			u.IsDelegatedAdmin = true
		}
	}
}

func (e *Emulator) addActivity(app string, at time.Time, actorEmail, actorID, ip string, ev ActivityEvent) {
	a := &Activity{
		Kind:      "admin#reports#activity",
		ID:        ActivityID{Time: rfc3339(at), UniqueQualifier: strconv.FormatInt(-5000000000000000000+e.nextID(), 10), ApplicationName: app, CustomerID: e.cfg.Customer},
		Etag:      e.etag(),
		Actor:     ActivityActor{CallerType: "USER", Email: actorEmail, ProfileID: actorID},
		IPAddress: ip,
		Events:    []ActivityEvent{ev},
		time:      at,
	}
	e.activities[app] = append(e.activities[app], a)
}

// audit records an admin event for one of the emulator's own mutations.
// Caller holds mu.
func (e *Emulator) audit(typ, name string, params ...string) {
	ev := ActivityEvent{Type: typ, Name: name}
	for i := 0; i+1 < len(params); i += 2 {
		ev.Parameters = append(ev.Parameters, Parameter{Name: params[i], Value: params[i+1]})
	}
	e.addActivity("admin", e.now(), adminActor+"@"+e.cfg.Domain, "100000000000000000000", "127.0.0.1", ev)
}

// userByKey finds a user by id or primary email. Caller holds mu.
func (e *Emulator) userByKey(key string) *User {
	if u := e.users[key]; u != nil {
		return u
	}
	if id, ok := e.byEmail[strings.ToLower(key)]; ok {
		return e.users[id]
	}
	return nil
}

// --- emulator.API ---

// Family names the endpoint family of a request.
func (e *Emulator) Family(r *http.Request) string {
	p := r.URL.Path
	if strings.HasPrefix(p, reportsPrefix) {
		return "reports"
	}
	if !strings.HasPrefix(p, directoryPrefix) {
		return "other"
	}
	seg := strings.Split(strings.Trim(strings.TrimPrefix(p, directoryPrefix), "/"), "/")
	switch seg[0] {
	case "users":
		if len(seg) >= 3 && seg[2] == "tokens" {
			return "tokens"
		}
		return "users"
	case "groups":
		if len(seg) >= 3 && (seg[2] == "members" || seg[2] == "hasMember") {
			return "members"
		}
		return "groups"
	case "customer":
		if len(seg) >= 3 {
			switch seg[2] {
			case "roles":
				return "roles"
			case "roleassignments":
				return "roleassignments"
			case "devices":
				return "devices"
			}
		}
	}
	return "other"
}

// Throttled answers 403 userRateLimitExceeded (or 429 rateLimitExceeded when
// configured). Google sends no Retry-After here.
func (e *Emulator) Throttled(w http.ResponseWriter, r *http.Request, retryAfter time.Duration, reset time.Time) {
	e.mu.Lock()
	e.throttled++
	e.mu.Unlock()
	if e.cfg.ThrottleStatus == http.StatusTooManyRequests {
		writeError(w, http.StatusTooManyRequests, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded")
		return
	}
	writeError(w, http.StatusForbidden, "usageLimits", "userRateLimitExceeded", "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute per user' of service 'admin.googleapis.com'.")
}

// Failed answers an injected failure the way Google does for that status.
func (e *Emulator) Failed(w http.ResponseWriter, r *http.Request, status int) {
	switch status {
	case http.StatusBadRequest:
		writeError(w, status, "global", "invalid", "Invalid Input")
	case http.StatusForbidden:
		writeError(w, status, "global", "forbidden", "Not Authorized to access this resource/api")
	case http.StatusNotFound:
		writeError(w, status, "global", "notFound", "Resource Not Found")
	case http.StatusConflict:
		writeError(w, status, "global", "duplicate", "Entity already exists.")
	case http.StatusTooManyRequests:
		writeError(w, status, "usageLimits", "rateLimitExceeded", "Rate Limit Exceeded")
	case http.StatusServiceUnavailable:
		writeError(w, status, "global", "backendError", "The service is currently unavailable.")
	default:
		writeError(w, status, "global", "backendError", "Backend Error")
	}
}

// Authorized checks Authorization: Bearer <Token>.
func (e *Emulator) Authorized(w http.ResponseWriter, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if ok && e.cfg.Token != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(e.cfg.Token)) == 1 {
		return true
	}
	w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/", error="invalid_token"`)
	writeErrorItem(w, http.StatusUnauthorized, "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
		errItem{Domain: "global", Reason: "authError", Message: "Invalid Credentials", Location: "Authorization", LocationType: "header"})
	return false
}

// Snapshot summarises the state for GET /__admin/state.
func (e *Emulator) Snapshot() any {
	e.mu.RLock()
	defer e.mu.RUnlock()
	type userRow struct {
		ID           string `json:"id"`
		PrimaryEmail string `json:"primaryEmail"`
		EmployeeID   string `json:"employeeId,omitempty"`
		Suspended    bool   `json:"suspended"`
		SignedOut    int    `json:"signedOut,omitempty"`
	}
	users := make([]userRow, 0, len(e.userOrder))
	for _, id := range e.userOrder {
		u := e.users[id]
		users = append(users, userRow{u.ID, u.PrimaryEmail, u.EmployeeID(), u.Suspended, e.signedOut[id]})
	}
	groups := map[string]int{}
	for k, g := range e.groups {
		groups[k] = len(g.members)
	}
	return map[string]any{
		"customer": e.cfg.Customer, "domain": e.cfg.Domain,
		"users": users, "groups": groups,
		"roleAssignments": len(e.assigns), "mobileDevices": len(e.devices),
		"loginEvents": len(e.activities["login"]), "adminEvents": len(e.activities["admin"]),
		"throttled": e.throttled,
	}
}

// --- errors ---

type errItem struct {
	Domain       string `json:"domain"`
	Reason       string `json:"reason"`
	Message      string `json:"message"`
	Location     string `json:"location,omitempty"`
	LocationType string `json:"locationType,omitempty"`
}

var statusWord = map[int]string{
	400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
	409: "ALREADY_EXISTS", 412: "FAILED_PRECONDITION", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE",
}

func writeError(w http.ResponseWriter, code int, domain, reason, msg string) {
	writeErrorItem(w, code, msg, errItem{Domain: domain, Reason: reason, Message: msg})
}

func writeErrorItem(w http.ResponseWriter, code int, msg string, item errItem) {
	st := statusWord[code]
	if st == "" {
		st = "UNKNOWN"
	}
	emulator.WriteJSON(w, code, map[string]any{"error": map[string]any{
		"code": code, "message": msg, "errors": []errItem{item}, "status": st,
	}})
}

func notFound(w http.ResponseWriter, what string) {
	writeError(w, http.StatusNotFound, "global", "notFound", "Resource Not Found: "+what)
}

func badRequest(w http.ResponseWriter, msg string) {
	writeError(w, http.StatusBadRequest, "global", "invalid", msg)
}

// --- paging ---

// pageSize picks the page size: maxResults within the family's maximum,
// and never above Config.PageSize when set.
func (e *Emulator) pageSize(r *http.Request, def, maxAllowed int) (int, bool) {
	n := def
	if v := r.URL.Query().Get("maxResults"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 {
			return 0, false
		}
		n = min(m, maxAllowed)
	}
	if e.cfg.PageSize > 0 && n > e.cfg.PageSize {
		n = e.cfg.PageSize
	}
	return n, true
}

// page cuts [offset, offset+size) out of total items and returns the bounds
// and the next page token ("" on the last page). Tokens are opaque offsets.
func page(r *http.Request, total, size int) (lo, hi int, next string, ok bool) {
	if tok := r.URL.Query().Get("pageToken"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || !strings.HasPrefix(string(b), "o:") {
			return 0, 0, "", false
		}
		lo, err = strconv.Atoi(string(b[2:]))
		if err != nil || lo < 0 {
			return 0, 0, "", false
		}
	}
	lo = min(lo, total)
	hi = min(lo+size, total)
	if hi < total {
		next = base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(hi)))
	}
	return lo, hi, next, true
}

// pagedWrite pages items and writes {kind, etag, <field>: page, nextPageToken}.
func pagedWrite[T any](e *Emulator, w http.ResponseWriter, r *http.Request, kind, field string, items []T, def, maxAllowed int) {
	size, ok := e.pageSize(r, def, maxAllowed)
	if !ok {
		badRequest(w, "Invalid Input: maxResults")
		return
	}
	lo, hi, next, ok := page(r, len(items), size)
	if !ok {
		badRequest(w, "Invalid Input: pageToken")
		return
	}
	out := map[string]any{"kind": kind, "etag": "\"list\"", field: items[lo:hi]}
	if next != "" {
		out["nextPageToken"] = next
	}
	emulator.WriteJSON(w, http.StatusOK, out)
}

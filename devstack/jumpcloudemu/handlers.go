package jumpcloudemu

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// ServeAPI routes an authorised request.
func (e *Emulator) ServeAPI(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/insights/directory/v1/events" && r.Method == http.MethodPost {
		e.insightsEvents(w, r)
		return
	}
	seg := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(seg) < 2 || seg[0] != "api" {
		writeError(w, http.StatusNotFound, "Not Found")
		return
	}
	seg = seg[1:]
	m := r.Method
	switch {
	case seg[0] == "systemusers" && len(seg) == 1 && m == http.MethodGet:
		e.listUsers(w, r)
	case seg[0] == "systemusers" && len(seg) == 1 && m == http.MethodPost:
		e.createUser(w, r)
	case seg[0] == "systemusers" && len(seg) == 2 && m == http.MethodGet:
		e.withUser(w, seg[1], func(u *User) { emulator.WriteJSON(w, http.StatusOK, u) })
	case seg[0] == "systemusers" && len(seg) == 2 && m == http.MethodPut:
		e.putUser(w, r, seg[1])
	case seg[0] == "systemusers" && len(seg) == 2 && m == http.MethodDelete:
		e.deleteUser(w, seg[1])
	case seg[0] == "systemusers" && len(seg) == 4 && seg[2] == "state" && seg[3] == "activate" && m == http.MethodPost:
		e.activate(w, seg[1])
	case seg[0] == "systems" && len(seg) == 2 && m == http.MethodGet:
		e.getSystem(w, seg[1])
	case seg[0] == "systems" && len(seg) == 5 && seg[2] == "command" && seg[3] == "builtin" && seg[4] == "lock" && m == http.MethodPost:
		e.lock(w, seg[1])
	case seg[0] == "v2" && len(seg) >= 2:
		e.serveV2(w, r, seg[1:])
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

func (e *Emulator) serveV2(w http.ResponseWriter, r *http.Request, seg []string) {
	m := r.Method
	switch {
	case seg[0] == "usergroups" && len(seg) == 1 && m == http.MethodGet:
		e.listGroups(w, r)
	case seg[0] == "usergroups" && len(seg) == 2 && m == http.MethodGet:
		e.getGroup(w, seg[1])
	case seg[0] == "usergroups" && len(seg) == 3 && seg[2] == "members" && m == http.MethodGet:
		e.groupMembers(w, r, seg[1])
	case seg[0] == "usergroups" && len(seg) == 3 && seg[2] == "members" && m == http.MethodPost:
		e.manageMember(w, r, seg[1])
	case seg[0] == "users" && len(seg) == 3 && seg[2] == "memberof" && m == http.MethodGet:
		e.memberOf(w, r, seg[1])
	case seg[0] == "users" && len(seg) == 3 && seg[2] == "systems" && m == http.MethodGet:
		e.userSystems(w, r, seg[1])
	case seg[0] == "systems" && len(seg) == 3 && seg[2] == "users" && m == http.MethodGet:
		e.systemUsers(w, r, seg[1])
	default:
		writeError(w, http.StatusNotFound, "Not Found")
	}
}

// page reads skip and limit (default 10, at most 100) or answers 400.
func page(w http.ResponseWriter, r *http.Request) (skip, limit int, ok bool) {
	q := r.URL.Query()
	limit, skip = 10, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > MaxLimit {
			writeError(w, http.StatusBadRequest, "limit must be between 0 and 100")
			return 0, 0, false
		}
		limit = n
	}
	if v := q.Get("skip"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "skip must be a non-negative integer")
			return 0, 0, false
		}
		skip = n
	}
	return skip, limit, true
}

func window[T any](all []T, skip, limit int) []T {
	if skip >= len(all) {
		return []T{}
	}
	return all[skip:min(len(all), skip+limit)]
}

// v1Filter parses "field:$eq:value" (v1) and the v2 "field:eq:value".
func parseFilter(f string, v1 bool) (field, value string, ok bool) {
	field, rest, found := strings.Cut(f, ":")
	if !found {
		return "", "", false
	}
	op, value, found := strings.Cut(rest, ":")
	want := "eq"
	if v1 {
		want = "$eq"
	}
	return field, value, found && op == want
}

func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) {
	skip, limit, ok := page(w, r)
	if !ok {
		return
	}
	var filters [][2]string
	for k, vs := range r.URL.Query() {
		if k != "filter" && !strings.HasPrefix(k, "filter[") {
			continue
		}
		for _, v := range vs {
			f, val, ok := parseFilter(v, true)
			if !ok {
				writeError(w, http.StatusBadRequest, "invalid filter "+strconv.Quote(v)+": expected <field>:$eq:<value>")
				return
			}
			filters = append(filters, [2]string{f, val})
		}
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	var match []*User
	for _, id := range e.uorder {
		u := e.users[id]
		keep := true
		for _, f := range filters {
			var got string
			switch f[0] {
			case "employeeIdentifier":
				got = u.EmployeeIdentifier
			case "email":
				got = u.Email
			case "username":
				got = u.Username
			case "_id":
				got = u.ID
			case "sudo":
				got = strconv.FormatBool(u.Sudo)
			case "passwordless_sudo":
				got = strconv.FormatBool(u.PasswordlessSudo)
			case "state":
				got = u.State
			case "suspended":
				got = strconv.FormatBool(u.Suspended)
			default:
				keep = false
			}
			if got != f[1] { // JumpCloud's filter values are case sensitive
				keep = false
			}
		}
		if keep {
			match = append(match, u)
		}
	}
	emulator.WriteJSON(w, http.StatusOK, map[string]any{"totalCount": len(match), "results": window(match, skip, limit)})
}

// userWrite is the systemuserputpost body: pointers tell sent from absent.
type userWrite struct {
	Username           *string `json:"username"`
	Email              *string `json:"email"`
	Firstname          *string `json:"firstname"`
	Lastname           *string `json:"lastname"`
	Displayname        *string `json:"displayname"`
	EmployeeIdentifier *string `json:"employeeIdentifier"`
	Department         *string `json:"department"`
	JobTitle           *string `json:"jobTitle"`
	Location           *string `json:"location"`
	CostCenter         *string `json:"costCenter"`
	EmployeeType       *string `json:"employeeType"`
	Manager            *string `json:"manager"`
	State              *string `json:"state"`
	Suspended          *bool   `json:"suspended"`
	Sudo               *bool   `json:"sudo"`
	PasswordlessSudo   *bool   `json:"passwordless_sudo"`
	Password           *string `json:"password"`
}

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return false
	}
	return true
}

// uniqueLocked reports the first unique field another user already holds.
func (e *Emulator) uniqueLocked(self, username, email, empID string) string {
	for _, u := range e.users {
		if u.ID == self {
			continue
		}
		switch {
		case username != "" && strings.EqualFold(u.Username, username):
			return "Username already exists"
		case email != "" && strings.EqualFold(u.Email, email):
			return "Email address already exists"
		case empID != "" && u.EmployeeIdentifier == empID:
			return "employeeIdentifier already exists"
		}
	}
	return ""
}

func (e *Emulator) createUser(w http.ResponseWriter, r *http.Request) {
	var in userWrite
	if !decode(w, r, &in) {
		return
	}
	if in.Username == nil || *in.Username == "" || in.Email == nil || *in.Email == "" {
		writeError(w, http.StatusBadRequest, "username and email are required")
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if msg := e.uniqueLocked("", *in.Username, *in.Email, deref(in.EmployeeIdentifier)); msg != "" {
		writeError(w, http.StatusBadRequest, msg) // the spec's "400 User already exists"
		return
	}
	u := &User{ID: e.newID(0x5f), State: "ACTIVATED", Activated: true, Organization: e.org, Created: time.Now().UTC(),
		MFAEnrollment: MFAEnrollment{OverallStatus: "NOT_ENROLLED", TOTPStatus: "NOT_ENROLLED", PushStatus: "NOT_ENROLLED", WebAuthnStatus: "NOT_ENROLLED"}}
	if in.State != nil && *in.State == "STAGED" {
		u.State, u.Activated = "STAGED", false
	}
	if msg := apply(u, in); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	e.users[u.ID] = u
	e.uorder = append(e.uorder, u.ID)
	e.addEventLocked(adminEvent("user_create", u.ID))
	emulator.WriteJSON(w, http.StatusOK, u)
}

// adminEvent is the Directory Insights record of an API write.
func adminEvent(typ, userID string) Event {
	return Event{EventType: typ, Service: "directory", Success: true, ClientIP: "127.0.0.1",
		InitiatedBy: map[string]any{"type": "api", "id": "api-key"}, Resource: map[string]any{"type": "user", "id": userID}}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// apply writes the sent fields; suspended moves state as JumpCloud does.
func apply(u *User, in userWrite) string {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&u.Username, in.Username)
	set(&u.Email, in.Email)
	set(&u.Firstname, in.Firstname)
	set(&u.Lastname, in.Lastname)
	set(&u.Displayname, in.Displayname)
	set(&u.EmployeeIdentifier, in.EmployeeIdentifier)
	set(&u.Department, in.Department)
	set(&u.JobTitle, in.JobTitle)
	set(&u.Location, in.Location)
	set(&u.CostCenter, in.CostCenter)
	set(&u.EmployeeType, in.EmployeeType)
	set(&u.Manager, in.Manager)
	if in.Sudo != nil {
		u.Sudo = *in.Sudo
	}
	if in.PasswordlessSudo != nil {
		u.PasswordlessSudo = *in.PasswordlessSudo
	}
	if in.Suspended != nil {
		u.Suspended = *in.Suspended
		switch {
		case u.Suspended:
			u.State = "SUSPENDED"
		case u.Activated:
			u.State = "ACTIVATED"
		default:
			u.State = "STAGED"
		}
	}
	if len(u.Username) > 64 {
		return "username must be at most 64 characters"
	}
	return ""
}

func (e *Emulator) withUser(w http.ResponseWriter, id string, fn func(*User)) {
	e.mu.RLock()
	u, ok := e.users[id]
	var cp User
	if ok {
		cp = *u
	}
	e.mu.RUnlock()
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	fn(&cp)
}

func (e *Emulator) putUser(w http.ResponseWriter, r *http.Request, id string) {
	var in userWrite
	if !decode(w, r, &in) {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	if in.Manager != nil && *in.Manager != "" {
		if _, ok := e.users[*in.Manager]; !ok || *in.Manager == id {
			writeError(w, http.StatusBadRequest, "manager must be another existing user")
			return
		}
	}
	if msg := e.uniqueLocked(id, deref(in.Username), deref(in.Email), deref(in.EmployeeIdentifier)); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	cp := *u
	if msg := apply(&cp, in); msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	*u = cp
	e.addEventLocked(adminEvent("user_update", u.ID))
	emulator.WriteJSON(w, http.StatusOK, u)
}

func (e *Emulator) activate(w http.ResponseWriter, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.users[id]
	if !ok {
		writeError(w, http.StatusNotFound, "User not found")
		return
	}
	u.Activated = true
	if !u.Suspended {
		u.State = "ACTIVATED"
	}
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte("{}"))
}

// systemOut is the v1 system shape jml reads.
type systemOut struct {
	*System
	MDM struct {
		Vendor         string `json:"vendor"`
		EnrollmentType string `json:"enrollmentType"`
	} `json:"mdm"`
	FDE struct {
		Active     bool `json:"active"`
		KeyPresent bool `json:"keyPresent"`
	} `json:"fde"`
}

func (e *Emulator) getSystem(w http.ResponseWriter, id string) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	s, ok := e.systems[id]
	if !ok {
		writeError(w, http.StatusNotFound, "System not found")
		return
	}
	cp := *s
	out := systemOut{System: &cp}
	out.MDM.Vendor = s.MDMVendor
	out.MDM.EnrollmentType = "unknown"
	if s.MDMVendor == "internal" {
		out.MDM.EnrollmentType = "device"
	}
	out.FDE.Active, out.FDE.KeyPresent = s.FDEActive, s.FDEActive
	emulator.WriteJSON(w, http.StatusOK, out)
}

// lock queues the builtin lock command (201 Command created).
func (e *Emulator) lock(w http.ResponseWriter, id string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s, ok := e.systems[id]
	if !ok {
		writeError(w, http.StatusNotFound, "System not found")
		return
	}
	s.Locks++
	w.WriteHeader(http.StatusCreated)
}

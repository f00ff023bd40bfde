package oktaemu

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/emulator"
)

// Okta user statuses.
const (
	StatusStaged        = "STAGED"
	StatusProvisioned   = "PROVISIONED"
	StatusActive        = "ACTIVE"
	StatusSuspended     = "SUSPENDED"
	StatusDeprovisioned = "DEPROVISIONED"
	StatusLockedOut     = "LOCKED_OUT"
	StatusRecovery      = "RECOVERY"
)

type user struct {
	ID              string
	Status          string
	Created         time.Time
	Activated       time.Time
	StatusChanged   time.Time
	LastLogin       time.Time
	LastUpdated     time.Time
	PasswordChanged time.Time
	Profile         map[string]any
	HasPassword     bool // the password itself is never kept
	Groups          map[string]bool
	Roles           []*roleAssignment
	Factors         []*Factor
	SessionsCleared int
	TokensRevoked   int    // session clears that also revoked OAuth tokens (oauthTokens=true)
	Transitioning   string // transitioningToStatus while a lifecycle call is in progress

	search      *user     // what ?search= shows until searchUntil (nil: not yet indexed)
	searchUntil time.Time // see Emulator.touchLocked
}

func (u *user) id() string    { return u.ID }
func (u *user) login() string { return str(u.Profile["login"]) }

func str(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

type group struct {
	ID                    string
	Name                  string
	Description           string
	Type                  string // OKTA_GROUP, BUILT_IN
	Created               time.Time
	LastUpdated           time.Time
	LastMembershipUpdated time.Time
	Members               map[string]bool
	Roles                 []*roleAssignment // admin roles assigned to the group (roleholders.go)
}

func (g *group) id() string { return g.ID }

type roleAssignment struct {
	ID      string
	Type    string
	Created time.Time
}

// Factor is an enrolled MFA factor.
type Factor struct {
	ID         string
	FactorType string // push, token:software:totp, sms, ...
	Provider   string // OKTA, GOOGLE
	Status     string // ACTIVE, PENDING_ACTIVATION
	Created    time.Time
}

const b62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// newID makes a 20-character Okta-style id whose lexical order is its
// creation order, so it doubles as the paging cursor.
func (e *Emulator) newIDLocked(prefix string) string {
	e.seq++
	n := e.seq
	buf := make([]byte, 17)
	for i := 16; i >= 0; i-- {
		buf[i] = b62[n%62]
		n /= 62
	}
	return prefix + string(buf)
}

// oktaTime renders Okta's timestamps (milliseconds, Z); zero is null.
type oktaTime time.Time

func (t oktaTime) MarshalJSON() ([]byte, error) {
	tt := time.Time(t)
	if tt.IsZero() {
		return []byte("null"), nil
	}
	return []byte(`"` + tt.UTC().Format("2006-01-02T15:04:05.000Z") + `"`), nil
}

type link struct {
	Href   string `json:"href"`
	Method string `json:"method,omitempty"`
}

type userWire struct {
	ID              string          `json:"id"`
	Status          string          `json:"status"`
	Created         oktaTime        `json:"created"`
	Activated       oktaTime        `json:"activated"`
	StatusChanged   oktaTime        `json:"statusChanged"`
	LastLogin       oktaTime        `json:"lastLogin"`
	LastUpdated     oktaTime        `json:"lastUpdated"`
	PasswordChanged oktaTime        `json:"passwordChanged"`
	Transitioning   string          `json:"transitioningToStatus,omitempty"`
	Type            map[string]any  `json:"type"`
	Profile         map[string]any  `json:"profile"`
	Credentials     map[string]any  `json:"credentials"`
	Links           map[string]link `json:"_links"`
}

var userCredentials = map[string]any{"provider": map[string]string{"type": "OKTA", "name": "OKTA"}}
var userType = map[string]any{"id": "oty1defaultusertype0"}

func (e *Emulator) userWire(base string, u *user) userWire {
	self := base + "/api/v1/users/" + u.ID
	return userWire{
		ID: u.ID, Status: u.Status, Created: oktaTime(u.Created), Activated: oktaTime(u.Activated),
		StatusChanged: oktaTime(u.StatusChanged), LastLogin: oktaTime(u.LastLogin), LastUpdated: oktaTime(u.LastUpdated),
		PasswordChanged: oktaTime(u.PasswordChanged), Transitioning: u.Transitioning, Type: userType, Profile: u.Profile, Credentials: userCredentials,
		Links: map[string]link{"self": {Href: self}},
	}
}

type groupWire struct {
	ID                    string          `json:"id"`
	Created               oktaTime        `json:"created"`
	LastUpdated           oktaTime        `json:"lastUpdated"`
	LastMembershipUpdated oktaTime        `json:"lastMembershipUpdated"`
	ObjectClass           []string        `json:"objectClass"`
	Type                  string          `json:"type"`
	Profile               map[string]any  `json:"profile"`
	Links                 map[string]link `json:"_links"`
}

func groupToWire(base string, g *group) groupWire {
	return groupWire{
		ID: g.ID, Created: oktaTime(g.Created), LastUpdated: oktaTime(g.LastUpdated), LastMembershipUpdated: oktaTime(g.LastMembershipUpdated),
		ObjectClass: []string{"okta:user_group"}, Type: g.Type,
		Profile: map[string]any{"name": g.Name, "description": g.Description},
		Links:   map[string]link{"users": {Href: base + "/api/v1/groups/" + g.ID + "/users"}},
	}
}

func (e *Emulator) newGroupLocked(name, desc, typ string, now time.Time) *group {
	g := &group{ID: e.newIDLocked("00g"), Name: name, Description: desc, Type: typ, Created: now, LastUpdated: now, LastMembershipUpdated: now, Members: map[string]bool{}}
	e.groups[g.ID] = g
	return g
}

func (e *Emulator) sortedUsersLocked() []*user {
	out := make([]*user, 0, len(e.users))
	for _, u := range e.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (e *Emulator) sortedGroupsLocked() []*group {
	out := make([]*group, 0, len(e.groups))
	for _, g := range e.groups {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func (e *Emulator) groupNamesLocked(u *user) []string {
	var out []string
	for _, g := range e.sortedGroupsLocked() {
		if u.Groups[g.ID] {
			out = append(out, g.Name)
		}
	}
	return out
}

// lookupUserLocked finds a user by id or (case-insensitive) login.
func (e *Emulator) lookupUserLocked(idOrLogin string) *user {
	if u, ok := e.users[idOrLogin]; ok {
		return u
	}
	if id, ok := e.logins[strings.ToLower(idOrLogin)]; ok {
		return e.users[id]
	}
	return nil
}

func (e *Emulator) userNotFound(w http.ResponseWriter, id string) {
	e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+id+" (User)")
}

// pageParams reads limit (capped by the server's maximum and Config.PageSize)
// and after.
func (e *Emulator) pageParams(r *http.Request, def, maxLimit int) (limit int, after string) {
	q := r.URL.Query()
	limit = def
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = v
	}
	if limit > maxLimit {
		limit = maxLimit
	}
	if e.cfg.PageSize > 0 && limit > e.cfg.PageSize {
		limit = e.cfg.PageSize
	}
	return limit, q.Get("after")
}

// pageAfter encodes the first limit items of xs (sorted by id) that come
// after the cursor and pass keep; next is the page's last id when more
// remain, "" on the last page.
func pageAfter[T interface{ id() string }](xs []T, after string, limit int, keep func(T) bool, wire func(T) any) (items []json.RawMessage, next string) {
	for _, x := range xs {
		if (after != "" && x.id() <= after) || !keep(x) {
			continue
		}
		if len(items) == limit {
			return items, next
		}
		items = append(items, mustJSON(wire(x)))
		next = x.id()
	}
	return items, ""
}

// writePage writes one page of already-encoded items with Okta's Link
// headers: rel="self" always, rel="next" (absolute) when more remain.
func writePage(w http.ResponseWriter, r *http.Request, items []json.RawMessage, next string, limit int) {
	base := emulator.BaseURL(r) + r.URL.Path
	q := r.URL.Query()
	self := base
	if len(q) > 0 {
		self += "?" + q.Encode()
	}
	w.Header().Add("Link", "<"+self+">; rel=\"self\"")
	if next != "" {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Set("after", next)
		nq.Set("limit", strconv.Itoa(limit))
		w.Header().Add("Link", "<"+base+"?"+nq.Encode()+">; rel=\"next\"")
	}
	var b strings.Builder
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	writeRaw(w, http.StatusOK, []byte(b.String()))
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

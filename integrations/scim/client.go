// Package scim is a thin net/http SCIM 2.0 (RFC 7643/7644) client, one per
// SaaS app, behind directory.Directory. SCIM apps can create, update,
// deactivate and re-activate accounts and manage group membership; the
// rest of the lifecycle (sessions, licenses, roles, devices, MFA, sign-in
// logs, manager) is Unsupported. No mainstream Go SCIM client exists.
package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// Schema URNs the client sends.
const (
	schemaUser       = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
	schemaPatchOp    = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	contentType      = "application/scim+json"
	maxResponse      = 4 << 20
)

// AppOptions configures one SCIM app.
type AppOptions struct {
	Name              string // the app's name in the role catalog (github, zoom, ...)
	BaseURL           string // SCIM base, e.g. https://api.example.com/scim/v2
	Token             string // bearer token
	HTTPClient        *http.Client
	Limiter           *directory.Limiter // shared client-side limiter; built from RequestsPerMinute when nil
	RequestsPerMinute int
	DeactivateBy      string // "patch" (default: active=false) or "delete"
	NoGroups          bool   // the app has no /Groups endpoint

	MaxAttempts int           // per call, for Throttled/Transient answers; default 4
	MaxWait     time.Duration // longest single wait (Retry-After is capped to it); default 60s
}

// Client is one SCIM app.
type Client struct {
	name, base, token string
	hc                *http.Client
	deleteMode        bool
	groups            bool
	attempts          int
	maxWait           time.Duration
	now               func() time.Time
	sleep             func(ctx context.Context, d time.Duration) error

	mu       sync.Mutex
	groupIDs map[string]string // displayName → id
}

var _ directory.Directory = (*Client)(nil)

// New builds a client; it does no I/O.
func New(opts AppOptions) (*Client, error) {
	if opts.Name == "" {
		return nil, errors.New("scim: app name is required")
	}
	u, err := url.Parse(opts.BaseURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("scim %s: base URL %q is not an http(s) URL", opts.Name, opts.BaseURL)
	}
	if opts.Token == "" {
		return nil, fmt.Errorf("scim %s: token is required", opts.Name)
	}
	switch opts.DeactivateBy {
	case "", "patch", "delete":
	default:
		return nil, fmt.Errorf("scim %s: deactivate_by %q is not patch or delete", opts.Name, opts.DeactivateBy)
	}
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	lim := opts.Limiter
	if lim == nil && opts.RequestsPerMinute > 0 {
		lim = directory.NewLimiter(opts.RequestsPerMinute, max(1, opts.RequestsPerMinute/60))
	}
	if lim != nil {
		cp := *hc
		cp.Transport = lim.Transport(hc.Transport)
		hc = &cp
	}
	c := &Client{
		name: opts.Name, base: strings.TrimRight(opts.BaseURL, "/"), token: opts.Token, hc: hc,
		deleteMode: opts.DeactivateBy == "delete", groups: !opts.NoGroups,
		attempts: opts.MaxAttempts, maxWait: opts.MaxWait, now: time.Now, sleep: directory.Sleep,
		groupIDs: map[string]string{},
	}
	if c.attempts <= 0 {
		c.attempts = 4
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	return c, nil
}

// Name is "scim:<app>".
func (c *Client) Name() string { return "scim:" + c.name }

// Supports reports what a SCIM app can do.
func (c *Client) Supports(cp directory.Capability) bool {
	switch cp {
	case directory.CapCreateUser, directory.CapUpdateProfile, directory.CapDisable, directory.CapEnable:
		return true
	case directory.CapGroups:
		return c.groups
	}
	return false
}

// ---- transport ----

// send does one request. It never retries; see call.
func (c *Client) send(ctx context.Context, op, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Message: "encode request: " + err.Error()}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Message: "build request: " + err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", contentType+", application/json")
	if in != nil {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// url.Error carries the URL, never the header: safe to show
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindTransient, Message: redact(err.Error(), c.token)}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindTransient, Status: resp.StatusCode, Message: "read response: " + err.Error()}
	}
	if e := classify(c.Name(), op, resp.StatusCode, resp.Header, b, c.now(), c.token); e != nil {
		return e
	}
	if out != nil && len(bytes.TrimSpace(b)) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return &directory.Error{System: c.Name(), Op: op, Kind: directory.KindPermanent, Status: resp.StatusCode, Message: "response is not SCIM JSON: " + err.Error()}
		}
	}
	return nil
}

// call sends an idempotent request, retrying Throttled and Transient answers
// with bounded exponential backoff that honours Retry-After.
func (c *Client) call(ctx context.Context, op, method, path string, in, out any) error {
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return werr
			}
		}
		err = c.send(ctx, op, method, path, in, out)
		if !retryable(err) {
			return err
		}
	}
	return err
}

func retryable(err error) bool {
	k := directory.KindOf(err)
	var de *directory.Error
	return err != nil && errors.As(err, &de) && (k == directory.KindThrottled || k == directory.KindTransient)
}

// wait is the delay before retry number attempt: the server's Retry-After
// when given, else 250ms doubling, capped at MaxWait.
func (c *Client) wait(err error, attempt int) time.Duration {
	d := 250 * time.Millisecond << (attempt - 1)
	var de *directory.Error
	if errors.As(err, &de) && de.RetryAfter > 0 {
		d = de.RetryAfter
	}
	return min(d, c.maxWait)
}

// ---- resources ----

type name struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
	Formatted  string `json:"formatted,omitempty"`
}

type enterprise struct {
	EmployeeNumber string `json:"employeeNumber,omitempty"`
	Department     string `json:"department,omitempty"`
	Manager        *struct {
		Value string `json:"value"`
	} `json:"manager,omitempty"`
}

type ref struct {
	Value   string `json:"value"`
	Display string `json:"display,omitempty"`
}

type email struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type user struct {
	Schemas     []string    `json:"schemas,omitempty"`
	ID          string      `json:"id,omitempty"`
	ExternalID  string      `json:"externalId,omitempty"`
	UserName    string      `json:"userName"`
	Name        name        `json:"name"`
	DisplayName string      `json:"displayName,omitempty"`
	Title       string      `json:"title,omitempty"`
	Active      *bool       `json:"active,omitempty"`
	Emails      []email     `json:"emails,omitempty"`
	Groups      []ref       `json:"groups,omitempty"`
	Enterprise  *enterprise `json:"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User,omitempty"`
}

type listResponse[T any] struct {
	TotalResults int `json:"totalResults"`
	StartIndex   int `json:"startIndex"`
	ItemsPerPage int `json:"itemsPerPage"`
	Resources    []T `json:"Resources"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

type patch struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

func newPatch(ops ...patchOp) patch { return patch{Schemas: []string{schemaPatchOp}, Operations: ops} }

func (u user) account() domain.Account {
	a := domain.Account{ID: u.ID, Login: u.UserName, EmployeeID: u.ExternalID, Enabled: u.Active == nil || *u.Active, Title: u.Title}
	a.Status = "active"
	if !a.Enabled {
		a.Status = "inactive"
	}
	if u.Enterprise != nil {
		a.Department = u.Enterprise.Department
		if a.EmployeeID == "" {
			a.EmployeeID = u.Enterprise.EmployeeNumber
		}
		if u.Enterprise.Manager != nil {
			a.ManagerID = u.Enterprise.Manager.Value
		}
	}
	return a
}

// quote renders a SCIM filter string literal.
func quote(s string) string {
	b, _ := json.Marshal(s) // JSON string escaping is what RFC 7644 §3.4.2.2 uses
	return string(b)
}

func (c *Client) findBy(ctx context.Context, attr, value string) (*user, error) {
	q := url.Values{"filter": {attr + " eq " + quote(value)}, "startIndex": {"1"}, "count": {"2"}}
	var lr listResponse[user]
	if err := c.call(ctx, "find_user", http.MethodGet, "/Users?"+q.Encode(), nil, &lr); err != nil {
		return nil, err
	}
	if len(lr.Resources) == 0 {
		return nil, nil
	}
	return &lr.Resources[0], nil
}

// FindUser looks the user up by externalId (employee id), then userName (email).
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	for _, by := range [...]struct{ attr, value string }{{"externalId", employeeID}, {"userName", email}} {
		if by.value == "" {
			continue
		}
		u, err := c.findBy(ctx, by.attr, by.value)
		if err != nil {
			return domain.Account{}, err
		}
		if u != nil {
			return u.account(), nil
		}
	}
	return domain.Account{}, directory.NotFound(c.Name(), "find_user", "user "+employeeID)
}

// ListUsers pages through every user (startIndex/count), calling fn for each.
func (c *Client) ListUsers(ctx context.Context, pageSize int, fn func(domain.Account) error) error {
	if pageSize <= 0 {
		pageSize = 100
	}
	for start := 1; ; {
		q := url.Values{"startIndex": {fmt.Sprint(start)}, "count": {fmt.Sprint(pageSize)}}
		var lr listResponse[user]
		if err := c.call(ctx, "list_users", http.MethodGet, "/Users?"+q.Encode(), nil, &lr); err != nil {
			return err
		}
		for _, u := range lr.Resources {
			if err := fn(u.account()); err != nil {
				return err
			}
		}
		// servers may return fewer than asked for: advance by what came back
		start += len(lr.Resources)
		if len(lr.Resources) == 0 || start > lr.TotalResults {
			return nil
		}
	}
}

func (c *Client) getUser(ctx context.Context, op, id string) (user, error) {
	var u user
	err := c.call(ctx, op, http.MethodGet, "/Users/"+url.PathEscape(id), nil, &u)
	return u, err
}

// CreateUser finds the user first and creates it only when absent. The POST
// is not blindly retried: after a failed attempt the lookup runs again, so a
// create that landed but whose answer was lost is not sent twice.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	active := enabled
	in := user{
		Schemas:    []string{schemaUser, schemaEnterprise},
		ExternalID: p.EmployeeID, UserName: p.Email,
		Name:        name{GivenName: p.GivenName, FamilyName: p.FamilyName, Formatted: strings.TrimSpace(p.GivenName + " " + p.FamilyName)},
		DisplayName: displayName(p), Title: p.Title, Active: &active,
		Emails:     []email{{Value: p.Email, Type: "work", Primary: true}},
		Enterprise: &enterprise{EmployeeNumber: p.EmployeeID, Department: p.Department},
	}
	var err error
	for attempt := 0; attempt < c.attempts; attempt++ {
		if attempt > 0 {
			if werr := c.sleep(ctx, c.wait(err, attempt)); werr != nil {
				return domain.Account{}, "", werr
			}
		}
		acct, ferr := c.FindUser(ctx, p.EmployeeID, p.Email)
		if ferr == nil {
			return acct, domain.AlreadyExisted, nil
		}
		if !directory.IsNotFound(ferr) {
			return domain.Account{}, "", ferr
		}
		var out user
		err = c.send(ctx, "create_user", http.MethodPost, "/Users", in, &out)
		if err == nil {
			return out.account(), domain.Created, nil
		}
		var de *directory.Error
		if errors.As(err, &de) && de.Status == http.StatusConflict {
			// someone else created it between our lookup and POST
			if acct, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
				return acct, domain.AlreadyExisted, nil
			}
			return domain.Account{}, "", err
		}
		if !retryable(err) {
			return domain.Account{}, "", err
		}
	}
	return domain.Account{}, "", err
}

func displayName(p domain.Person) string {
	if p.DisplayName != "" {
		return p.DisplayName
	}
	return strings.TrimSpace(p.GivenName + " " + p.FamilyName)
}

// UpdateProfile patches name, title and department (enterprise extension)
// when they differ.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "update_profile", id)
	if err != nil {
		return "", err
	}
	dept := ""
	if u.Enterprise != nil {
		dept = u.Enterprise.Department
	}
	var ops []patchOp
	set := func(path, have, want string) {
		if want != "" && have != want {
			ops = append(ops, patchOp{Op: "replace", Path: path, Value: want})
		}
	}
	set("name.givenName", u.Name.GivenName, p.GivenName)
	set("name.familyName", u.Name.FamilyName, p.FamilyName)
	set("displayName", u.DisplayName, displayName(p))
	set("title", u.Title, p.Title)
	set(schemaEnterprise+":department", dept, p.Department)
	if len(ops) == 0 {
		return domain.Unchanged, nil
	}
	if err := c.call(ctx, "update_profile", http.MethodPatch, "/Users/"+url.PathEscape(id), newPatch(ops...), nil); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// Disable deactivates the account: PATCH active=false, or DELETE where the
// app is configured to deprovision by deletion. An account that is not there
// is nothing to deactivate (WasAbsent).
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	if c.deleteMode {
		err := c.call(ctx, "disable", http.MethodDelete, "/Users/"+url.PathEscape(id), nil, nil)
		if directory.IsNotFound(err) {
			return domain.WasAbsent, nil
		}
		if err != nil {
			return "", err
		}
		return domain.Disabled, nil
	}
	return c.setActive(ctx, "disable", id, false)
}

// Enable re-activates the account.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	return c.setActive(ctx, "enable", id, true)
}

func (c *Client) setActive(ctx context.Context, op, id string, active bool) (domain.Outcome, error) {
	u, err := c.getUser(ctx, op, id)
	if directory.IsNotFound(err) && !active {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if u.Active != nil && *u.Active == active {
		if active {
			return domain.AlreadyEnabled, nil
		}
		return domain.AlreadyDisabled, nil
	}
	err = c.call(ctx, op, http.MethodPatch, "/Users/"+url.PathEscape(id), newPatch(patchOp{Op: "replace", Path: "active", Value: active}), nil)
	if directory.IsNotFound(err) && !active {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if active {
		return domain.Enabled, nil
	}
	return domain.Disabled, nil
}

// ---- groups ----

type group struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
}

func (c *Client) groupID(ctx context.Context, op, name string) (string, error) {
	if !c.groups {
		return "", directory.Unsupported(c.Name(), directory.CapGroups)
	}
	c.mu.Lock()
	id, ok := c.groupIDs[name]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	q := url.Values{"filter": {"displayName eq " + quote(name)}, "excludedAttributes": {"members"}}
	var lr listResponse[group]
	if err := c.call(ctx, op, http.MethodGet, "/Groups?"+q.Encode(), nil, &lr); err != nil {
		return "", err
	}
	for _, g := range lr.Resources {
		if strings.EqualFold(g.DisplayName, name) {
			c.mu.Lock()
			c.groupIDs[name] = g.ID
			c.mu.Unlock()
			return g.ID, nil
		}
	}
	return "", directory.NotFound(c.Name(), op, "group "+quote(name))
}

// ListGroups returns the display names of the user's groups (the user's
// read-only "groups" attribute).
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	if !c.groups {
		return nil, directory.Unsupported(c.Name(), directory.CapGroups)
	}
	u, err := c.getUser(ctx, "list_groups", id)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(u.Groups))
	for _, g := range u.Groups {
		out = append(out, g.Display)
	}
	return out, nil
}

func (c *Client) memberOf(ctx context.Context, op, id, gid string) (bool, error) {
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return false, err
	}
	for _, g := range u.Groups {
		if g.Value == gid {
			return true, nil
		}
	}
	return false, nil
}

// AddToGroup adds the user to the named group with PATCH /Groups/{id}.
func (c *Client) AddToGroup(ctx context.Context, id, groupName string) (domain.Outcome, error) {
	gid, err := c.groupID(ctx, "add_to_group", groupName)
	if err != nil {
		return "", err
	}
	in, err := c.memberOf(ctx, "add_to_group", id, gid)
	if err != nil {
		return "", err
	}
	if in {
		return domain.AlreadyPresent, nil
	}
	p := newPatch(patchOp{Op: "add", Path: "members", Value: []ref{{Value: id}}})
	if err := c.call(ctx, "add_to_group", http.MethodPatch, "/Groups/"+url.PathEscape(gid), p, nil); err != nil {
		return "", err
	}
	return domain.Added, nil
}

// RemoveFromGroup removes the user from the named group.
func (c *Client) RemoveFromGroup(ctx context.Context, id, groupName string) (domain.Outcome, error) {
	gid, err := c.groupID(ctx, "remove_from_group", groupName)
	if err != nil {
		return "", err
	}
	in, err := c.memberOf(ctx, "remove_from_group", id, gid)
	if directory.IsNotFound(err) {
		return domain.WasAbsent, nil
	}
	if err != nil {
		return "", err
	}
	if !in {
		return domain.WasAbsent, nil
	}
	p := newPatch(patchOp{Op: "remove", Path: "members[value eq " + quote(id) + "]"})
	if err := c.call(ctx, "remove_from_group", http.MethodPatch, "/Groups/"+url.PathEscape(gid), p, nil); err != nil {
		return "", err
	}
	return domain.Removed, nil
}

// ---- unsupported ----

func (c *Client) unsupported(cp directory.Capability) error {
	return directory.Unsupported(c.Name(), cp)
}

// SetManager is Unsupported: SCIM apps do not hold the reporting line here.
func (c *Client) SetManager(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapSetManager)
}

// RevokeSessions is Unsupported by SCIM.
func (c *Client) RevokeSessions(context.Context, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapRevokeSessions)
}

// ListLicenses is Unsupported by SCIM.
func (c *Client) ListLicenses(context.Context, string) ([]string, error) {
	return nil, c.unsupported(directory.CapLicenses)
}

// AssignLicense is Unsupported by SCIM.
func (c *Client) AssignLicense(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapLicenses)
}

// RemoveLicense is Unsupported by SCIM.
func (c *Client) RemoveLicense(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapLicenses)
}

// ListAdminRoles is Unsupported by SCIM.
func (c *Client) ListAdminRoles(context.Context, string) ([]domain.RoleAssignment, error) {
	return nil, c.unsupported(directory.CapAdminRoles)
}

// GrantAdminRole is Unsupported by SCIM.
func (c *Client) GrantAdminRole(context.Context, string, string, time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	return domain.RoleAssignment{}, "", c.unsupported(directory.CapAdminRoles)
}

// RevokeAdminRole is Unsupported by SCIM.
func (c *Client) RevokeAdminRole(context.Context, string, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapAdminRoles)
}

// ListDevices is Unsupported by SCIM.
func (c *Client) ListDevices(context.Context, string) ([]domain.Device, error) {
	return nil, c.unsupported(directory.CapDevices)
}

// RetireDevice is Unsupported by SCIM.
func (c *Client) RetireDevice(context.Context, string) (domain.Outcome, error) {
	return "", c.unsupported(directory.CapDevices)
}

// MFAStatus is Unsupported by SCIM.
func (c *Client) MFAStatus(context.Context, string) (domain.MFA, error) {
	return domain.MFA{}, c.unsupported(directory.CapMFA)
}

// SignInEvents is Unsupported by SCIM.
func (c *Client) SignInEvents(context.Context, time.Time, time.Time, func(domain.AuditEvent) error) error {
	return c.unsupported(directory.CapSignInLog)
}

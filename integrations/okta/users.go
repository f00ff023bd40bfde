package okta

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// Okta user statuses.
const (
	statusStaged        = "STAGED"
	statusProvisioned   = "PROVISIONED"
	statusActive        = "ACTIVE"
	statusSuspended     = "SUSPENDED"
	statusDeprovisioned = "DEPROVISIONED"
)

// enabled: the account can be used (or is waiting for its owner to finish
// activation); STAGED, SUSPENDED and DEPROVISIONED cannot sign in.
func enabled(status string) bool {
	switch status {
	case statusStaged, statusSuspended, statusDeprovisioned:
		return false
	}
	return true
}

func pstr(p *okta.UserProfile, k string) string {
	if p == nil {
		return ""
	}
	if s, ok := (*p)[k].(string); ok {
		return s
	}
	return ""
}

func toAccount(u *okta.User) domain.Account {
	return domain.Account{
		ID: u.Id, Login: pstr(u.Profile, "login"), EmployeeID: pstr(u.Profile, "employeeNumber"),
		Enabled: enabled(u.Status), Status: u.Status, Department: pstr(u.Profile, "department"),
		Title: pstr(u.Profile, "title"), ManagerID: pstr(u.Profile, "managerId"),
	}
}

// profileOf maps a Person to Okta's base profile; empty fields are left out
// so an update never blanks what HR did not send.
func profileOf(p domain.Person) map[string]string {
	display := p.DisplayName
	if display == "" {
		display = strings.TrimSpace(p.GivenName + " " + p.FamilyName)
	}
	m := map[string]string{
		"login": p.Email, "email": p.Email, "firstName": p.GivenName, "lastName": p.FamilyName,
		"displayName": display, "department": p.Department, "title": p.Title, "employeeNumber": p.EmployeeID,
		"costCenter": p.CostCenter, "city": p.Location, "countryCode": p.UsageLocation, "userType": p.EmploymentType,
	}
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// quote renders a value for an Okta filter/search expression.
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// FindUser looks the user up by employeeNumber (search, which includes
// DEPROVISIONED users, so a rehire finds the old account), then by login.
// Okta's search is eventually consistent, so the match is read back by id
// and the account reflects the user's current state, not the index's.
// A login match that carries a different employeeNumber is a conflict, not
// a match: acting on it would touch another person's account.
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	const op = "find_user"
	if employeeID != "" {
		best, err := c.searchEmployee(ctx, op, employeeID)
		if err != nil {
			return domain.Account{}, err
		}
		if best != nil {
			u, err := c.getUser(ctx, op, best.Id)
			if err == nil {
				return toAccount(u), nil
			}
			if !directory.IsNotFound(err) {
				return domain.Account{}, err
			}
			// deleted since the index saw it: try the login
		}
	}
	return c.findByLogin(ctx, op, employeeID, email)
}

// searchEmployee is the search by employeeNumber: the live account over a
// DEPROVISIONED one, nil when none matches. Its status is the index's.
func (c *Client) searchEmployee(ctx context.Context, op, employeeID string) (*okta.User, error) {
	ctx, ci := withCall(ctx)
	users, resp, err := c.sdk.User.ListUsers(ctx, &query.Params{Search: "profile.employeeNumber eq " + quote(employeeID)})
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	var best *okta.User
	for _, u := range users {
		if best == nil || (best.Status == statusDeprovisioned && u.Status != statusDeprovisioned) {
			best = u
		}
	}
	return best, nil
}

// findByLogin reads the user by login (a read, not the search); a login
// carrying another employee's number is a conflict.
func (c *Client) findByLogin(ctx context.Context, op, employeeID, email string) (domain.Account, error) {
	if email != "" {
		ctx, ci := withCall(ctx)
		u, resp, err := c.sdk.User.GetUser(ctx, url.PathEscape(email))
		switch {
		case err == nil:
			if emp := pstr(u.Profile, "employeeNumber"); employeeID != "" && emp != "" && !strings.EqualFold(emp, employeeID) {
				return domain.Account{}, &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Code: "login_conflict",
					Message: fmt.Sprintf("login %s belongs to employee %s, not %s", email, emp, employeeID)}
			}
			return toAccount(u), nil
		default:
			if e := c.fail(op, resp, ci, err); !directory.IsNotFound(e) {
				return domain.Account{}, e
			}
		}
	}
	return domain.Account{}, directory.NotFound(System, op, "user "+employeeID)
}

// CreateUser finds the account first; otherwise creates it, ACTIVATED
// (Okta mails the activation link) when enabled, STAGED when not.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	const op = "create_user"
	acct, err := c.FindUser(ctx, p.EmployeeID, p.Email)
	if err == nil {
		return acct, domain.AlreadyExisted, nil
	}
	if !directory.IsNotFound(err) {
		return domain.Account{}, "", err
	}
	prof := okta.UserProfile{}
	for k, v := range profileOf(p) {
		prof[k] = v
	}
	ctx2, ci := withCall(ctx)
	u, resp, err := c.sdk.User.CreateUser(ctx2, okta.CreateUserRequest{Profile: &prof}, &query.Params{Activate: &enabled})
	if err != nil {
		e := c.fail(op, resp, ci, err)
		// Lost a race with another create of the same login: find it.
		if de, ok := e.(*directory.Error); ok && de.Status == 400 && strings.Contains(de.Message, "already exists") {
			if acct, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
				return acct, domain.AlreadyExisted, nil
			}
		}
		return domain.Account{}, "", e
	}
	return toAccount(u), domain.Created, nil
}

func (c *Client) getUser(ctx context.Context, op, id string) (*okta.User, error) {
	ctx, ci := withCall(ctx)
	u, resp, err := c.sdk.User.GetUser(ctx, url.PathEscape(id))
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	return u, nil
}

// partialUpdate POSTs only the given profile attributes.
func (c *Client) partialUpdate(ctx context.Context, op, id string, attrs okta.UserProfile) error {
	ctx, ci := withCall(ctx)
	_, resp, err := c.sdk.User.PartialUpdateUser(ctx, url.PathEscape(id), okta.User{Profile: &attrs}, nil)
	if err != nil {
		return c.fail(op, resp, ci, err)
	}
	return nil
}

// UpdateProfile writes the attributes that differ; none differing is
// Unchanged and sends nothing.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	const op = "update_profile"
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return "", err
	}
	diff := okta.UserProfile{}
	for k, v := range profileOf(p) {
		if pstr(u.Profile, k) != v {
			diff[k] = v
		}
	}
	if len(diff) == 0 {
		return domain.Unchanged, nil
	}
	if err := c.partialUpdate(ctx, op, id, diff); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// SetManager sets profile.managerId (the manager's Okta id) and
// profile.manager (their display name); "" clears both.
func (c *Client) SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error) {
	const op = "set_manager"
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return "", err
	}
	if pstr(u.Profile, "managerId") == managerID {
		return domain.Unchanged, nil
	}
	attrs := okta.UserProfile{"managerId": nil, "manager": nil}
	if managerID != "" {
		m, err := c.getUser(ctx, op, managerID)
		if err != nil {
			return "", err
		}
		name := pstr(m.Profile, "displayName")
		if name == "" {
			name = strings.TrimSpace(pstr(m.Profile, "firstName") + " " + pstr(m.Profile, "lastName"))
		}
		attrs = okta.UserProfile{"managerId": m.Id, "manager": name}
	}
	if err := c.partialUpdate(ctx, op, id, attrs); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// Disable deactivates the user (DEPROVISIONED) without mailing them.
// Deactivation is asynchronous in Okta: a user already transitioning to
// DEPROVISIONED gets no second deactivate, and the call returns once the
// read-back by id shows DEPROVISIONED.
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "disable"
	u, err := c.settled(ctx, op, id)
	if err != nil {
		return "", err
	}
	if u.Status == statusDeprovisioned {
		return domain.AlreadyDisabled, nil
	}
	f := false
	ctx2, ci := withCall(ctx)
	if resp, err := c.sdk.User.DeactivateUser(ctx2, url.PathEscape(u.Id), &query.Params{SendEmail: &f}); err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	if u, err = c.settled(ctx, op, u.Id); err != nil {
		return "", err
	}
	if u.Status != statusDeprovisioned {
		return "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Code: "not_deprovisioned",
			Message: "after deactivate the user is " + u.Status}
	}
	return domain.Disabled, nil
}

// settled reads the user by id, waiting out an asynchronous lifecycle
// change (transitioningToStatus); one still running after transitionWait
// is Transient, so the activity retries it later without sending it again.
func (c *Client) settled(ctx context.Context, op, id string) (*okta.User, error) {
	deadline := time.Now().Add(c.transitionWait)
	pause := 100 * time.Millisecond
	for {
		u, err := c.getUser(ctx, op, id)
		if err != nil || u.TransitioningToStatus == "" {
			return u, err
		}
		if time.Now().Add(pause).After(deadline) {
			return nil, &directory.Error{System: System, Op: op, Kind: directory.KindTransient, Code: "transitioning",
				Message: "user is still transitioning to " + u.TransitioningToStatus, RetryAfter: pause}
		}
		if err := directory.Sleep(ctx, pause); err != nil {
			return nil, err
		}
		pause = min(2*pause, 2*time.Second)
	}
}

// Enable unsuspends a SUSPENDED user and activates a STAGED or
// DEPROVISIONED one, with Okta mailing the activation link to the user
// (the link is never returned to jml, so it cannot leak into history).
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "enable"
	u, err := c.settled(ctx, op, id)
	if err != nil {
		return "", err
	}
	ctx2, ci := withCall(ctx)
	switch u.Status {
	case statusSuspended:
		if resp, err := c.sdk.User.UnsuspendUser(ctx2, url.PathEscape(u.Id)); err != nil {
			return "", c.fail(op, resp, ci, err)
		}
	case statusStaged, statusDeprovisioned:
		t := true
		if _, resp, err := c.sdk.User.ActivateUser(ctx2, url.PathEscape(u.Id), &query.Params{SendEmail: &t}); err != nil {
			return "", c.fail(op, resp, ci, err)
		}
		// activation is asynchronous too: answer once it has completed
		if _, err := c.settled(ctx, op, u.Id); err != nil {
			return "", err
		}
	default:
		return domain.AlreadyEnabled, nil
	}
	return domain.Enabled, nil
}

// RevokeSessions ends the user's Okta (IdP) sessions and, with
// oauthTokens=true, revokes the OpenID Connect and OAuth access and refresh
// tokens Okta issued to them. Per Okta it does not end sessions an app
// already holds on its own; deactivation (Disable) deprovisions those apps.
func (c *Client) RevokeSessions(ctx context.Context, id string) (domain.Outcome, error) {
	const op = "revoke_sessions"
	t := true
	ctx, ci := withCall(ctx)
	if resp, err := c.sdk.User.ClearUserSessions(ctx, url.PathEscape(id), &query.Params{OauthTokens: &t}); err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	return domain.Revoked, nil
}

// MFAStatus: enrolled when a strong factor is ACTIVE; Methods are their
// types, Weak the active SMS, voice call, email and question factors.
func (c *Client) MFAStatus(ctx context.Context, id string) (domain.MFA, error) {
	const op = "mfa_status"
	ctx, ci := withCall(ctx)
	fs, resp, err := c.sdk.UserFactor.ListFactors(ctx, url.PathEscape(id))
	if err != nil {
		return domain.MFA{}, c.fail(op, resp, ci, err)
	}
	out := domain.MFA{}
	for _, f := range fs {
		uf, ok := f.(*okta.UserFactor)
		switch {
		case !ok || uf.Status != "ACTIVE":
		case domain.IsWeakMFAMethod(uf.FactorType):
			out.Weak = append(out.Weak, uf.FactorType) // sms, call, email, question
		default:
			out.Methods = append(out.Methods, uf.FactorType)
		}
	}
	out.Enrolled = len(out.Methods) > 0
	return out, nil
}

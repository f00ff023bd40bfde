package jumpcloud

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// user is the systemuserreturn fields jml reads.
type user struct {
	ID                 string `json:"_id"`
	Username           string `json:"username"`
	Email              string `json:"email"`
	Firstname          string `json:"firstname"`
	Lastname           string `json:"lastname"`
	Displayname        string `json:"displayname"`
	EmployeeIdentifier string `json:"employeeIdentifier"`
	Department         string `json:"department"`
	JobTitle           string `json:"jobTitle"`
	Location           string `json:"location"`
	CostCenter         string `json:"costCenter"`
	EmployeeType       string `json:"employeeType"`
	Manager            string `json:"manager"`
	State              string `json:"state"`
	Suspended          bool   `json:"suspended"`
	Sudo               bool   `json:"sudo"`
	PasswordlessSudo   bool   `json:"passwordless_sudo"`
	TOTPEnabled        bool   `json:"totp_enabled"`
	MFA                struct {
		Configured bool `json:"configured"`
		Exclusion  bool `json:"exclusion"`
	} `json:"mfa"`
	MFAEnrollment struct {
		OverallStatus  string `json:"overallStatus"`
		TOTPStatus     string `json:"totpStatus"`
		PushStatus     string `json:"pushStatus"`
		WebAuthnStatus string `json:"webAuthnStatus"`
	} `json:"mfaEnrollment"`
}

func (u user) account() domain.Account {
	return domain.Account{ID: u.ID, Login: u.Email, EmployeeID: u.EmployeeIdentifier, Enabled: u.State == "ACTIVATED" && !u.Suspended,
		Status: u.State, Department: u.Department, Title: u.JobTitle, ManagerID: u.Manager}
}

// Username is the JumpCloud username jml gives a new user: the email's
// local part, lower-cased (JumpCloud usernames are unique per organisation).
func Username(email string) string {
	local, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(email)), "@")
	return local
}

func (c *Client) getUser(ctx context.Context, op, id string) (user, error) {
	var u user
	err := c.call(ctx, op, http.MethodGet, "/api/systemusers/"+url.PathEscape(id), nil, &u)
	return u, err
}

// search lists the users matching one v1 filter (field:$eq:value).
func (c *Client) search(ctx context.Context, field, value string) ([]user, error) {
	var out struct {
		TotalCount int    `json:"totalCount"`
		Results    []user `json:"results"`
	}
	q := url.Values{"filter": {field + ":$eq:" + value}, "limit": {"2"}, "sort": {"_id"}}
	err := c.call(ctx, "find user", http.MethodGet, "/api/systemusers?"+q.Encode(), nil, &out)
	return out.Results, err
}

// FindUser looks up by employeeIdentifier, then email, then the username
// jml would give the email (only when that user has no other employee id).
func (c *Client) FindUser(ctx context.Context, employeeID, email string) (domain.Account, error) {
	if employeeID != "" {
		us, err := c.search(ctx, "employeeIdentifier", employeeID)
		if err != nil {
			return domain.Account{}, err
		}
		if len(us) > 0 {
			return us[0].account(), nil
		}
	}
	if email = strings.ToLower(strings.TrimSpace(email)); email != "" {
		us, err := c.search(ctx, "email", email)
		if err != nil {
			return domain.Account{}, err
		}
		if len(us) > 0 {
			return us[0].account(), nil
		}
		us, err = c.search(ctx, "username", Username(email))
		if err != nil {
			return domain.Account{}, err
		}
		for _, u := range us {
			if u.EmployeeIdentifier == "" || u.EmployeeIdentifier == employeeID {
				return u.account(), nil
			}
		}
	}
	return domain.Account{}, directory.NotFound(System, "find user", "system user")
}

// userWrite is the systemuserputpost body jml sends; nil fields are left out.
type userWrite struct {
	Username           string `json:"username,omitempty"`
	Email              string `json:"email,omitempty"`
	Firstname          string `json:"firstname,omitempty"`
	Lastname           string `json:"lastname,omitempty"`
	Displayname        string `json:"displayname,omitempty"`
	EmployeeIdentifier string `json:"employeeIdentifier,omitempty"`
	Department         string `json:"department,omitempty"`
	JobTitle           string `json:"jobTitle,omitempty"`
	Location           string `json:"location,omitempty"`
	CostCenter         string `json:"costCenter,omitempty"`
	EmployeeType       string `json:"employeeType,omitempty"`
	State              string `json:"state,omitempty"`
}

// CreateUser finds first, then creates: ACTIVATED, or STAGED when not yet
// enabled (no access until activated). No password is sent: JumpCloud
// invites the user to set one.
func (c *Client) CreateUser(ctx context.Context, p domain.Person, enabled bool) (domain.Account, domain.Outcome, error) {
	if p.Email == "" {
		return domain.Account{}, "", &directory.Error{System: System, Op: "create user", Kind: directory.KindPermanent, Message: "employee " + p.EmployeeID + ": field email: is required"}
	}
	if a, err := c.FindUser(ctx, p.EmployeeID, p.Email); err == nil {
		return a, domain.AlreadyExisted, nil
	} else if !directory.IsNotFound(err) {
		return domain.Account{}, "", err
	}
	in := userWrite{Username: Username(p.Email), Email: strings.ToLower(p.Email), Firstname: p.GivenName, Lastname: p.FamilyName, Displayname: p.DisplayName,
		EmployeeIdentifier: p.EmployeeID, Department: p.Department, JobTitle: p.Title, Location: p.Location, CostCenter: p.CostCenter, EmployeeType: p.EmploymentType,
		State: "ACTIVATED"}
	if !enabled {
		in.State = "STAGED"
	}
	var u user
	err := c.call(ctx, "create user", http.MethodPost, "/api/systemusers", in, &u)
	if err != nil {
		// A lost answer of our own earlier attempt: the user is there now.
		if de := (*directory.Error)(nil); errors.As(err, &de) && de.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(de.Message), "already exists") {
			if a, ferr := c.FindUser(ctx, p.EmployeeID, p.Email); ferr == nil {
				return a, domain.AlreadyExisted, nil
			}
			de.Message = fmt.Sprintf("employee %s: %s (username %q is taken by another user)", p.EmployeeID, de.Message, in.Username)
		}
		return domain.Account{}, "", err
	}
	return u.account(), domain.Created, nil
}

// UpdateProfile writes the HR attributes that differ, and only those.
func (c *Client) UpdateProfile(ctx context.Context, id string, p domain.Person) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "update profile", id)
	if err != nil {
		return "", err
	}
	var in userWrite
	changed := false
	diff := func(dst *string, have, want string) {
		if want != "" && have != want {
			*dst, changed = want, true
		}
	}
	diff(&in.Firstname, u.Firstname, p.GivenName)
	diff(&in.Lastname, u.Lastname, p.FamilyName)
	diff(&in.Displayname, u.Displayname, p.DisplayName)
	diff(&in.Email, u.Email, strings.ToLower(p.Email))
	diff(&in.EmployeeIdentifier, u.EmployeeIdentifier, p.EmployeeID)
	diff(&in.Department, u.Department, p.Department)
	diff(&in.JobTitle, u.JobTitle, p.Title)
	diff(&in.Location, u.Location, p.Location)
	diff(&in.CostCenter, u.CostCenter, p.CostCenter)
	diff(&in.EmployeeType, u.EmployeeType, p.EmploymentType)
	if !changed {
		return domain.Unchanged, nil
	}
	if err := c.call(ctx, "update profile", http.MethodPut, "/api/systemusers/"+url.PathEscape(id), in, nil); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// put sends a partial PUT of flags (suspended, sudo, ...), which JSON
// omitempty cannot express for false.
func (c *Client) put(ctx context.Context, op, id string, fields map[string]any) error {
	return c.call(ctx, op, http.MethodPut, "/api/systemusers/"+url.PathEscape(id), fields, nil)
}

// Disable suspends the user: JumpCloud then refuses their logins to the
// user portal, SSO apps, RADIUS and LDAP, and locks their accounts on
// bound devices.
func (c *Client) Disable(ctx context.Context, id string) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "disable", id)
	if err != nil {
		return "", err
	}
	if u.Suspended {
		return domain.AlreadyDisabled, nil
	}
	if err := c.put(ctx, "disable", id, map[string]any{"suspended": true}); err != nil {
		return "", err
	}
	return domain.Disabled, nil
}

// Enable unsuspends the user, and activates one created STAGED.
func (c *Client) Enable(ctx context.Context, id string) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "enable", id)
	if err != nil {
		return "", err
	}
	if u.State == "ACTIVATED" && !u.Suspended {
		return domain.AlreadyEnabled, nil
	}
	if u.Suspended {
		if err := c.put(ctx, "enable", id, map[string]any{"suspended": false}); err != nil {
			return "", err
		}
		if u, err = c.getUser(ctx, "enable", id); err != nil {
			return "", err
		}
	}
	if u.State == "STAGED" {
		if err := c.call(ctx, "enable", http.MethodPost, "/api/systemusers/"+url.PathEscape(id)+"/state/activate", map[string]any{}, nil); err != nil {
			return "", err
		}
	}
	return domain.Enabled, nil
}

// SetManager sets the manager attribute (another system user's id).
func (c *Client) SetManager(ctx context.Context, id, managerID string) (domain.Outcome, error) {
	u, err := c.getUser(ctx, "set manager", id)
	if err != nil {
		return "", err
	}
	if u.Manager == managerID {
		return domain.Unchanged, nil
	}
	if err := c.put(ctx, "set manager", id, map[string]any{"manager": managerID}); err != nil {
		return "", err
	}
	return domain.Updated, nil
}

// SessionsRevokedSince reads the user back: JumpCloud has no session list
// or revocation endpoint, and refuses every login of a suspended user, so
// the suspension is what ends their sessions.
func (c *Client) SessionsRevokedSince(ctx context.Context, id string, _ time.Time) (bool, string, error) {
	u, err := c.getUser(ctx, "verify sessions", id)
	if err != nil {
		return false, "", err
	}
	if u.Suspended {
		return true, "state " + u.State + ", suspended: JumpCloud refuses every login of a suspended user", nil
	}
	return false, "state " + u.State + ", not suspended", nil
}

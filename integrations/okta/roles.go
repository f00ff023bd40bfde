package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"
)

// roleTypes maps role names as the catalog may write them (Okta's labels,
// the Entra-style names the demo uses) to Okta's standard role types.
var roleTypes = map[string]string{
	"super administrator":                 "SUPER_ADMIN",
	"global administrator":                "SUPER_ADMIN",
	"organizational administrator":        "ORG_ADMIN",
	"org administrator":                   "ORG_ADMIN",
	"application administrator":           "APP_ADMIN",
	"app administrator":                   "APP_ADMIN",
	"user administrator":                  "USER_ADMIN",
	"group administrator":                 "USER_ADMIN",
	"help desk administrator":             "HELP_DESK_ADMIN",
	"helpdesk administrator":              "HELP_DESK_ADMIN",
	"read only administrator":             "READ_ONLY_ADMIN",
	"read-only administrator":             "READ_ONLY_ADMIN",
	"global reader":                       "READ_ONLY_ADMIN",
	"mobile administrator":                "MOBILE_ADMIN",
	"report administrator":                "REPORT_ADMIN",
	"group membership administrator":      "GROUP_MEMBERSHIP_ADMIN",
	"api access management administrator": "API_ACCESS_MANAGEMENT_ADMIN",
}

var knownTypes = map[string]bool{}

func init() {
	for _, t := range roleTypes {
		knownTypes[t] = true
	}
}

// RoleType maps a role name ("User Administrator") or an Okta role type
// ("USER_ADMIN") to the Okta role type.
func RoleType(name string) (string, bool) {
	n := strings.TrimSpace(name)
	if knownTypes[strings.ToUpper(n)] {
		return strings.ToUpper(n), true
	}
	t, ok := roleTypes[strings.ToLower(n)]
	return t, ok
}

func (c *Client) roles(ctx context.Context, op, id string) ([]*okta.Role, error) {
	ctx, ci := withCall(ctx)
	rs, resp, err := c.sdk.User.ListAssignedRolesForUser(ctx, url.PathEscape(id), nil)
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	return rs, nil
}

func toAssignment(r *okta.Role) domain.RoleAssignment {
	return domain.RoleAssignment{ID: r.Id, Role: r.Type}
}

// ListAdminRoles returns the user's directly assigned admin roles; Role is
// the Okta role type (USER_ADMIN, ...), which RoleType accepts back.
func (c *Client) ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error) {
	rs, err := c.roles(ctx, "list_admin_roles", id)
	if err != nil {
		return nil, err
	}
	out := make([]domain.RoleAssignment, 0, len(rs))
	for _, r := range rs {
		out = append(out, toAssignment(r))
	}
	return out, nil
}

// HoldsAdminRole matches the user's assigned roles by Okta role type,
// which RoleType derives from the catalog's name as the grant and the
// revoke do (Okta lists "Help Desk Administrator" as HELP_DESK_ADMIN).
func (c *Client) HoldsAdminRole(ctx context.Context, id, role string) (bool, error) {
	typ, ok := RoleType(role)
	if !ok {
		typ = role // a type jml has no name for (a sweep's finding)
	}
	rs, err := c.roles(ctx, "list_admin_roles", id)
	if err != nil {
		return false, err
	}
	for _, r := range rs {
		if strings.EqualFold(r.Type, typ) {
			return true, nil
		}
	}
	return false, nil
}

// GrantAdminRole assigns the role. Okta cannot expire a grant itself, so
// until is not sent: the elevation workflow's timer revokes it.
func (c *Client) GrantAdminRole(ctx context.Context, id, role string, until time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	const op = "grant_admin_role"
	typ, ok := RoleType(role)
	if !ok {
		return domain.RoleAssignment{}, "", unknownRole(op, role)
	}
	ctx2, ci := withCall(ctx)
	r, resp, err := c.sdk.User.AssignRoleToUser(ctx2, url.PathEscape(id), okta.AssignRoleRequest{Type: typ}, nil)
	if err == nil {
		return toAssignment(r), domain.Added, nil
	}
	e := c.fail(op, resp, ci, err)
	if !isStatus(e, 409) { // E0000090: already assigned
		return domain.RoleAssignment{}, "", e
	}
	rs, lerr := c.roles(ctx, op, id)
	if lerr != nil {
		return domain.RoleAssignment{}, "", lerr
	}
	for _, r := range rs {
		if r.Type == typ {
			return toAssignment(r), domain.AlreadyPresent, nil
		}
	}
	return domain.RoleAssignment{}, "", e
}

// RevokeAdminRole removes the user's assignment of the role; none is
// WasAbsent.
func (c *Client) RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error) {
	const op = "revoke_admin_role"
	typ, ok := RoleType(role)
	if !ok {
		return "", unknownRole(op, role)
	}
	rs, err := c.roles(ctx, op, id)
	if err != nil {
		return "", err
	}
	for _, r := range rs {
		if r.Type != typ {
			continue
		}
		ctx, ci := withCall(ctx)
		if resp, err := c.sdk.User.RemoveRoleFromUser(ctx, url.PathEscape(id), r.Id); err != nil {
			e := c.fail(op, resp, ci, err)
			if isStatus(e, 404) {
				return domain.WasAbsent, nil
			}
			return "", e
		}
		return domain.Removed, nil
	}
	return domain.WasAbsent, nil
}

// SignInEvents pages through the System Log in [from, to), oldest first.
func (c *Client) SignInEvents(ctx context.Context, from, to time.Time, fn func(domain.AuditEvent) error) error {
	const op = "sign_in_events"
	ctx, ci := withCall(ctx)
	qp := &query.Params{Since: from.UTC().Format(time.RFC3339), Until: to.UTC().Format(time.RFC3339), SortOrder: "ASCENDING", Limit: 1000}
	evs, resp, err := c.sdk.LogEvent.GetLogs(ctx, qp)
	for {
		if err != nil {
			return c.fail(op, resp, ci, err)
		}
		for _, ev := range evs {
			if ev.Published != nil && (ev.Published.Before(from) || !ev.Published.Before(to)) {
				continue
			}
			if ferr := fn(toEvent(ev)); ferr != nil {
				return ferr
			}
		}
		// A bounded query ends when a page is short of a next link or empty.
		if len(evs) == 0 || !resp.HasNextPage() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return c.fail(op, nil, nil, err)
		}
		evs = nil
		resp, err = resp.Next(ctx, &evs)
	}
}

func toEvent(ev *okta.LogEvent) domain.AuditEvent {
	out := domain.AuditEvent{ID: ev.Uuid, Action: ev.EventType}
	if ev.Published != nil {
		out.Time = *ev.Published
	}
	if ev.Actor != nil {
		out.Actor = ev.Actor.AlternateId
		if out.Actor == "" {
			out.Actor = ev.Actor.Id
		}
	}
	if ev.Outcome != nil {
		out.Result = ev.Outcome.Result
	}
	if ev.Client != nil {
		out.IP = ev.Client.IpAddress
	}
	for _, t := range ev.Target {
		if t != nil && t.Type == "AppInstance" {
			out.App = t.DisplayName
		}
	}
	if out.App == "" && ev.DebugContext != nil {
		if m, ok := ev.DebugContext.DebugData.(map[string]interface{}); ok {
			if s, ok := m["appName"].(string); ok {
				out.App = s
			}
		}
	}
	if b, err := json.Marshal(ev); err == nil {
		_ = json.Unmarshal(b, &out.Raw)
	}
	return out
}

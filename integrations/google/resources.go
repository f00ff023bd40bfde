package google

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	admin "google.golang.org/api/admin/directory/v1"
	reports "google.golang.org/api/admin/reports/v1"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// --- groups ---

// groupKey turns a catalog group name into a groupKey: an email stays as
// is, a bare name becomes name@Domain.
func (c *Client) groupKey(group string) string {
	if strings.Contains(group, "@") || c.domain == "" {
		return group
	}
	return group + "@" + c.domain
}

// groupName is groupKey's inverse, so ListGroups round-trips catalog names.
func (c *Client) groupName(email string) string {
	if c.domain != "" {
		if local, ok := strings.CutSuffix(strings.ToLower(email), "@"+strings.ToLower(c.domain)); ok {
			return local
		}
	}
	return email
}

// ListGroups lists the groups the user is a direct member of.
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	var out []string
	tok := ""
	for {
		g, err := call(ctx, c, "list_groups", func() (*admin.Groups, error) {
			return c.dir.Groups.List().UserKey(id).MaxResults(200).PageToken(tok).Context(ctx).Do()
		})
		if err != nil {
			return nil, err
		}
		for _, x := range g.Groups {
			out = append(out, c.groupName(x.Email))
		}
		if tok = g.NextPageToken; tok == "" {
			return out, nil
		}
	}
}

func memberFor(id string) *admin.Member {
	if strings.Contains(id, "@") {
		return &admin.Member{Email: id, Role: "MEMBER"}
	}
	return &admin.Member{Id: id, Role: "MEMBER"}
}

// AddToGroup adds the user as a MEMBER; 409 duplicate is AlreadyPresent.
func (c *Client) AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	err := c.do(ctx, "add_to_group", func() error {
		_, err := c.dir.Members.Insert(c.groupKey(group), memberFor(id)).Context(ctx).Do()
		return err
	})
	switch {
	case err == nil:
		return domain.Added, nil
	case isStatus(err, 409):
		return domain.AlreadyPresent, nil
	}
	return "", err
}

// RemoveFromGroup removes the user; a missing membership is WasAbsent, a
// missing group stays NotFound (a catalog error worth seeing).
func (c *Client) RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	err := c.do(ctx, "remove_from_group", func() error {
		return c.dir.Members.Delete(c.groupKey(group), id).Context(ctx).Do()
	})
	switch {
	case err == nil:
		return domain.Removed, nil
	case directory.IsNotFound(err) && !strings.Contains(err.Error(), "groupKey"):
		return domain.WasAbsent, nil
	}
	return "", err
}

// --- admin roles ---

// loadRoles caches the customer's roles by name (roleName, and the
// description of system roles, case-insensitively).
func (c *Client) loadRoles(ctx context.Context) error {
	c.mu.Lock()
	loaded := c.roles != nil
	c.mu.Unlock()
	if loaded {
		return nil
	}
	byName, names, byID := map[string]int64{}, map[int64]string{}, map[int64]*admin.Role{}
	tok := ""
	for {
		rs, err := call(ctx, c, "list_roles", func() (*admin.Roles, error) {
			return c.dir.Roles.List(c.customer).MaxResults(100).PageToken(tok).Context(ctx).Do()
		})
		if err != nil {
			return err
		}
		for _, r := range rs.Items {
			names[r.RoleId], byID[r.RoleId] = r.RoleName, r
			if r.RoleDescription != "" {
				if _, taken := byName[strings.ToLower(r.RoleDescription)]; !taken {
					byName[strings.ToLower(r.RoleDescription)] = r.RoleId
				}
			}
		}
		for _, r := range rs.Items { // roleName wins over a description
			byName[strings.ToLower(r.RoleName)] = r.RoleId
		}
		if tok = rs.NextPageToken; tok == "" {
			break
		}
	}
	c.mu.Lock()
	c.roles, c.names, c.byID = byName, names, byID
	c.mu.Unlock()
	return nil
}

func (c *Client) roleID(ctx context.Context, role string) (int64, error) {
	if err := c.loadRoles(ctx); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.roles[strings.ToLower(role)]; ok {
		return id, nil
	}
	return 0, directory.NotFound(system, "admin_role", "role "+role)
}

func (c *Client) assignments(ctx context.Context, id, roleID string) ([]*admin.RoleAssignment, error) {
	var out []*admin.RoleAssignment
	tok := ""
	for {
		l, err := call(ctx, c, "list_admin_roles", func() (*admin.RoleAssignments, error) {
			q := c.dir.RoleAssignments.List(c.customer).UserKey(id).MaxResults(200).PageToken(tok).Context(ctx)
			if roleID != "" {
				q = q.RoleId(roleID)
			}
			return q.Do()
		})
		if err != nil {
			return nil, err
		}
		out = append(out, l.Items...)
		if tok = l.NextPageToken; tok == "" {
			return out, nil
		}
	}
}

// ListAdminRoles lists the user's role assignments by role name.
func (c *Client) ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error) {
	if err := c.loadRoles(ctx); err != nil {
		return nil, err
	}
	as, err := c.assignments(ctx, id, "")
	if err != nil {
		return nil, err
	}
	out := make([]domain.RoleAssignment, 0, len(as))
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range as {
		name := c.names[a.RoleId]
		if name == "" {
			name = strconv.FormatInt(a.RoleId, 10)
		}
		out = append(out, domain.RoleAssignment{ID: strconv.FormatInt(a.RoleAssignmentId, 10), Role: name})
	}
	return out, nil
}

// GrantAdminRole assigns the role customer-wide. Google cannot expire it
// (no CapTimeBoundRoles): until is ignored and the caller revokes on time.
func (c *Client) GrantAdminRole(ctx context.Context, id, role string, until time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	rid, err := c.roleID(ctx, role)
	if err != nil {
		return domain.RoleAssignment{}, "", err
	}
	userID := id
	if strings.Contains(id, "@") {
		u, err := c.getUser(ctx, "grant_admin_role", id)
		if err != nil {
			return domain.RoleAssignment{}, "", err
		}
		userID = u.Id
	}
	existing := func() (domain.RoleAssignment, bool, error) {
		as, err := c.assignments(ctx, userID, strconv.FormatInt(rid, 10))
		if err != nil || len(as) == 0 {
			return domain.RoleAssignment{}, false, err
		}
		return domain.RoleAssignment{ID: strconv.FormatInt(as[0].RoleAssignmentId, 10), Role: role}, true, nil
	}
	if ra, ok, err := existing(); err != nil {
		return domain.RoleAssignment{}, "", err
	} else if ok {
		return ra, domain.AlreadyPresent, nil
	}
	// retrying the insert is safe: a second one answers 409 duplicate
	a, err := call(ctx, c, "grant_admin_role", func() (*admin.RoleAssignment, error) {
		return c.dir.RoleAssignments.Insert(c.customer, &admin.RoleAssignment{RoleId: rid, AssignedTo: userID, ScopeType: "CUSTOMER"}).Context(ctx).Do()
	})
	if isStatus(err, 409) {
		// AlreadyPresent only when the read-back finds the assignment.
		ra, ok, ferr := existing()
		switch {
		case ferr != nil:
			return domain.RoleAssignment{}, "", ferr
		case ok:
			return ra, domain.AlreadyPresent, nil
		}
	}
	if err != nil {
		return domain.RoleAssignment{}, "", err
	}
	return domain.RoleAssignment{ID: strconv.FormatInt(a.RoleAssignmentId, 10), Role: role}, domain.Added, nil
}

// RevokeAdminRole deletes every assignment of the role to the user.
func (c *Client) RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error) {
	rid, err := c.roleID(ctx, role)
	if err != nil {
		return "", err
	}
	as, err := c.assignments(ctx, id, strconv.FormatInt(rid, 10))
	if err != nil {
		return "", err
	}
	if len(as) == 0 {
		return domain.WasAbsent, nil
	}
	for _, a := range as {
		aid := strconv.FormatInt(a.RoleAssignmentId, 10)
		err := c.do(ctx, "revoke_admin_role", func() error { return c.dir.RoleAssignments.Delete(c.customer, aid).Context(ctx).Do() })
		if err != nil && !directory.IsNotFound(err) {
			return "", err
		}
	}
	return domain.Removed, nil
}

// --- devices ---

var retiredStatus = map[string]bool{"ACCOUNT_WIPING": true, "ACCOUNT_WIPED": true, "WIPING": true, "WIPED": true}

func toDevice(d *admin.MobileDevice) domain.Device {
	name := d.Model
	if len(d.Name) > 0 {
		name = d.Name[0] + " (" + d.Model + ")"
	}
	return domain.Device{ID: d.ResourceId, Name: name, OS: d.Os, Compliance: d.Status, Retired: retiredStatus[d.Status]}
}

// ListDevices lists the mobile devices synced to the user's account.
func (c *Client) ListDevices(ctx context.Context, id string) ([]domain.Device, error) {
	email := id
	if !strings.Contains(id, "@") {
		u, err := c.getUser(ctx, "list_devices", id)
		if err != nil {
			return nil, err
		}
		email = u.PrimaryEmail
	}
	return c.ListDevicesByLogin(ctx, email)
}

// RetireDevice wipes the work account from the device (admin_account_wipe),
// leaving personal data; an already wiped device is AlreadyRetired.
func (c *Client) RetireDevice(ctx context.Context, deviceID string) (domain.Outcome, error) {
	d, err := call(ctx, c, "retire_device", func() (*admin.MobileDevice, error) {
		return c.dir.Mobiledevices.Get(c.customer, deviceID).Context(ctx).Do()
	})
	if err != nil {
		return "", err
	}
	if retiredStatus[d.Status] {
		return domain.AlreadyRetired, nil
	}
	err = c.do(ctx, "retire_device", func() error {
		return c.dir.Mobiledevices.Action(c.customer, deviceID, &admin.MobileDeviceAction{Action: "admin_account_wipe"}).Context(ctx).Do()
	})
	if err != nil {
		return "", err
	}
	return domain.Retired, nil
}

// --- sign-in events ---

// SignInEvents pages the Reports API login activities in [from, to).
func (c *Client) SignInEvents(ctx context.Context, from, to time.Time, fn func(domain.AuditEvent) error) error {
	tok := ""
	for {
		l, err := call(ctx, c, "sign_in_events", func() (*reports.Activities, error) {
			q := c.rep.Activities.List("all", "login").MaxResults(1000).PageToken(tok).Context(ctx)
			if !from.IsZero() {
				q = q.StartTime(from.UTC().Format(time.RFC3339))
			}
			if !to.IsZero() {
				q = q.EndTime(to.UTC().Format(time.RFC3339))
			}
			return q.Do()
		})
		if err != nil {
			return err
		}
		for _, a := range l.Items {
			for i, ev := range a.Events {
				if err := fn(toEvent(a, ev, i)); err != nil {
					return err
				}
			}
		}
		if tok = l.NextPageToken; tok == "" {
			return nil
		}
	}
}

func toEvent(a *reports.Activity, ev *reports.ActivityEvents, i int) domain.AuditEvent {
	out := domain.AuditEvent{Action: ev.Name, App: "login", IP: a.IpAddress, Raw: map[string]any{"type": ev.Type}}
	if a.Id != nil {
		out.ID = strconv.FormatInt(a.Id.UniqueQualifier, 10)
		if i > 0 {
			out.ID += fmt.Sprintf("/%d", i)
		}
		out.Time, _ = time.Parse(time.RFC3339, a.Id.Time)
	}
	if a.Actor != nil {
		out.Actor = a.Actor.Email
		out.Raw["profileId"] = a.Actor.ProfileId
	}
	switch {
	case strings.HasSuffix(ev.Name, "_success"):
		out.Result = "success"
	case strings.HasSuffix(ev.Name, "_failure"):
		out.Result = "failure"
	}
	for _, p := range ev.Parameters {
		if p.Value != "" {
			out.Raw[p.Name] = p.Value
		} else {
			out.Raw[p.Name] = p.BoolValue
		}
	}
	return out
}

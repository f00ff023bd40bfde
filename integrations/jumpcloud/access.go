package jumpcloud

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- MFA ----

// MFAStatus reads totp_enabled and mfaEnrollment: the methods enrolled.
func (c *Client) MFAStatus(ctx context.Context, id string) (domain.MFA, error) {
	u, err := c.getUser(ctx, "mfa status", id)
	if err != nil {
		return domain.MFA{}, err
	}
	var m domain.MFA
	en := u.MFAEnrollment
	if u.TOTPEnabled || en.TOTPStatus == "ENROLLED" {
		m.Methods = append(m.Methods, "totp")
	}
	if en.PushStatus == "ENROLLED" {
		m.Methods = append(m.Methods, "push")
	}
	if en.WebAuthnStatus == "ENROLLED" {
		m.Methods = append(m.Methods, "webauthn")
	}
	m.Enrolled = len(m.Methods) > 0 || en.OverallStatus == "ENROLLED"
	return m, nil
}

// ---- admin roles ----

// JumpCloud's console administrators are separate accounts with their own
// API (not system users); what a system user holds is administrator rights
// on the devices bound to them: sudo, sudo without a password, or
// membership of a user group whose sudo attribute is on.
const (
	RoleSudo             = "sudo"
	RolePasswordlessSudo = "passwordless_sudo"
	// GroupRolePrefix names a sudo-enabled user group as a role: "group:it-sudo".
	GroupRolePrefix = "group:"
)

// AdminRoles are the user-level roles; "group:<name>" roles come on top.
var AdminRoles = []string{RoleSudo, RolePasswordlessSudo}

// sudoGroupsTTL bounds how long the list of sudo-enabled groups is reused:
// a KPI run asks for every employee's roles within minutes.
const sudoGroupsTTL = time.Minute

func heldRole(u user) string {
	switch {
	case u.Sudo && u.PasswordlessSudo:
		return RolePasswordlessSudo
	case u.Sudo:
		return RoleSudo
	}
	return ""
}

// sudoGroups lists the user groups whose sudo attribute is on (the v2
// filter attributes.sudo.enabled), id → name.
func (c *Client) sudoGroups(ctx context.Context, op string) (map[string]string, error) {
	c.mu.Lock()
	if c.sudo != nil && c.now().Before(c.sudoAt.Add(sudoGroupsTTL)) {
		m := c.sudo
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	m := map[string]string{}
	q := url.Values{"filter": {"attributes.sudo.enabled:eq:true"}}
	err := c.pages(ctx, op, "/api/v2/usergroups?"+q.Encode(), func(raw json.RawMessage) (int, error) {
		var gs []userGroup
		if err := json.Unmarshal(raw, &gs); err != nil {
			return 0, err
		}
		for _, g := range gs {
			m[g.ID] = g.Name
			c.remember(g.ID, g.Name)
		}
		return len(gs), nil
	})
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.sudo, c.sudoAt = m, c.now()
	c.mu.Unlock()
	return m, nil
}

// ListAdminRoles reports the user-level sudo and the sudo-enabled groups
// the user is in (no expiry: JumpCloud has none; jml's timer ends a grant).
func (c *Client) ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error) {
	const op = "list admin roles"
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return nil, err
	}
	var out []domain.RoleAssignment
	if r := heldRole(u); r != "" {
		out = append(out, domain.RoleAssignment{ID: r, Role: r})
	}
	sudo, err := c.sudoGroups(ctx, op)
	if err != nil || len(sudo) == 0 {
		return out, err
	}
	gids, err := c.graphList(ctx, op, "/api/v2/users/"+url.PathEscape(id)+"/memberof", "user_group")
	if err != nil {
		return nil, err
	}
	for _, gid := range gids {
		if name, ok := sudo[gid]; ok {
			out = append(out, domain.RoleAssignment{ID: gid, Role: GroupRolePrefix + name})
		}
	}
	return out, nil
}

func checkRole(op, role string) error {
	if !slices.Contains(AdminRoles, role) && !(strings.HasPrefix(role, GroupRolePrefix) && len(role) > len(GroupRolePrefix)) {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "role " + role + " is not a JumpCloud admin role (sudo, passwordless_sudo, group:<sudo-enabled user group>)"}
	}
	return nil
}

// GrantAdminRole sets sudo (and passwordless_sudo for that role), or adds
// the user to the sudo-enabled group a "group:" role names.
func (c *Client) GrantAdminRole(ctx context.Context, id, role string, _ time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	const op = "grant admin role"
	if err := checkRole(op, role); err != nil {
		return domain.RoleAssignment{}, "", err
	}
	ra := domain.RoleAssignment{ID: role, Role: role}
	if group, ok := strings.CutPrefix(role, GroupRolePrefix); ok {
		if err := c.requireSudoGroup(ctx, op, group); err != nil {
			return domain.RoleAssignment{}, "", err
		}
		o, err := c.AddToGroup(ctx, id, group)
		return ra, o, err
	}
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return domain.RoleAssignment{}, "", err
	}
	if heldRole(u) == role {
		return ra, domain.AlreadyPresent, nil
	}
	if err := c.put(ctx, op, id, map[string]any{"sudo": true, "passwordless_sudo": role == RolePasswordlessSudo}); err != nil {
		return domain.RoleAssignment{}, "", err
	}
	return ra, domain.Added, nil
}

// requireSudoGroup refuses a "group:" role whose group does not grant sudo:
// granting it would give no admin right and read back as absent.
func (c *Client) requireSudoGroup(ctx context.Context, op, group string) error {
	sudo, err := c.sudoGroups(ctx, op)
	if err != nil {
		return err
	}
	for _, name := range sudo {
		if name == group {
			return nil
		}
	}
	return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "user group " + group + " does not have sudo enabled"}
}

// RevokeAdminRole clears sudo and passwordless_sudo when the user holds
// role, or removes them from the group a "group:" role names.
func (c *Client) RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error) {
	const op = "revoke admin role"
	if err := checkRole(op, role); err != nil {
		return "", err
	}
	if group, ok := strings.CutPrefix(role, GroupRolePrefix); ok {
		return c.RemoveFromGroup(ctx, id, group)
	}
	u, err := c.getUser(ctx, op, id)
	if err != nil {
		return "", err
	}
	if heldRole(u) != role {
		return domain.WasAbsent, nil
	}
	if err := c.put(ctx, op, id, map[string]any{"sudo": false, "passwordless_sudo": false}); err != nil {
		return "", err
	}
	return domain.Removed, nil
}

// ---- devices ----

type system struct {
	ID          string `json:"_id"`
	DisplayName string `json:"displayName"`
	Hostname    string `json:"hostname"`
	OS          string `json:"os"`
	Active      bool   `json:"active"`
	MDM         struct {
		Vendor string `json:"vendor"` // unknown, none, internal (JumpCloud MDM), external
	} `json:"mdm"`
	FDE struct {
		Active bool `json:"active"`
	} `json:"fde"`
}

// compliance is jml's reading of a system: managed (enrolled in JumpCloud's
// or another MDM) with full-disk encryption on.
func (s system) compliance() string {
	if (s.MDM.Vendor == "internal" || s.MDM.Vendor == "external") && s.FDE.Active {
		return "compliant"
	}
	return "noncompliant"
}

// ListDevices lists the systems bound to the user (the v2 graph), each read
// from v1 /systems for its MDM enrolment and disk encryption.
func (c *Client) ListDevices(ctx context.Context, id string) ([]domain.Device, error) {
	ids, err := c.graphList(ctx, "list devices", "/api/v2/users/"+url.PathEscape(id)+"/systems", "system")
	if err != nil {
		return nil, err
	}
	var out []domain.Device
	for _, sid := range ids {
		var s system
		err := c.call(ctx, "list devices", http.MethodGet, "/api/systems/"+url.PathEscape(sid), nil, &s)
		if directory.IsNotFound(err) {
			continue // removed since the graph was read
		}
		if err != nil {
			return nil, err
		}
		name := s.DisplayName
		if name == "" {
			name = s.Hostname
		}
		out = append(out, domain.Device{ID: s.ID, Name: name, OS: s.OS, Compliance: s.compliance()})
	}
	return out, nil
}

// RetireDevice runs JumpCloud's builtin lock command on a device bound to
// this user alone (queued until the device is online). A device bound to
// others too is left alone (Unchanged): the suspension already locks the
// leaver's own account on it.
func (c *Client) RetireDevice(ctx context.Context, deviceID string) (domain.Outcome, error) {
	users, err := c.graphList(ctx, "retire device", "/api/v2/systems/"+url.PathEscape(deviceID)+"/users", "user")
	if directory.IsNotFound(err) {
		return domain.AlreadyRetired, nil
	}
	if err != nil {
		return "", err
	}
	if len(users) > 1 {
		return domain.Unchanged, nil
	}
	err = c.call(ctx, "retire device", http.MethodPost, "/api/systems/"+url.PathEscape(deviceID)+"/command/builtin/lock", json.RawMessage(`{}`), nil)
	var de *directory.Error
	switch {
	case directory.IsNotFound(err):
		return domain.AlreadyRetired, nil
	case errors.As(err, &de) && de.Status == http.StatusConflict: // a lock already queued
		return domain.AlreadyRetired, nil
	case err != nil:
		return "", err
	}
	return domain.Retired, nil
}

package google

import (
	"context"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// The leaver's steps on what a look-up or a listing has just returned, so
// no read comes before each write (directory/fewer_calls.go).

// DisableFound suspends the account the look-up has just found, without
// the read setSuspended makes first. The search's index may lag a write,
// so the PUT is sent even when it showed the account suspended (then the
// outcome is AlreadyDisabled); the leaver reads it back at the end.
func (c *Client) DisableFound(ctx context.Context, acct domain.Account) (domain.Outcome, error) {
	patch := &admin.User{Suspended: true, ForceSendFields: []string{"Suspended"}}
	if _, err := call(ctx, c, "disable", func() (*admin.User, error) { return c.dir.Users.Update(acct.ID, patch).Context(ctx).Do() }); err != nil {
		return "", err
	}
	if !acct.Enabled {
		return domain.AlreadyDisabled, nil
	}
	return domain.Disabled, nil
}

// RevokeListedRole deletes an assignment ListAdminRoles has just returned,
// by its id, without listing the role's assignments again; a 404 is
// WasAbsent.
func (c *Client) RevokeListedRole(ctx context.Context, _ string, ra domain.RoleAssignment) (domain.Outcome, error) {
	err := c.do(ctx, "revoke_admin_role", func() error { return c.dir.RoleAssignments.Delete(c.customer, ra.ID).Context(ctx).Do() })
	switch {
	case err == nil:
		return domain.Removed, nil
	case directory.IsNotFound(err):
		return domain.WasAbsent, nil
	}
	return "", err
}

// ListDevicesByLogin lists the mobile devices synced to the account whose
// primary email the look-up returned, without reading the user for it.
func (c *Client) ListDevicesByLogin(ctx context.Context, login string) ([]domain.Device, error) {
	var out []domain.Device
	tok := ""
	for {
		l, err := call(ctx, c, "list_devices", func() (*admin.MobileDevices, error) {
			return c.dir.Mobiledevices.List(c.customer).Query("email:" + quote(login)).MaxResults(100).PageToken(tok).Context(ctx).Do()
		})
		if err != nil {
			return nil, err
		}
		for _, d := range l.Mobiledevices {
			out = append(out, toDevice(d))
		}
		if tok = l.NextPageToken; tok == "" {
			return out, nil
		}
	}
}

// RetireListedDevice wipes the work account from a device the listing has
// just returned (its status says whether a wipe is under way), without
// reading the device again.
func (c *Client) RetireListedDevice(ctx context.Context, dev domain.Device) (domain.Outcome, error) {
	if dev.Retired {
		return domain.AlreadyRetired, nil
	}
	err := c.do(ctx, "retire_device", func() error {
		return c.dir.Mobiledevices.Action(c.customer, dev.ID, &admin.MobileDeviceAction{Action: "admin_account_wipe"}).Context(ctx).Do()
	})
	if err != nil {
		return "", err
	}
	return domain.Retired, nil
}

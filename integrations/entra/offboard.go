package entra

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// The leaver's steps on what a look-up or a listing has just returned, so
// no read comes before each write (directory/fewer_calls.go).

// DisableFound disables the account the look-up has just found: its answer
// carried accountEnabled and onPremisesSyncEnabled, which setEnabled reads
// first otherwise. The outcomes are setEnabled's.
func (c *Client) DisableFound(ctx context.Context, acct domain.Account) (domain.Outcome, error) {
	switch {
	case !acct.Enabled:
		return domain.AlreadyDisabled, nil
	case acct.OnPremisesSynced:
		// accountEnabled is AD's (userAccountControl): Graph refuses it.
		return domain.MasteredOnPremises, nil
	}
	f := false
	patch := models.NewUser()
	patch.SetAccountEnabled(&f)
	if _, err := c.graph.Users().ByUserId(acct.ID).Patch(ctx, patch, nil); err != nil {
		return "", c.fail("disable", err)
	}
	return domain.Disabled, nil
}

// RevokeListedRole ends an assignment ListAdminRoles has just returned
// with a PIM adminRemove request, without listing the schedule instances
// again; Graph's RoleAssignmentDoesNotExist is WasAbsent.
func (c *Client) RevokeListedRole(ctx context.Context, id string, ra domain.RoleAssignment) (domain.Outcome, error) {
	const op = "revoke_admin_role"
	rid, err := c.roles.id(ctx, op, ra.Role)
	if err != nil {
		return "", err
	}
	req := newScheduleRequest(models.ADMINREMOVE_UNIFIEDROLESCHEDULEREQUESTACTIONS, id, rid, "jml: elevation ended")
	if _, err := c.graph.RoleManagement().Directory().RoleAssignmentScheduleRequests().Post(ctx, req, nil); err != nil {
		ce := c.fail(op, err)
		if de := asDirErr(ce); de != nil && de.Code == "RoleAssignmentDoesNotExist" {
			return domain.WasAbsent, nil
		}
		return "", ce
	}
	return domain.Removed, nil
}

// RemoveListedLicense removes a SKU ListLicenses has just returned,
// without reading the user's licenses again. A 400 (Graph refuses to
// remove a license the user no longer holds) falls back to the reading
// removal, which answers WasAbsent or the error.
func (c *Client) RemoveListedLicense(ctx context.Context, id, sku string) (domain.Outcome, error) {
	const op = "remove_license"
	skuID, err := c.skus.id(ctx, op, sku)
	if err != nil {
		return "", err
	}
	if err := c.postLicense(ctx, op, id, skuID, false); err != nil {
		if de := asDirErr(err); de != nil && de.Status == http.StatusBadRequest {
			return c.changeLicense(ctx, op, id, sku, false)
		}
		return "", err
	}
	return domain.Removed, nil
}

// postLicense sends one assignLicense change (Graph wants both arrays
// present, either may be empty).
func (c *Client) postLicense(ctx context.Context, op, id, skuID string, add bool) error {
	uid, err := uuid.Parse(skuID)
	if err != nil {
		return &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "skuId is not a GUID"}
	}
	body := usersAssignLicenseBody(uid, add)
	if _, err := c.graph.Users().ByUserId(id).AssignLicense().Post(ctx, body, nil); err != nil {
		return c.fail(op, err)
	}
	return nil
}

// RetireListedDevice issues an Intune retire for a device ListDevices has
// just returned, without reading it again (the listing says whether a
// retire is already pending).
func (c *Client) RetireListedDevice(ctx context.Context, dev domain.Device) (domain.Outcome, error) {
	if dev.Retired {
		return domain.AlreadyRetired, nil
	}
	if err := c.graph.DeviceManagement().ManagedDevices().ByManagedDeviceId(dev.ID).Retire().Post(ctx, nil); err != nil {
		return "", c.fail("retire_device", err)
	}
	return domain.Retired, nil
}

package entra

import (
	"context"

	"github.com/jml-dev/jml/domain"
	"github.com/microsoftgraph/msgraph-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

// ---- devices ----

func toDevice(d models.ManagedDeviceable) domain.Device {
	out := domain.Device{ID: str(d.GetId()), Name: str(d.GetDeviceName()), OS: str(d.GetOperatingSystem()), Compliance: "unknown"}
	if cs := d.GetComplianceState(); cs != nil {
		out.Compliance = cs.String()
	}
	if ms := d.GetManagementState(); ms != nil {
		switch *ms {
		case models.RETIREPENDING_MANAGEMENTSTATE, models.RETIREISSUED_MANAGEMENTSTATE:
			out.Retired = true
		}
	}
	return out
}

// ListDevices returns the user's Intune managed devices.
func (c *Client) ListDevices(ctx context.Context, id string) ([]domain.Device, error) {
	f := "userId eq " + quote(id)
	b := c.graph.DeviceManagement().ManagedDevices()
	out := []domain.Device{}
	err := each(
		func() (models.ManagedDeviceCollectionResponseable, error) {
			return b.Get(ctx, &devicemanagement.ManagedDevicesRequestBuilderGetRequestConfiguration{
				QueryParameters: &devicemanagement.ManagedDevicesRequestBuilderGetQueryParameters{Filter: &f},
			})
		},
		func(l string) (models.ManagedDeviceCollectionResponseable, error) { return b.WithUrl(l).Get(ctx, nil) },
		func(d models.ManagedDeviceable) error {
			out = append(out, toDevice(d))
			return nil
		})
	if err != nil {
		return nil, c.fail("list_devices", err)
	}
	return out, nil
}

// RetireDevice issues an Intune retire unless one is already pending.
func (c *Client) RetireDevice(ctx context.Context, deviceID string) (domain.Outcome, error) {
	const op = "retire_device"
	item := c.graph.DeviceManagement().ManagedDevices().ByManagedDeviceId(deviceID)
	d, err := item.Get(ctx, nil)
	if err != nil {
		return "", c.fail(op, err)
	}
	if toDevice(d).Retired {
		return domain.AlreadyRetired, nil
	}
	if err := item.Retire().Post(ctx, nil); err != nil {
		return "", c.fail(op, err)
	}
	return domain.Retired, nil
}

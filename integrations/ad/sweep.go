package ad

import (
	"context"

	"github.com/jml-dev/jml/integrations/directory"
)

// AdminHolders is AD's privileged-group membership as admin holders: each
// built-in privileged group is the "role".
func (c *Client) AdminHolders(ctx context.Context) ([]directory.AdminHolder, error) {
	ms, err := c.PrivilegedMembers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]directory.AdminHolder, 0, len(ms))
	for _, m := range ms {
		out = append(out, directory.AdminHolder{Role: m.Group, PrincipalID: m.Account, Kind: directory.PrincipalUser,
			Login: m.Account, EmployeeID: m.EmployeeID, Enabled: m.Enabled, Permanent: true, BreakGlass: m.BreakGlass})
	}
	return out, nil
}

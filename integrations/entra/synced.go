package entra

import (
	"context"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/jml-dev/jml/domain"
)

// synced reports Graph's onPremisesSyncEnabled: Entra Connect syncs the user
// from on-premises AD, which masters its account state, names, department,
// title, manager and the rest of the synced attributes. Graph refuses writes
// to them ("Unable to update the specified properties for on-premises
// mastered Directory Sync objects..."), so jml never sends one.
func synced(u models.Userable) bool {
	s := u.GetOnPremisesSyncEnabled()
	return s != nil && *s
}

// patchSyncedProfile writes what stays the cloud's on a synced user: the
// usage location (licensing needs it; AD's c, when set, is synced over it).
// A difference only in AD's attributes answers MasteredOnPremises.
func (c *Client) patchSyncedProfile(ctx context.Context, id string, cur models.Userable, p domain.Person) (domain.Outcome, error) {
	if p.UsageLocation != "" && p.UsageLocation != str(cur.GetUsageLocation()) {
		patch := models.NewUser()
		ul := p.UsageLocation
		patch.SetUsageLocation(&ul)
		if _, err := c.graph.Users().ByUserId(id).Patch(ctx, patch, nil); err != nil {
			return "", c.fail("update_profile", err)
		}
		return domain.Updated, nil
	}
	differs := func(want string, have *string) bool { return want != "" && want != str(have) }
	if differs(displayName(p), cur.GetDisplayName()) || differs(p.GivenName, cur.GetGivenName()) || differs(p.FamilyName, cur.GetSurname()) ||
		differs(p.Department, cur.GetDepartment()) || differs(p.Title, cur.GetJobTitle()) || differs(p.Location, cur.GetOfficeLocation()) {
		return domain.MasteredOnPremises, nil
	}
	return domain.Unchanged, nil
}

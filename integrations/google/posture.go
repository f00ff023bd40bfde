package google

import (
	"context"

	admin "google.golang.org/api/admin/directory/v1"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var _ directory.PostureReader = (*Client)(nil)

// PolicySnapshot is Google's 2SV enforcement, user by user: the Admin SDK
// exposes isEnforcedIn2Sv per user (set by organisational unit in the
// console), not the policy itself. Suspended and archived users are left out.
func (c *Client) PolicySnapshot(ctx context.Context) (domain.PolicySnapshot, error) {
	out := domain.PolicySnapshot{Directory: system, Raw: map[string]map[string]any{}}
	tok := ""
	for {
		l, err := call(ctx, c, "policy_snapshot", func() (*admin.Users, error) {
			return c.dir.Users.List().Customer(c.customer).MaxResults(500).PageToken(tok).
				Fields("nextPageToken", "users(id,primaryEmail,suspended,archived,isEnforcedIn2Sv,orgUnitPath)").Context(ctx).Do()
		})
		if err != nil {
			return domain.PolicySnapshot{}, err
		}
		for _, u := range l.Users {
			if u.Suspended || u.Archived {
				continue
			}
			out.Policies = append(out.Policies, domain.AuthPolicy{ID: u.Id, Name: u.PrimaryEmail, Kind: domain.PolicyGoogle2SV,
				Enabled: true, IncludeUsers: []string{u.Id}, RequireMFA: u.IsEnforcedIn2Sv})
			out.Raw[u.Id] = map[string]any{"primaryEmail": u.PrimaryEmail, "orgUnitPath": u.OrgUnitPath, "isEnforcedIn2Sv": u.IsEnforcedIn2Sv}
		}
		if tok = l.NextPageToken; tok == "" {
			return out, nil
		}
	}
}

// PolicySubject: Google's snapshot names users by id only.
func (c *Client) PolicySubject(_ context.Context, id string) (domain.PolicySubject, error) {
	return domain.PolicySubject{UserID: id}, nil
}

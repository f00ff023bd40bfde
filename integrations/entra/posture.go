package entra

import (
	"context"
	"slices"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var _ directory.PostureReader = (*Client)(nil)

// ---- Conditional Access ----

// PolicySnapshot reads /identity/conditionalAccess/policies: every policy,
// normalised, and its wire fields for the drift diff.
func (c *Client) PolicySnapshot(ctx context.Context) (domain.PolicySnapshot, error) {
	b := c.graph.Identity().ConditionalAccess().Policies()
	out := domain.PolicySnapshot{Directory: c.Name(), Raw: map[string]map[string]any{}}
	err := each(
		func() (models.ConditionalAccessPolicyCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.ConditionalAccessPolicyCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(p models.ConditionalAccessPolicyable) error {
			ap, raw := caPolicy(p)
			out.Policies = append(out.Policies, ap)
			out.Raw[ap.ID] = raw
			return nil
		})
	if err != nil {
		return domain.PolicySnapshot{}, c.fail("policy_snapshot", err)
	}
	return out, nil
}

func enumStrings[E interface{ String() string }](es []E) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, e.String())
	}
	return out
}

// caPolicy normalises one policy. MFA is required when the grant asks for
// mfa (alone, or AND-ed with other controls) or an authentication strength.
func caPolicy(p models.ConditionalAccessPolicyable) (domain.AuthPolicy, map[string]any) {
	ap := domain.AuthPolicy{ID: str(p.GetId()), Name: str(p.GetDisplayName()), Kind: domain.PolicyConditionalAccess}
	state := ""
	if s := p.GetState(); s != nil {
		state = s.String()
	}
	ap.Enabled = state == "enabled" || state == "enabledForReportingButNotEnforced"
	ap.ReportOnly = state == "enabledForReportingButNotEnforced"
	users := map[string]any{}
	conds := map[string]any{"users": users}
	if cs := p.GetConditions(); cs != nil {
		if u := cs.GetUsers(); u != nil {
			ap.IncludeUsers, ap.ExcludeUsers = u.GetIncludeUsers(), u.GetExcludeUsers()
			ap.IncludeGroups, ap.ExcludeGroups = u.GetIncludeGroups(), u.GetExcludeGroups()
			ap.IncludeRoles, ap.ExcludeRoles = u.GetIncludeRoles(), u.GetExcludeRoles()
			ap.AllUsers = slices.Contains(ap.IncludeUsers, "All")
			users["includeUsers"], users["excludeUsers"] = orEmpty(ap.IncludeUsers), orEmpty(ap.ExcludeUsers)
			users["includeGroups"], users["excludeGroups"] = orEmpty(ap.IncludeGroups), orEmpty(ap.ExcludeGroups)
			users["includeRoles"], users["excludeRoles"] = orEmpty(ap.IncludeRoles), orEmpty(ap.ExcludeRoles)
		}
		ap.ClientApps = enumStrings(cs.GetClientAppTypes())
		conds["clientAppTypes"] = ap.ClientApps
		if a := cs.GetApplications(); a != nil {
			conds["applications"] = map[string]any{"includeApplications": orEmpty(a.GetIncludeApplications()), "excludeApplications": orEmpty(a.GetExcludeApplications())}
		}
	}
	grant := map[string]any{}
	if g := p.GetGrantControls(); g != nil {
		ctl := enumStrings(g.GetBuiltInControls())
		op := strings.ToUpper(str(g.GetOperator()))
		only := func(x string) bool { return slices.Contains(ctl, x) && (op == "AND" || len(ctl) == 1) }
		ap.Block = slices.Contains(ctl, "block")
		ap.RequireMFA = only("mfa")
		ap.RequireCompliantDevice = only("compliantDevice")
		grant["operator"], grant["builtInControls"] = str(g.GetOperator()), ctl
		if s := g.GetAuthenticationStrength(); s != nil {
			ap.RequireMFA = true
			grant["authenticationStrength"] = map[string]any{"id": str(s.GetId()), "displayName": str(s.GetDisplayName())}
		}
	}
	raw := map[string]any{"id": ap.ID, "displayName": ap.Name, "state": state, "conditions": conds, "grantControls": grant}
	return ap, raw
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// PolicySubject is the user's object id, the ids of the groups they are a
// member of (transitively) and the role template ids of their directory roles.
func (c *Client) PolicySubject(ctx context.Context, id string) (domain.PolicySubject, error) {
	s := domain.PolicySubject{UserID: id}
	b := c.graph.Users().ByUserId(id).TransitiveMemberOf()
	err := each(
		func() (models.DirectoryObjectCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.DirectoryObjectCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(o models.DirectoryObjectable) error {
			switch v := o.(type) {
			case models.Groupable:
				s.Groups = append(s.Groups, str(v.GetId()))
			case models.DirectoryRoleable:
				s.Roles = append(s.Roles, str(v.GetRoleTemplateId()))
			}
			return nil
		})
	if err != nil {
		return s, c.fail("policy_subject", err)
	}
	// Roles held through PIM schedules (active assignments) count too.
	err = c.eachInstance(ctx, id, func(in models.UnifiedRoleAssignmentScheduleInstanceable) error {
		if r := str(in.GetRoleDefinitionId()); r != "" && !slices.Contains(s.Roles, r) {
			s.Roles = append(s.Roles, r)
		}
		return nil
	})
	if err != nil {
		return s, c.fail("policy_subject", err)
	}
	return s, nil
}

package entra

import (
	"context"
	"strings"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- admin roles (PIM) ----

func (c *Client) fetchRoles(ctx context.Context, op string) (map[string]string, error) {
	b := c.graph.RoleManagement().Directory().RoleDefinitions()
	out := map[string]string{}
	err := each(
		func() (models.UnifiedRoleDefinitionCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.UnifiedRoleDefinitionCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(d models.UnifiedRoleDefinitionable) error {
			out[str(d.GetId())] = str(d.GetDisplayName())
			return nil
		})
	if err != nil {
		return nil, c.fail(op, err)
	}
	return out, nil
}

// ListAdminRoles lists the user's active directory roles from PIM's
// schedule instances, which carry the end time of time-bound grants.
func (c *Client) ListAdminRoles(ctx context.Context, id string) ([]domain.RoleAssignment, error) {
	const op = "list_admin_roles"
	if err := c.roles.load(ctx, op); err != nil {
		return nil, err
	}
	out := []domain.RoleAssignment{}
	err := c.eachInstance(ctx, id, func(in models.UnifiedRoleAssignmentScheduleInstanceable) error {
		ra := domain.RoleAssignment{ID: str(in.GetId()), Role: c.roles.name(str(in.GetRoleDefinitionId()))}
		if t := in.GetEndDateTime(); t != nil {
			ra.ExpiresAt = t.UTC()
		}
		out = append(out, ra)
		return nil
	})
	if err != nil {
		return nil, c.fail(op, err)
	}
	return out, nil
}

func (c *Client) eachInstance(ctx context.Context, principal string, fn func(models.UnifiedRoleAssignmentScheduleInstanceable) error) error {
	f := "principalId eq " + quote(principal)
	b := c.graph.RoleManagement().Directory().RoleAssignmentScheduleInstances()
	return each(
		func() (models.UnifiedRoleAssignmentScheduleInstanceCollectionResponseable, error) {
			return b.Get(ctx, &rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetRequestConfiguration{
				QueryParameters: &rolemanagement.DirectoryRoleAssignmentScheduleInstancesRequestBuilderGetQueryParameters{Filter: &f},
			})
		},
		func(l string) (models.UnifiedRoleAssignmentScheduleInstanceCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		fn)
}

// tenantScope is the directory scope jml grants and revokes roles at.
const tenantScope = "/"

// activeRole returns the user's active tenant-wide assignment of roleID, if
// any; one scoped to an administrative unit is a different grant.
func (c *Client) activeRole(ctx context.Context, principal, roleID string) (models.UnifiedRoleAssignmentScheduleInstanceable, error) {
	var found models.UnifiedRoleAssignmentScheduleInstanceable
	err := c.eachInstance(ctx, principal, func(in models.UnifiedRoleAssignmentScheduleInstanceable) error {
		if strings.EqualFold(str(in.GetRoleDefinitionId()), roleID) && str(in.GetDirectoryScopeId()) == tenantScope {
			found = in
			return stop{}
		}
		return nil
	})
	if _, ok := err.(stop); ok {
		err = nil
	}
	return found, err
}

// GrantAdminRole activates the role through a PIM adminAssign request that
// expires by itself at until (noExpiration when until is zero).
func (c *Client) GrantAdminRole(ctx context.Context, id, role string, until time.Time) (domain.RoleAssignment, domain.Outcome, error) {
	const op = "grant_admin_role"
	rid, err := c.roles.id(ctx, op, role)
	if err != nil {
		return domain.RoleAssignment{}, "", err
	}
	if cur, err := c.activeRole(ctx, id, rid); err != nil {
		return domain.RoleAssignment{}, "", c.fail(op, err)
	} else if cur != nil {
		ra := domain.RoleAssignment{ID: str(cur.GetId()), Role: role}
		if t := cur.GetEndDateTime(); t != nil {
			ra.ExpiresAt = t.UTC()
		}
		return ra, domain.AlreadyPresent, nil
	}
	now := c.now().UTC()
	if !until.IsZero() && !until.After(now) {
		return domain.RoleAssignment{}, "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "grant would already have expired"}
	}
	req := newScheduleRequest(models.ADMINASSIGN_UNIFIEDROLESCHEDULEREQUESTACTIONS, id, rid, "jml: just-in-time elevation")
	sched := models.NewRequestSchedule()
	sched.SetStartDateTime(&now)
	exp := models.NewExpirationPattern()
	if until.IsZero() {
		t := models.NOEXPIRATION_EXPIRATIONPATTERNTYPE
		exp.SetTypeEscaped(&t)
	} else {
		t := models.AFTERDATETIME_EXPIRATIONPATTERNTYPE
		end := until.UTC()
		exp.SetTypeEscaped(&t)
		exp.SetEndDateTime(&end)
	}
	sched.SetExpiration(exp)
	req.SetScheduleInfo(sched)
	resp, err := c.graph.RoleManagement().Directory().RoleAssignmentScheduleRequests().Post(ctx, req, nil)
	if err != nil {
		ce := c.fail(op, err)
		if de := asDirErr(ce); de != nil && de.Code == "RoleAssignmentExists" {
			return domain.RoleAssignment{Role: role, ExpiresAt: until}, domain.AlreadyPresent, nil
		}
		return domain.RoleAssignment{}, "", ce
	}
	return domain.RoleAssignment{ID: str(resp.GetTargetScheduleId()), Role: role, ExpiresAt: until.UTC()}, domain.Added, nil
}

// RevokeAdminRole ends the assignment through a PIM adminRemove request.
func (c *Client) RevokeAdminRole(ctx context.Context, id, role string) (domain.Outcome, error) {
	const op = "revoke_admin_role"
	rid, err := c.roles.id(ctx, op, role)
	if err != nil {
		return "", err
	}
	cur, err := c.activeRole(ctx, id, rid)
	if err != nil {
		return "", c.fail(op, err)
	}
	if cur == nil {
		return domain.WasAbsent, nil
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

func newScheduleRequest(action models.UnifiedRoleScheduleRequestActions, principal, roleID, why string) models.UnifiedRoleAssignmentScheduleRequestable {
	req := models.NewUnifiedRoleAssignmentScheduleRequest()
	req.SetAction(&action)
	req.SetPrincipalId(&principal)
	req.SetRoleDefinitionId(&roleID)
	scope := tenantScope
	req.SetDirectoryScopeId(&scope)
	req.SetJustification(&why)
	return req
}

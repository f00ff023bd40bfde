package entra

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/devicemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/rolemanagement"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// page is the shape of every Graph collection response.
type page[T any] interface {
	GetValue() []T
	GetOdataNextLink() *string
}

// each walks every page: first fetches page one, next follows an absolute
// @odata.nextLink verbatim.
func each[T any, P page[T]](first func() (P, error), next func(link string) (P, error), fn func(T) error) error {
	p, err := first()
	for {
		if err != nil {
			return err
		}
		for _, v := range p.GetValue() {
			if err := fn(v); err != nil {
				return err
			}
		}
		link := str(p.GetOdataNextLink())
		if link == "" {
			return nil
		}
		p, err = next(link)
	}
}

// stop is returned by a callback to end paging early without an error.
type stop struct{}

func (stop) Error() string { return "stop" }

// ---- groups ----

// ListGroups returns the display names of the groups the user is a direct member of.
func (c *Client) ListGroups(ctx context.Context, id string) ([]string, error) {
	b := c.graph.Users().ByUserId(id).MemberOf()
	out := []string{}
	err := each(
		func() (models.DirectoryObjectCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.DirectoryObjectCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(o models.DirectoryObjectable) error {
			if g, ok := o.(models.Groupable); ok {
				out = append(out, str(g.GetDisplayName()))
			}
			return nil
		})
	if err != nil {
		return nil, c.fail("list_groups", err)
	}
	return out, nil
}

// groupID resolves a group display name to its id, cached.
func (c *Client) groupID(ctx context.Context, op, name string) (string, error) {
	key := strings.ToLower(name)
	c.mu.Lock()
	id, ok := c.groups[key]
	c.mu.Unlock()
	if ok {
		return id, nil
	}
	f := "displayName eq " + quote(name)
	resp, err := c.graph.Groups().Get(ctx, &groups.GroupsRequestBuilderGetRequestConfiguration{
		QueryParameters: &groups.GroupsRequestBuilderGetQueryParameters{Filter: &f, Select: []string{"id", "displayName"}},
	})
	if err != nil {
		return "", c.fail(op, err)
	}
	v := resp.GetValue()
	if len(v) == 0 {
		return "", directory.NotFound(System, op, "group "+name)
	}
	if len(v) > 1 {
		return "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "group display name " + name + " is ambiguous"}
	}
	id = str(v[0].GetId())
	c.mu.Lock()
	c.groups[key] = id
	c.mu.Unlock()
	return id, nil
}

// AddToGroup adds the user; Graph's 400 "already exist" means AlreadyPresent.
func (c *Client) AddToGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	const op = "add_to_group"
	gid, err := c.groupID(ctx, op, group)
	if err != nil {
		return "", err
	}
	ref := models.NewReferenceCreate()
	odataID := c.baseURL + "/directoryObjects/" + id
	ref.SetOdataId(&odataID)
	if err := c.graph.Groups().ByGroupId(gid).Members().Ref().Post(ctx, ref, nil); err != nil {
		ce := c.fail(op, err)
		if de := asDirErr(ce); de != nil && de.Status == 400 && strings.Contains(de.Message, "already exist") {
			return domain.AlreadyPresent, nil
		}
		return "", ce
	}
	return domain.Added, nil
}

// RemoveFromGroup removes the user; Graph's 404 means WasAbsent.
func (c *Client) RemoveFromGroup(ctx context.Context, id, group string) (domain.Outcome, error) {
	const op = "remove_from_group"
	gid, err := c.groupID(ctx, op, group)
	if err != nil {
		return "", err
	}
	if err := c.graph.Groups().ByGroupId(gid).Members().ByDirectoryObjectId(id).Ref().Delete(ctx, nil); err != nil {
		ce := c.fail(op, err)
		if directory.IsNotFound(ce) {
			return domain.WasAbsent, nil
		}
		return "", ce
	}
	return domain.Removed, nil
}

// catalog is a tenant's name <-> id table (license SKUs, role definitions),
// fetched on first use and kept; names match case-insensitively.
type catalog struct {
	kind  string                                                          // "license", "role": named in NotFound errors
	fetch func(ctx context.Context, op string) (map[string]string, error) // id -> name

	mu    sync.Mutex
	ids   map[string]string // lower(name) -> id
	names map[string]string // id -> name
}

// load fetches the table unless it is held (an empty one is asked for again).
func (k *catalog) load(ctx context.Context, op string) error {
	k.mu.Lock()
	loaded := len(k.ids) > 0
	k.mu.Unlock()
	if loaded {
		return nil
	}
	byID, err := k.fetch(ctx, op)
	if err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids == nil {
		k.ids, k.names = map[string]string{}, map[string]string{}
	}
	for id, name := range byID {
		k.ids[strings.ToLower(name)] = id
		k.names[id] = name
	}
	return nil
}

// id resolves name, NotFound when the tenant has no such entry.
func (k *catalog) id(ctx context.Context, op, name string) (string, error) {
	if err := k.load(ctx, op); err != nil {
		return "", err
	}
	k.mu.Lock()
	id, ok := k.ids[strings.ToLower(name)]
	k.mu.Unlock()
	if !ok {
		return "", directory.NotFound(System, op, k.kind+" "+name)
	}
	return id, nil
}

// name returns the name of a loaded id, or the id itself when it has none.
func (k *catalog) name(id string) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	if n := k.names[id]; n != "" {
		return n
	}
	return id
}

// ---- licenses ----

func (c *Client) fetchSkus(ctx context.Context, op string) (map[string]string, error) {
	resp, err := c.graph.SubscribedSkus().Get(ctx, nil)
	if err != nil {
		return nil, c.fail(op, err)
	}
	out := map[string]string{}
	for _, s := range resp.GetValue() {
		if s.GetSkuId() != nil {
			out[strings.ToLower(s.GetSkuId().String())] = str(s.GetSkuPartNumber())
		}
	}
	return out, nil
}

func (c *Client) userSkus(ctx context.Context, op, id string) ([]string, error) {
	u, err := c.graph.Users().ByUserId(id).Get(ctx, &users.UserItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.UserItemRequestBuilderGetQueryParameters{Select: []string{"id", "assignedLicenses"}},
	})
	if err != nil {
		return nil, c.fail(op, err)
	}
	var out []string
	for _, l := range u.GetAssignedLicenses() {
		if l.GetSkuId() != nil {
			out = append(out, strings.ToLower(l.GetSkuId().String()))
		}
	}
	return out, nil
}

// ListLicenses returns the user's licenses by skuPartNumber.
func (c *Client) ListLicenses(ctx context.Context, id string) ([]string, error) {
	const op = "list_licenses"
	if err := c.skus.load(ctx, op); err != nil {
		return nil, err
	}
	ids, err := c.userSkus(ctx, op, id)
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, s := range ids {
		out = append(out, c.skus.name(s))
	}
	return out, nil
}

// AssignLicense adds the SKU unless the user already holds it.
func (c *Client) AssignLicense(ctx context.Context, id, sku string) (domain.Outcome, error) {
	return c.changeLicense(ctx, "assign_license", id, sku, true)
}

// RemoveLicense removes the SKU unless the user does not hold it.
func (c *Client) RemoveLicense(ctx context.Context, id, sku string) (domain.Outcome, error) {
	return c.changeLicense(ctx, "remove_license", id, sku, false)
}

func (c *Client) changeLicense(ctx context.Context, op, id, sku string, add bool) (domain.Outcome, error) {
	skuID, err := c.skus.id(ctx, op, sku)
	if err != nil {
		return "", err
	}
	held, err := c.userSkus(ctx, op, id)
	if err != nil {
		return "", err
	}
	has := slices.Contains(held, skuID)
	switch {
	case add && has:
		return domain.AlreadyPresent, nil
	case !add && !has:
		return domain.WasAbsent, nil
	}
	uid, err := uuid.Parse(skuID)
	if err != nil {
		return "", &directory.Error{System: System, Op: op, Kind: directory.KindPermanent, Message: "skuId is not a GUID"}
	}
	// Graph wants both arrays present, either may be empty
	body := users.NewItemAssignLicensePostRequestBody()
	body.SetAddLicenses([]models.AssignedLicenseable{})
	body.SetRemoveLicenses([]uuid.UUID{})
	if add {
		al := models.NewAssignedLicense()
		al.SetSkuId(&uid)
		al.SetDisabledPlans([]uuid.UUID{})
		body.SetAddLicenses([]models.AssignedLicenseable{al})
	} else {
		body.SetRemoveLicenses([]uuid.UUID{uid})
	}
	if _, err := c.graph.Users().ByUserId(id).AssignLicense().Post(ctx, body, nil); err != nil {
		return "", c.fail(op, err)
	}
	if add {
		return domain.Added, nil
	}
	return domain.Removed, nil
}

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

// ---- MFA ----

// weakMethods do not count as a second factor.
var weakMethods = map[string]bool{
	"#microsoft.graph.passwordAuthenticationMethod":            true,
	"#microsoft.graph.emailAuthenticationMethod":               true,
	"#microsoft.graph.temporaryAccessPassAuthenticationMethod": true,
}

// MFAStatus reports the user's registered strong authentication methods.
func (c *Client) MFAStatus(ctx context.Context, id string) (domain.MFA, error) {
	b := c.graph.Users().ByUserId(id).Authentication().Methods()
	out := domain.MFA{Methods: []string{}}
	err := each(
		func() (models.AuthenticationMethodCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.AuthenticationMethodCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(m models.AuthenticationMethodable) error {
			t := str(m.GetOdataType())
			if weakMethods[t] {
				return nil
			}
			out.Methods = append(out.Methods, strings.TrimSuffix(strings.TrimPrefix(t, "#microsoft.graph."), "AuthenticationMethod"))
			return nil
		})
	if err != nil {
		return domain.MFA{}, c.fail("mfa_status", err)
	}
	out.Enrolled = len(out.Methods) > 0
	return out, nil
}

// ---- events ----

// SignInEvents pages through sign-ins, then directory audits, in [from, to).
func (c *Client) SignInEvents(ctx context.Context, from, to time.Time, fn func(domain.AuditEvent) error) error {
	const op = "sign_in_events"
	span := func(field string) string {
		return field + " ge " + from.UTC().Format(time.RFC3339) + " and " + field + " lt " + to.UTC().Format(time.RFC3339)
	}
	var cbErr error
	call := func(ev domain.AuditEvent) error {
		if err := fn(ev); err != nil {
			cbErr = err
			return err
		}
		return nil
	}
	fs := span("createdDateTime")
	sb := c.graph.AuditLogs().SignIns()
	err := each(
		func() (models.SignInCollectionResponseable, error) {
			return sb.Get(ctx, &auditlogs.SignInsRequestBuilderGetRequestConfiguration{
				QueryParameters: &auditlogs.SignInsRequestBuilderGetQueryParameters{Filter: &fs},
			})
		},
		func(l string) (models.SignInCollectionResponseable, error) { return sb.WithUrl(l).Get(ctx, nil) },
		func(s models.SignInable) error {
			ev := domain.AuditEvent{ID: str(s.GetId()), Actor: str(s.GetUserPrincipalName()), Action: "sign-in",
				App: str(s.GetAppDisplayName()), IP: str(s.GetIpAddress()), Result: "success",
				Raw: map[string]any{"userId": str(s.GetUserId())}}
			if t := s.GetCreatedDateTime(); t != nil {
				ev.Time = t.UTC()
			}
			if st := s.GetStatus(); st != nil && st.GetErrorCode() != nil && *st.GetErrorCode() != 0 {
				ev.Result = "failure: " + str(st.GetFailureReason())
				ev.Raw["errorCode"] = *st.GetErrorCode()
			}
			return call(ev)
		})
	if err != nil {
		if cbErr != nil {
			return cbErr
		}
		return c.fail(op, err)
	}
	fa := span("activityDateTime")
	ab := c.graph.AuditLogs().DirectoryAudits()
	err = each(
		func() (models.DirectoryAuditCollectionResponseable, error) {
			return ab.Get(ctx, &auditlogs.DirectoryAuditsRequestBuilderGetRequestConfiguration{
				QueryParameters: &auditlogs.DirectoryAuditsRequestBuilderGetQueryParameters{Filter: &fa},
			})
		},
		func(l string) (models.DirectoryAuditCollectionResponseable, error) {
			return ab.WithUrl(l).Get(ctx, nil)
		},
		func(a models.DirectoryAuditable) error {
			ev := domain.AuditEvent{ID: str(a.GetId()), Action: str(a.GetActivityDisplayName()), Result: "unknown",
				Raw: map[string]any{"category": str(a.GetCategory())}}
			if t := a.GetActivityDateTime(); t != nil {
				ev.Time = t.UTC()
			}
			if r := a.GetResult(); r != nil {
				ev.Result = r.String()
			}
			if ib := a.GetInitiatedBy(); ib != nil {
				if u := ib.GetUser(); u != nil {
					ev.Actor = str(u.GetUserPrincipalName())
				} else if app := ib.GetApp(); app != nil {
					ev.Actor = str(app.GetDisplayName())
				}
			}
			if tr := a.GetTargetResources(); len(tr) > 0 {
				ev.Raw["target"] = str(tr[0].GetUserPrincipalName())
				ev.Raw["targetId"] = str(tr[0].GetId())
			}
			return call(ev)
		})
	if err != nil {
		if cbErr != nil {
			return cbErr
		}
		return c.fail(op, err)
	}
	return nil
}

func asDirErr(err error) *directory.Error {
	var de *directory.Error
	if errors.As(err, &de) {
		return de
	}
	return nil
}

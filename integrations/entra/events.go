package entra

import (
	"context"
	"strings"
	"time"

	"github.com/jml-dev/jml/domain"
	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
)

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
				Raw: map[string]any{"userId": str(s.GetUserId()), "clientAppUsed": str(s.GetClientAppUsed()),
					"authenticationRequirement": authRequirement(s)}}
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

// authRequirement is the sign-in's authenticationRequirement (beta, kept
// by the SDK as additional data), else multiFactorAuthentication when a
// Conditional Access policy enforced MFA and it succeeded (v1.0).
func authRequirement(s models.SignInable) string {
	switch v := s.GetAdditionalData()["authenticationRequirement"].(type) {
	case *string:
		if v != nil && *v != "" {
			return *v
		}
	case string:
		if v != "" {
			return v
		}
	}
	for _, p := range s.GetAppliedConditionalAccessPolicies() {
		if r := p.GetResult(); r == nil || r.String() != "success" {
			continue
		}
		for _, g := range p.GetEnforcedGrantControls() {
			if strings.EqualFold(g, "mfa") {
				return "multiFactorAuthentication"
			}
		}
	}
	return "singleFactorAuthentication"
}

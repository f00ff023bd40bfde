package okta

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var _ directory.UserAppRemover = (*Client)(nil)

// errGroupAssigned is Okta's code for "Deactivate application for user
// forbidden": the user holds the app through a group.
const errGroupAssigned = "E0000046"

// RemoveUserApp unassigns the app with this label from the user: the app
// instance is found in the user's app links (one read), then
// DELETE /api/v1/apps/{appId}/users/{userId}?sendEmail=false. Not assigned,
// or gone meanwhile (404), is WasAbsent. Okta refuses (403 E0000046) while a
// group membership grants the app; the answer then names those groups.
func (c *Client) RemoveUserApp(ctx context.Context, id, app string) (domain.Outcome, error) {
	const op = "remove_user_app"
	cctx, ci := withCall(ctx)
	links, resp, err := c.sdk.User.ListAppLinks(cctx, url.PathEscape(id))
	if err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	appID := ""
	for _, l := range links {
		if l != nil && strings.EqualFold(l.Label, app) {
			appID = l.AppInstanceId
			break
		}
	}
	if appID == "" {
		return domain.WasAbsent, nil
	}
	cctx, ci = withCall(ctx)
	resp, err = c.sdk.Application.DeleteApplicationUser(cctx, url.PathEscape(appID), url.PathEscape(id), query.NewQueryParams(query.WithSendEmail(false)))
	if err == nil {
		return domain.Removed, nil
	}
	e := c.fail(op, resp, ci, err)
	var de *directory.Error
	switch {
	case isStatus(e, 404):
		return domain.WasAbsent, nil
	case errors.As(e, &de) && de.Status == 403 && de.Code == errGroupAssigned:
		groups, _ := c.appGroupsOf(ctx, appID, id) // best effort: the refusal stands either way
		return "", &directory.AppGroupAssigned{System: System, App: app, Groups: groups}
	}
	return "", e
}

// appGroupsOf names the user's groups the app is assigned to
// (GET /api/v1/apps/{appId}/groups against the user's groups).
func (c *Client) appGroupsOf(ctx context.Context, appID, id string) ([]string, error) {
	const op = "list_app_groups"
	cctx, ci := withCall(ctx)
	asg, resp, err := c.sdk.Application.ListApplicationGroupAssignments(cctx, url.PathEscape(appID), nil)
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	for resp.HasNextPage() {
		var more []*okta.ApplicationGroupAssignment
		if resp, err = resp.Next(cctx, &more); err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		asg = append(asg, more...)
	}
	assigned := map[string]bool{}
	for _, a := range asg {
		if a != nil {
			assigned[a.Id] = true
		}
	}
	gs, err := c.userGroups(ctx, op, id)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, g := range gs {
		if assigned[g.Id] && g.Profile != nil {
			out = append(out, g.Profile.Name)
		}
	}
	sort.Strings(out)
	return out, nil
}

package okta

import (
	"context"
	"net/url"

	"github.com/okta/okta-sdk-golang/v2/okta"
	"github.com/okta/okta-sdk-golang/v2/okta/query"

	"github.com/jml-dev/jml/integrations/directory"
)

// Okta has no org-wide listing of the groups or apps that hold admin
// roles (iam/assignees/users covers users only), so the cheapest real
// read is: every group (GET /api/v1/groups, 200 a page) and its roles
// (GET /api/v1/groups/{id}/roles, one call each); every OIDC app
// (GET /api/v1/apps?filter=name eq "oidc_client", 200 a page) and, for the
// API service apps among them (application_type "service": the only apps
// that can act with an admin role), GET /oauth2/v1/clients/{clientId}/roles.

// groupHolders lists every group's role assignments.
func (c *Client) groupHolders(ctx context.Context, op string) ([]directory.AdminHolder, error) {
	var out []directory.AdminHolder
	ctx2, ci := withCall(ctx)
	gs, resp, err := c.sdk.Group.ListGroups(ctx2, &query.Params{Limit: 200})
	for {
		if err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		for _, g := range gs {
			rctx, rci := withCall(ctx)
			rs, rresp, err := c.sdk.Group.ListGroupAssignedRoles(rctx, url.PathEscape(g.Id), nil)
			if err != nil {
				e := c.fail(op, rresp, rci, err)
				if directory.IsNotFound(e) {
					continue // deleted since the list
				}
				return nil, e
			}
			name := ""
			if g.Profile != nil {
				name = g.Profile.Name
			}
			for _, r := range rs {
				out = append(out, directory.AdminHolder{Role: r.Type, AssignmentID: r.Id, PrincipalID: g.Id, Kind: directory.PrincipalGroup,
					Login: name, Enabled: true, Permanent: true})
			}
		}
		if !resp.HasNextPage() {
			return out, nil
		}
		gs = nil
		resp, err = resp.Next(ctx2, &gs)
	}
}

// oidcApp is the part of an OIDC app jml reads (the SDK's App union needs
// a type registry this read does without).
type oidcApp struct {
	ID          string `json:"id"`
	Label       string `json:"label"`
	Status      string `json:"status"`
	Credentials struct {
		OAuthClient struct {
			ClientID string `json:"client_id"`
		} `json:"oauthClient"`
	} `json:"credentials"`
	Settings struct {
		OAuthClient struct {
			ApplicationType string `json:"application_type"`
		} `json:"oauthClient"`
	} `json:"settings"`
}

// clientHolders lists the role assignments of every API service app.
func (c *Client) clientHolders(ctx context.Context, op string) ([]directory.AdminHolder, error) {
	re := c.sdk.CloneRequestExecutor()
	q := url.Values{"filter": {`name eq "oidc_client"`}, "limit": {"200"}}
	var apps []oidcApp
	ctx2, ci := withCall(ctx)
	req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest("GET", "/api/v1/apps?"+q.Encode(), nil)
	if err != nil {
		return nil, c.fail(op, nil, ci, err)
	}
	var page []oidcApp
	resp, err := re.Do(ctx2, req, &page)
	for {
		if err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		apps = append(apps, page...)
		if !resp.HasNextPage() {
			break
		}
		page = nil
		resp, err = resp.Next(ctx2, &page)
	}
	var out []directory.AdminHolder
	for _, a := range apps {
		if a.Settings.OAuthClient.ApplicationType != "service" {
			continue
		}
		id := a.Credentials.OAuthClient.ClientID
		if id == "" {
			id = a.ID
		}
		rctx, rci := withCall(ctx)
		req, err := re.WithAccept("application/json").WithContentType("application/json").NewRequest("GET", "/oauth2/v1/clients/"+url.PathEscape(id)+"/roles", nil)
		if err != nil {
			return nil, c.fail(op, nil, rci, err)
		}
		var rs []*okta.Role
		rresp, err := re.Do(rctx, req, &rs)
		if err != nil {
			e := c.fail(op, rresp, rci, err)
			if directory.IsNotFound(e) {
				continue
			}
			return nil, e
		}
		for _, r := range rs {
			out = append(out, directory.AdminHolder{Role: r.Type, AssignmentID: r.Id, PrincipalID: id, Kind: directory.PrincipalService,
				Login: id, Enabled: a.Status == "ACTIVE", Permanent: true})
		}
	}
	return out, nil
}

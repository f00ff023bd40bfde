package okta

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var _ directory.PostureReader = (*Client)(nil)

// Okta's policy types jml reads: the global session policy and the
// authentication (app sign-on) policies.
var postureTypes = []string{domain.PolicyOktaSignOn, domain.PolicyOktaAccess}

// getJSON reads an Okta collection through the SDK's request executor,
// raw, so fields the v2 SDK has no model for (appSignOn) survive.
func (c *Client) getJSON(ctx context.Context, op, path string) ([]map[string]any, error) {
	ctx, ci := withCall(ctx)
	rq := c.sdk.CloneRequestExecutor()
	req, err := rq.WithAccept("application/json").WithContentType("application/json").NewRequest("GET", path, nil)
	if err != nil {
		return nil, c.fail(op, nil, ci, err)
	}
	var out []map[string]any
	resp, err := rq.Do(ctx, req, &out)
	if err != nil {
		return nil, c.fail(op, resp, ci, err)
	}
	for resp.HasNextPage() {
		var more []map[string]any
		if resp, err = resp.Next(ctx, &more); err != nil {
			return nil, c.fail(op, resp, ci, err)
		}
		out = append(out, more...)
	}
	return out, nil
}

// PolicySnapshot reads /api/v1/policies?type=OKTA_SIGN_ON and
// ACCESS_POLICY and each policy's rules; each rule is one AuthPolicy.
func (c *Client) PolicySnapshot(ctx context.Context) (domain.PolicySnapshot, error) {
	const op = "policy_snapshot"
	out := domain.PolicySnapshot{Directory: System, Raw: map[string]map[string]any{}}
	everyone, err := c.everyoneID(ctx, op)
	if err != nil {
		return out, err
	}
	for _, typ := range postureTypes {
		ps, err := c.getJSON(ctx, op, "/api/v1/policies?type="+typ)
		if err != nil {
			return out, err
		}
		for _, p := range ps {
			pid := s(p["id"])
			rules, err := c.getJSON(ctx, op, "/api/v1/policies/"+url.PathEscape(pid)+"/rules")
			if err != nil {
				return out, err
			}
			for _, r := range rules {
				ap := oktaRule(typ, everyone, p, r)
				out.Policies = append(out.Policies, ap)
				raw := map[string]any{"name": ap.Name, "policyStatus": p["status"], "policyPriority": p["priority"],
					"policyConditions": p["conditions"], "status": r["status"], "priority": r["priority"],
					"conditions": r["conditions"], "actions": r["actions"]}
				out.Raw[ap.ID] = raw
			}
		}
	}
	return out, nil
}

// everyoneID is the built-in Everyone group's id.
func (c *Client) everyoneID(ctx context.Context, op string) (string, error) {
	ctx, ci := withCall(ctx)
	gs, resp, err := c.sdk.Group.ListGroups(ctx, nil)
	if err != nil {
		return "", c.fail(op, resp, ci, err)
	}
	for _, g := range gs {
		if g.Type == "BUILT_IN" && g.Profile != nil && g.Profile.Name == "Everyone" {
			return g.Id, nil
		}
	}
	return "", nil
}

func s(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func num(v any) int {
	if f, ok := v.(float64); ok {
		return int(f)
	}
	return 0
}

// path walks nested JSON objects.
func path(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

func strs(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, s(x))
		}
	}
	return out
}

// oktaRule normalises one rule of one policy. A rule's people narrow the
// policy's; a policy whose groups include Everyone (or an authentication
// policy, which has no people of its own) covers all users.
func oktaRule(typ, everyone string, p, r map[string]any) domain.AuthPolicy {
	ap := domain.AuthPolicy{ID: s(p["id"]) + "/" + s(r["id"]), Name: s(p["name"]) + " / " + s(r["name"]), Kind: typ, Parent: s(p["id"]),
		Enabled:  s(p["status"]) == "ACTIVE" && s(r["status"]) == "ACTIVE",
		Priority: num(p["priority"])*1000 + num(r["priority"])}
	pg := strs(path(p, "conditions", "people", "groups", "include"))
	ap.ExcludeGroups = strs(path(p, "conditions", "people", "groups", "exclude"))
	ru, rg := strs(path(r, "conditions", "people", "users", "include")), strs(path(r, "conditions", "people", "groups", "include"))
	ap.ExcludeUsers = strs(path(r, "conditions", "people", "users", "exclude"))
	ap.ExcludeGroups = append(ap.ExcludeGroups, strs(path(r, "conditions", "people", "groups", "exclude"))...)
	policyAll := typ == domain.PolicyOktaAccess && len(pg) == 0
	for _, g := range pg {
		if g == everyone && everyone != "" {
			policyAll = true
		}
	}
	switch {
	case len(ru) > 0 || len(rg) > 0:
		ap.IncludeUsers, ap.IncludeGroups = ru, rg
		if len(ru) == 0 && len(rg) == 1 && rg[0] == everyone && policyAll {
			ap.AllUsers, ap.IncludeGroups = true, nil
		}
	case policyAll:
		ap.AllUsers = true
	default:
		ap.IncludeGroups = pg
	}
	switch typ {
	case domain.PolicyOktaSignOn:
		access := s(path(r, "actions", "signon", "access"))
		ap.Block = access == "DENY"
		ap.RequireMFA = access == "ALLOW" && path(r, "actions", "signon", "requireFactor") == true
	case domain.PolicyOktaAccess:
		access := s(path(r, "actions", "appSignOn", "access"))
		ap.Block = access == "DENY"
		ap.RequireMFA = access == "ALLOW" && strings.EqualFold(s(path(r, "actions", "appSignOn", "verificationMethod", "factorMode")), "2FA")
		ap.RequireCompliantDevice = path(r, "conditions", "device", "managed") == true
	}
	return ap
}

// PolicySubject is the user's id and the ids of their groups (Everyone included).
func (c *Client) PolicySubject(ctx context.Context, id string) (domain.PolicySubject, error) {
	gs, err := c.userGroups(ctx, "policy_subject", id)
	if err != nil {
		return domain.PolicySubject{}, err
	}
	out := domain.PolicySubject{UserID: id}
	for _, g := range gs {
		out.Groups = append(out.Groups, g.Id)
	}
	return out, nil
}

package entra

import (
	"context"
	"net/http"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/groups"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

// ---- groups ----

// ListGroups returns the display names of the groups the user is a direct
// member of, and keeps their ids (RemoveFromGroup resolves names by them).
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
				name := str(g.GetDisplayName())
				out = append(out, name)
				if id := str(g.GetId()); id != "" && name != "" {
					// the removal that follows needs no name search
					c.mu.Lock()
					c.groups[strings.ToLower(name)] = id
					c.mu.Unlock()
				}
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

// AddToGroup adds the user. Graph answers a duplicate add with a generic 400
// Request_BadRequest whose only distinguishing mark is English prose, so a
// 400 is AlreadyPresent only when a read-back finds the direct membership.
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
		if de := asDirErr(ce); de != nil && de.Status == http.StatusBadRequest {
			member, rerr := c.directMember(ctx, id, gid)
			if rerr != nil {
				// Unknown whether the 400 was "already a member" (a retried
				// add whose first answer was lost): answer as the read-back
				// failed, so a transient failure is retried, not a blocked lane.
				return "", c.fail(op, rerr)
			}
			if member {
				return domain.AlreadyPresent, nil
			}
		}
		return "", ce
	}
	return domain.Added, nil
}

// directMember reports whether the user is a direct member of the group,
// walking the user's memberOf pages (the same read as ListGroups).
func (c *Client) directMember(ctx context.Context, id, gid string) (bool, error) {
	b := c.graph.Users().ByUserId(id).MemberOf()
	found := false
	err := each(
		func() (models.DirectoryObjectCollectionResponseable, error) { return b.Get(ctx, nil) },
		func(l string) (models.DirectoryObjectCollectionResponseable, error) {
			return b.WithUrl(l).Get(ctx, nil)
		},
		func(o models.DirectoryObjectable) error {
			if strings.EqualFold(str(o.GetId()), gid) {
				found = true
				return stop{}
			}
			return nil
		})
	if _, ok := err.(stop); ok {
		err = nil
	}
	return found, err
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

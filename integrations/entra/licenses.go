package entra

import (
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/jml-dev/jml/domain"
)

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
	if err := c.postLicense(ctx, op, id, skuID, add); err != nil {
		return "", err
	}
	if add {
		return domain.Added, nil
	}
	return domain.Removed, nil
}

// usersAssignLicenseBody adds or removes one SKU.
func usersAssignLicenseBody(uid uuid.UUID, add bool) users.ItemAssignLicensePostRequestBodyable {
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
	return body
}

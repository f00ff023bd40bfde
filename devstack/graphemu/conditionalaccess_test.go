package graphemu

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// TestConditionalAccessPolicies: the seeded policies in Graph's shape,
// PATCH merging as Graph does, Graph's refusals, and the admin route jml
// dev's visitors use without a token.
func TestConditionalAccessPolicies(t *testing.T) {
	e := start(t, 100)
	e.SeedPosture(demoorg.New(30, 2))
	a := call(t, e, http.MethodGet, "/identity/conditionalAccess/policies", nil)
	require.Equal(t, http.StatusOK, a.status)
	vals, _ := a.body["value"].([]any)
	require.Len(t, vals, 3)
	p := vals[0].(map[string]any)
	assert.Equal(t, CAPolicyRequireMFA, p["id"])
	assert.Equal(t, []any{"mfa"}, p["grantControls"].(map[string]any)["builtInControls"])
	assert.Equal(t, []any{"All"}, p["conditions"].(map[string]any)["users"].(map[string]any)["includeUsers"])

	a = call(t, e, http.MethodPatch, "/identity/conditionalAccess/policies/"+CAPolicyRequireMFA, map[string]any{"state": "on"})
	assert.Equal(t, http.StatusBadRequest, a.status, "state outside the enum")
	a = call(t, e, http.MethodPatch, "/identity/conditionalAccess/policies/nope", map[string]any{"state": "disabled"})
	assert.Equal(t, http.StatusNotFound, a.status)
	a = call(t, e, http.MethodPatch, "/identity/conditionalAccess/policies/"+CAPolicyRequireMFA,
		map[string]any{"conditions": map[string]any{"users": map[string]any{"excludeUsers": []any{"u1"}}}})
	assert.Equal(t, http.StatusNoContent, a.status)
	got := e.CAPolicies()[0]
	users := got["conditions"].(map[string]any)["users"].(map[string]any)
	assert.Equal(t, []any{"u1"}, users["excludeUsers"])
	assert.Equal(t, []any{"All"}, users["includeUsers"], "PATCH merges: the rest of conditions.users stays")
	assert.Equal(t, []any{"all"}, got["conditions"].(map[string]any)["clientAppTypes"])

	a = call(t, e, http.MethodPatch, e.URL()+"/__admin/conditionalAccess/policies/"+CAPolicyRequireMFA, map[string]any{"state": "disabled"}, "Authorization", "")
	assert.Equal(t, http.StatusNoContent, a.status)
	assert.Equal(t, "disabled", e.CAPolicies()[0]["state"])
	a = call(t, e, http.MethodPost, "/identity/conditionalAccess/policies", map[string]any{"state": "enabled"})
	assert.Equal(t, http.StatusBadRequest, a.status, "a new policy needs a displayName")
}

// TestAuthenticationMethodsByKind: SetAuthMethods answers each method in
// its Graph type, phone with its phoneType.
func TestAuthenticationMethodsByKind(t *testing.T) {
	e := start(t, 100)
	u := e.Users()[1]
	require.True(t, e.SetAuthMethods(u.ID, "sms", "voice", "fido2"))
	a := call(t, e, http.MethodGet, "/users/"+u.ID+"/authentication/methods", nil)
	require.Equal(t, http.StatusOK, a.status)
	var types []string
	for _, v := range a.body["value"].([]any) {
		m := v.(map[string]any)
		types = append(types, m["@odata.type"].(string))
		if m["@odata.type"] == "#microsoft.graph.phoneAuthenticationMethod" {
			assert.Contains(t, []any{"mobile", "office"}, m["phoneType"])
		}
	}
	assert.Equal(t, []string{"#microsoft.graph.passwordAuthenticationMethod", "#microsoft.graph.phoneAuthenticationMethod",
		"#microsoft.graph.phoneAuthenticationMethod", "#microsoft.graph.fido2AuthenticationMethod"}, types)
}

package graphemu

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPerUserMFARequirements: beta's strongAuthenticationRequirements in
// Graph's shape: every account starts disabled; PATCH answers 204, turns
// enabled into enforced for a user with a registered method and refuses
// an unknown state; v1.0 has no such segment; the token is checked.
func TestPerUserMFARequirements(t *testing.T) {
	e := start(t, 0)
	var reg, bare User // MFA registered, and none
	for _, u := range e.Users() {
		switch {
		case u.MFA && reg.ID == "":
			reg = u
		case !u.MFA && bare.ID == "":
			bare = u
		}
	}
	require.NotEmpty(t, reg.ID)
	require.NotEmpty(t, bare.ID)
	beta := func(method, id string, body any, hdr ...string) answer {
		return call(t, e, method, e.URL()+"/beta/users/"+id+"/authentication/requirements", body, hdr...)
	}

	a := beta(http.MethodGet, reg.ID, nil)
	require.Equal(t, http.StatusOK, a.status)
	require.Equal(t, "disabled", a.body["perUserMfaState"])
	require.True(t, strings.HasSuffix(a.body["@odata.context"].(string), "/beta/$metadata#users('"+reg.ID+"')/authentication/requirements/$entity"), a.body)

	a = beta(http.MethodPatch, reg.ID, map[string]any{"perUserMfaState": "enabled"})
	require.Equal(t, http.StatusNoContent, a.status)
	require.Equal(t, "enforced", beta(http.MethodGet, reg.ID, nil).body["perUserMfaState"], "a registered user goes straight to enforced")
	a = beta(http.MethodPatch, bare.UserPrincipalName, map[string]any{"perUserMfaState": "enabled"})
	require.Equal(t, http.StatusNoContent, a.status)
	require.Equal(t, "enabled", e.PerUserMFA(bare.ID), "no method yet: enabled until they register")

	a = beta(http.MethodPatch, reg.ID, map[string]any{"perUserMfaState": "on"})
	require.Equal(t, http.StatusBadRequest, a.status)
	require.Contains(t, errMessage(a), "perUserMfaState")
	require.Equal(t, "enforced", e.PerUserMFA(reg.ID), "a refused PATCH changes nothing")
	a = beta(http.MethodPatch, reg.ID, map[string]any{})
	require.Equal(t, http.StatusBadRequest, a.status)

	a = beta(http.MethodGet, "no-such-user", nil)
	require.Equal(t, http.StatusNotFound, a.status)
	require.Equal(t, "Request_ResourceNotFound", errCode(a))
	a = call(t, e, http.MethodGet, "/users/"+reg.ID+"/authentication/requirements", nil)
	require.Equal(t, http.StatusBadRequest, a.status, "v1.0 has no per-user MFA")
	a = beta(http.MethodGet, reg.ID, nil, "Authorization", "")
	require.Equal(t, http.StatusUnauthorized, a.status)

	require.False(t, e.SetPerUserMFA(reg.ID, "sometimes"))
	require.False(t, e.SetPerUserMFA("no-such-user", "enforced"))
}

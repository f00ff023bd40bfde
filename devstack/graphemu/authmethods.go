package graphemu

import (
	"net/http"

	"github.com/google/uuid"
)

// ---- authentication methods ----

// passwordMethodID is the well-known id Graph gives every password method.
const passwordMethodID = "28c10230-6103-485e-b985-444c60001490"

func (e *Emulator) authMethods(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	items := []any{map[string]any{
		"@odata.type":     "#microsoft.graph.passwordAuthenticationMethod",
		"id":              passwordMethodID,
		"password":        nil,
		"createdDateTime": ts(u.CreatedDateTime),
	}}
	if kinds, ok := e.methods[u.ID]; ok { // set by SetAuthMethods or SeedPosture
		for _, k := range kinds {
			items = append(items, methodJSON(u, k))
		}
	} else if u.MFA {
		items = append(items, map[string]any{
			"@odata.type":     "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
			"id":              uuid.NewSHA1(uuid.NameSpaceOID, []byte("mfa:"+u.ID)).String(),
			"displayName":     "iPhone",
			"deviceTag":       "SoftwareTokenActivated",
			"phoneAppVersion": "6.8.7",
			"createdDateTime": ts(u.CreatedDateTime),
		})
	}
	e.mu.RUnlock()
	e.page(w, r, "users('"+u.ID+"')/authentication/methods", items)
	return nil
}

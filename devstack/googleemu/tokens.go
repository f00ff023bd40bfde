package googleemu

import (
	"net/http"
	"slices"

	"github.com/jml-dev/jml/devstack/emulator"
)

// --- tokens ---

func (e *Emulator) serveTokens(w http.ResponseWriter, r *http.Request, key string, rest []string) {
	defer e.lockFor(r.Method)()
	u := e.userByKey(key)
	if u == nil {
		notFound(w, "userKey")
		return
	}
	toks := e.tokens[u.ID]
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		emulator.WriteJSON(w, http.StatusOK, map[string]any{"kind": "admin#directory#tokenList", "etag": "\"tokens\"", "items": toks})
	case len(rest) == 1 && (r.Method == http.MethodGet || r.Method == http.MethodDelete):
		i := slices.IndexFunc(toks, func(t Token) bool { return t.ClientID == rest[0] })
		if i < 0 {
			notFound(w, "clientId")
			return
		}
		if r.Method == http.MethodGet {
			emulator.WriteJSON(w, http.StatusOK, toks[i])
			return
		}
		e.tokens[u.ID] = slices.Delete(slices.Clone(toks), i, i+1)
		e.audit("USER_SETTINGS", "REVOKE_3LO_TOKEN", "USER_EMAIL", u.PrimaryEmail, "APP_NAME", toks[i].DisplayText)
		w.WriteHeader(http.StatusNoContent)
	default:
		methodNotAllowed(w)
	}
}

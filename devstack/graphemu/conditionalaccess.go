package graphemu

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
)

// ---- Conditional Access: /identity/conditionalAccess/policies ----

// Demo policy ids, stable so jml dev and tests can PATCH them by id.
const (
	CAPolicyRequireMFA    = "6f1c2b9e-0d3a-4c51-9a77-3e8d5b2c4a01"
	CAPolicyBlockLegacy   = "6f1c2b9e-0d3a-4c51-9a77-3e8d5b2c4a02"
	CAPolicyAdminsDevice  = "6f1c2b9e-0d3a-4c51-9a77-3e8d5b2c4a03"
	globalAdminTemplateID = "62e90394-69f5-4237-9190-012177145e10"
)

var caStates = []string{"enabled", "disabled", "enabledForReportingButNotEnforced"}

func caPolicy(id, name string, users map[string]any, clientApps []string, controls ...string) map[string]any {
	for _, k := range []string{"includeUsers", "excludeUsers", "includeGroups", "excludeGroups", "includeRoles", "excludeRoles"} {
		if _, ok := users[k]; !ok {
			users[k] = []any{}
		}
	}
	return map[string]any{
		"id": id, "templateId": nil, "displayName": name, "state": "enabled",
		"createdDateTime": "2026-01-05T09:00:00Z", "modifiedDateTime": nil,
		"conditions": map[string]any{
			"userRiskLevels": []any{}, "signInRiskLevels": []any{}, "clientAppTypes": clientApps,
			"platforms": nil, "locations": nil, "devices": nil, "clientApplications": nil,
			"applications": map[string]any{"includeApplications": []any{"All"}, "excludeApplications": []any{}, "includeUserActions": []any{}},
			"users":        users,
		},
		"grantControls":   map[string]any{"operator": "OR", "builtInControls": controls, "customAuthenticationFactors": []any{}, "termsOfUse": []any{}},
		"sessionControls": nil,
	}
}

// SeedPosture adds the demo tenant's Conditional Access baseline (MFA for
// all users, legacy authentication blocked, admins on a compliant device),
// registers SMS for the employees without MFA (registered-weak), marks
// the seeded sign-ins of MFA users as MFA and adds a few legacy-protocol
// sign-ins: the blind spots the KPI report names.
func (e *Emulator) SeedPosture(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.caPolicies) == 0 {
		e.caPolicies = []map[string]any{
			caPolicy(CAPolicyRequireMFA, "Require MFA for all users", map[string]any{"includeUsers": []any{"All"}}, []string{"all"}, "mfa"),
			caPolicy(CAPolicyBlockLegacy, "Block legacy authentication", map[string]any{"includeUsers": []any{"All"}}, []string{"exchangeActiveSync", "other"}, "block"),
			caPolicy(CAPolicyAdminsDevice, "Require compliant device for admins", map[string]any{"includeRoles": []any{globalAdminTemplateID}}, []string{"all"}, "compliantDevice"),
		}
	}
	if e.methods == nil {
		e.methods = map[string][]string{}
	}
	byEmp := map[string]*User{}
	for _, u := range e.users {
		byEmp[u.EmployeeID] = u
	}
	for i, emp := range org.Employees {
		u := byEmp[emp.EmployeeID]
		if u == nil {
			continue
		}
		if !emp.MFA {
			if _, ok := e.methods[u.ID]; !ok {
				e.methods[u.ID] = []string{"sms"}
			}
		}
		if i%11 == 4 {
			at := e.nowLocked().Add(-time.Duration(i%20+1) * time.Hour).Truncate(time.Second)
			for k, app := range []string{"IMAP4", "Exchange ActiveSync"} {
				id := stableID("signin-legacy", emp.EmployeeID+"-"+app)
				if !slices.ContainsFunc(e.signIns, func(s SignIn) bool { return s.ID == id }) {
					e.signIns = append(e.signIns, SignIn{ID: id, Time: at.Add(time.Duration(k) * time.Minute), UserID: u.ID, UPN: u.UserPrincipalName,
						DisplayName: u.DisplayName, App: "Office 365 Exchange Online", IP: "198.51.100.23", ClientApp: app})
				}
			}
		}
	}
	for i := range e.signIns {
		s := &e.signIns[i]
		if u := e.users[s.UserID]; u != nil && s.ClientApp == "" && s.ErrorCode == 0 && e.strongLocked(u) {
			s.MFA = true
		}
	}
	slices.SortStableFunc(e.signIns, func(a, b SignIn) int { return a.Time.Compare(b.Time) })
}

// strongLocked: the user has a strong method registered.
func (e *Emulator) strongLocked(u *User) bool {
	ms, ok := e.methods[u.ID]
	if !ok {
		return u.MFA
	}
	return slices.ContainsFunc(ms, func(m string) bool { return !slices.Contains([]string{"sms", "voice", "email"}, m) })
}

func clientApp(s *SignIn) string {
	if s.ClientApp == "" {
		return "Browser"
	}
	return s.ClientApp
}

func authRequirement(s *SignIn) string {
	if s.MFA {
		return "multiFactorAuthentication"
	}
	return "singleFactorAuthentication"
}

// appliedCA is what Graph reports of the MFA policy on a sign-in.
func appliedCA(s *SignIn) []any {
	if !s.MFA {
		return []any{}
	}
	return []any{map[string]any{"id": CAPolicyRequireMFA, "displayName": "Require MFA for all users",
		"enforcedGrantControls": []string{"Mfa"}, "enforcedSessionControls": []string{}, "result": "success"}}
}

func (e *Emulator) routeCAPolicies(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		e.mu.RLock()
		items := make([]any, 0, len(e.caPolicies))
		for _, p := range e.caPolicies {
			items = append(items, clone(p))
		}
		e.mu.RUnlock()
		e.page(w, r, "identity/conditionalAccess/policies", items)
		return nil
	case len(seg) == 0 && m == http.MethodPost:
		var b map[string]any
		if err := readBody(r, &b); err != nil {
			return err
		}
		if err := checkCA(b, true); err != nil {
			return err
		}
		e.mu.Lock()
		p := caPolicy(uuid.NewString(), "", map[string]any{}, []string{"all"})
		merge(p, b)
		p["createdDateTime"] = ts(e.nowLocked())
		e.caPolicies = append(e.caPolicies, p)
		out := clone(p)
		e.mu.Unlock()
		writeJSON(w, http.StatusCreated, out)
		return nil
	case len(seg) == 1:
		e.mu.Lock()
		defer e.mu.Unlock()
		i := slices.IndexFunc(e.caPolicies, func(p map[string]any) bool { return p["id"] == seg[0] })
		if i < 0 {
			return notFound("Could not find a policy with id " + seg[0] + ".")
		}
		switch m {
		case http.MethodGet:
			writeJSON(w, http.StatusOK, clone(e.caPolicies[i]))
		case http.MethodPatch:
			var b map[string]any
			if err := readBody(r, &b); err != nil {
				return err
			}
			if err := checkCA(b, false); err != nil {
				return err
			}
			delete(b, "id")
			merge(e.caPolicies[i], b)
			e.caPolicies[i]["modifiedDateTime"] = ts(e.nowLocked())
			w.WriteHeader(http.StatusNoContent)
		case http.MethodDelete:
			e.caPolicies = slices.Delete(e.caPolicies, i, i+1)
			w.WriteHeader(http.StatusNoContent)
		default:
			return noRoute(r)
		}
		return nil
	}
	return noRoute(r)
}

// checkCA refuses what Graph refuses: a new policy without a displayName,
// a state outside the enum.
func checkCA(b map[string]any, create bool) *apiError {
	if name, ok := b["displayName"].(string); create && (!ok || strings.TrimSpace(name) == "") {
		return badRequest("BadRequest", "displayName is required.")
	}
	if st, ok := b["state"]; ok {
		if s, _ := st.(string); !slices.Contains(caStates, s) {
			return badRequest("BadRequest", "Invalid value for state: must be one of "+strings.Join(caStates, ", ")+".")
		}
	}
	return nil
}

// merge applies a PATCH body as Graph does: objects merge, the rest replaces.
func merge(dst, src map[string]any) {
	for k, v := range src {
		if sm, ok := v.(map[string]any); ok {
			if dm, ok := dst[k].(map[string]any); ok {
				merge(dm, sm)
				continue
			}
		}
		dst[k] = v
	}
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// PatchCAPolicy changes a policy as PATCH does (for tests and jml dev).
func (e *Emulator) PatchCAPolicy(id string, patch map[string]any) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.caPolicies {
		if p["id"] == id {
			merge(p, clone(patch))
			p["modifiedDateTime"] = ts(e.nowLocked())
			return true
		}
	}
	return false
}

// CAPolicies returns a copy of the policies.
func (e *Emulator) CAPolicies() []map[string]any {
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := []map[string]any{}
	for _, p := range e.caPolicies {
		out = append(out, clone(p))
	}
	return out
}

// SetAuthMethods replaces the user's registered methods (besides the
// password): sms, voice, email, fido2, microsoftAuthenticator,
// softwareOath, windowsHelloForBusiness.
func (e *Emulator) SetAuthMethods(idOrUPN string, kinds ...string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return false
	}
	if e.methods == nil {
		e.methods = map[string][]string{}
	}
	e.methods[u.ID] = slices.Clone(kinds)
	return true
}

// RecordSignInVia appends a successful sign-in through a client app
// (clientAppUsed), with or without MFA.
func (e *Emulator) RecordSignInVia(idOrUPN, clientAppUsed string, mfa bool, at time.Time) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(idOrUPN)
	if u == nil {
		return false
	}
	s := SignIn{ID: uuid.NewString(), Time: at.UTC(), UserID: u.ID, UPN: u.UserPrincipalName, DisplayName: u.DisplayName,
		App: "Office 365 Exchange Online", IP: "198.51.100.23", ClientApp: clientAppUsed, MFA: mfa}
	i, _ := slices.BinarySearchFunc(e.signIns, s.Time, func(x SignIn, t time.Time) int { return x.Time.Compare(t) })
	e.signIns = slices.Insert(e.signIns, i, s)
	return true
}

// methodJSON is one authentication method in Graph's shape.
func methodJSON(u *User, kind string) map[string]any {
	id := uuid.NewSHA1(uuid.NameSpaceOID, []byte(kind+":"+u.ID)).String()
	base := map[string]any{"id": id, "createdDateTime": ts(u.CreatedDateTime)}
	add := func(t string, kv map[string]any) map[string]any {
		base["@odata.type"] = "#microsoft.graph." + t
		maps.Copy(base, kv)
		return base
	}
	switch kind {
	case "sms":
		return add("phoneAuthenticationMethod", map[string]any{"phoneNumber": "+1 5555550100", "phoneType": "mobile", "smsSignInState": "notAllowedByPolicy"})
	case "voice":
		return add("phoneAuthenticationMethod", map[string]any{"phoneNumber": "+1 5555550101", "phoneType": "office", "smsSignInState": "notSupported"})
	case "email":
		return add("emailAuthenticationMethod", map[string]any{"emailAddress": "recovery@example.net"})
	case "fido2":
		return add("fido2AuthenticationMethod", map[string]any{"displayName": "YubiKey 5", "aaGuid": "cb69481e-8ff7-4039-93ec-0a2729a154a8", "model": "YubiKey 5 NFC", "attestationLevel": "attested"})
	case "softwareOath":
		return add("softwareOathAuthenticationMethod", map[string]any{"secretKey": nil})
	case "windowsHelloForBusiness":
		return add("windowsHelloForBusinessAuthenticationMethod", map[string]any{"displayName": "LAPTOP", "keyStrength": "normal"})
	}
	return add("microsoftAuthenticatorAuthenticationMethod", map[string]any{"displayName": "iPhone", "deviceTag": "SoftwareTokenActivated", "phoneAppVersion": "6.8.7"})
}

// serveAdminCA is PATCH /__admin/conditionalAccess/policies/{id}: the same
// merge as Graph's PATCH, for jml dev's visitors, who hold no Graph token.
func (e *Emulator) serveAdminCA(w http.ResponseWriter, r *http.Request, id string) {
	var b map[string]any
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&b); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": "policy patch: " + err.Error()})
		return
	}
	if err := checkCA(b, false); err != nil {
		emulator.WriteJSON(w, http.StatusBadRequest, map[string]string{"error": err.message})
		return
	}
	delete(b, "id")
	if !e.PatchCAPolicy(id, b) {
		emulator.WriteJSON(w, http.StatusNotFound, map[string]string{"error": "no Conditional Access policy " + id})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

package oktaemu

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// ---- policies: /api/v1/policies?type=OKTA_SIGN_ON|ACCESS_POLICY and rules ----

// Demo policy ids, stable so tests and jml dev can change them by id.
const (
	SignOnPolicyID    = "00p1demosignon00001"
	SignOnMFARuleID   = "0pr1demomfarule0001"
	SignOnDefaultRule = "0pr1demodefault0001"
	AccessPolicyID    = "rst1demoaccess00001"
	AccessMFARuleID   = "rul1demo2farule0001"
)

var policyTypes = []string{"OKTA_SIGN_ON", "ACCESS_POLICY", "PASSWORD", "MFA_ENROLL", "IDP_DISCOVERY", "PROFILE_ENROLLMENT"}

// policy is one policy in Okta's shape, with its rules.
type policy struct {
	body  map[string]any
	rules []map[string]any
}

func rule(id, name string, priority int, actions map[string]any, people map[string]any) map[string]any {
	conds := map[string]any{"network": map[string]any{"connection": "ANYWHERE"}}
	if people != nil {
		conds["people"] = people
	}
	return map[string]any{"id": id, "name": name, "status": "ACTIVE", "priority": priority, "system": false,
		"type": "SIGN_ON", "created": "2026-01-05T09:00:00.000Z", "lastUpdated": "2026-01-05T09:00:00.000Z",
		"conditions": conds, "actions": actions}
}

// SeedPosture adds the demo org's policies: a global session policy for
// Everyone whose first rule requires a factor, an authentication policy
// requiring two factors, and ACTIVE SMS factors for employees without MFA
// (registered-weak), and an auth_via_mfa event for the MFA users that
// signed in (MFA used).
func (e *Emulator) SeedPosture(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.policies == nil {
		every := []any{e.everyID}
		e.policies = []*policy{
			{body: map[string]any{"id": SignOnPolicyID, "name": "Default Policy", "type": "OKTA_SIGN_ON", "status": "ACTIVE", "priority": 1, "system": true,
				"description": "The default policy applies in all situations if no other policy applies.",
				"conditions":  map[string]any{"people": map[string]any{"groups": map[string]any{"include": every}}}},
				rules: []map[string]any{
					rule(SignOnMFARuleID, "Require MFA", 1, map[string]any{"signon": map[string]any{"access": "ALLOW", "requireFactor": true, "factorPromptMode": "ALWAYS", "rememberDeviceByDefault": false}}, nil),
					rule(SignOnDefaultRule, "Default Rule", 2, map[string]any{"signon": map[string]any{"access": "ALLOW", "requireFactor": false}}, nil),
				}},
			{body: map[string]any{"id": AccessPolicyID, "name": "Any two factors", "type": "ACCESS_POLICY", "status": "ACTIVE", "priority": 1, "system": false,
				"description": "Apps require two factors.", "conditions": nil},
				rules: []map[string]any{
					rule(AccessMFARuleID, "Two factors", 1, map[string]any{"appSignOn": map[string]any{"access": "ALLOW",
						"verificationMethod": map[string]any{"factorMode": "2FA", "type": "ASSURANCE", "reauthenticateIn": "PT2H", "constraints": []any{}}}}, nil),
				}},
		}
		for _, p := range e.policies {
			p.body["created"], p.body["lastUpdated"] = "2026-01-05T09:00:00.000Z", "2026-01-05T09:00:00.000Z"
		}
	}
	byEmp := map[string]*user{}
	for _, u := range e.users {
		byEmp[str(u.Profile["employeeNumber"])] = u
	}
	now := time.Now().UTC()
	for i, emp := range org.Employees {
		u := byEmp[emp.EmployeeID]
		if u == nil {
			continue
		}
		if !emp.MFA && !slices.ContainsFunc(u.Factors, func(f *Factor) bool { return f.Status == "ACTIVE" }) {
			u.Factors = append(u.Factors, &Factor{ID: e.newIDLocked("sms"), FactorType: "sms", Provider: "OKTA", Status: "ACTIVE", Created: now})
		}
		if emp.MFA && i%10 == 0 && !slices.ContainsFunc(e.events, func(ev *LogEvent) bool {
			return ev.EventType == "user.authentication.auth_via_mfa" && ev.Actor.ID == u.ID
		}) {
			e.appendEventLocked(&LogEvent{Published: now.Add(-time.Duration(len(org.Employees)-i) * time.Minute).Add(time.Second),
				EventType: "user.authentication.auth_via_mfa", DisplayMessage: "Authentication of user via MFA", Result: "SUCCESS",
				Actor: userTarget(u), Targets: []LogEntity{userTarget(u)}, IP: "192.0.2.10", App: "Okta Dashboard"})
		}
	}
}

func (e *Emulator) routePolicies(w http.ResponseWriter, r *http.Request, seg []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	find := func(id string) *policy {
		for _, p := range e.policies {
			if p.body["id"] == id {
				return p
			}
		}
		return nil
	}
	switch {
	case len(seg) == 0 && r.Method == http.MethodGet:
		typ := r.URL.Query().Get("type")
		if !slices.Contains(policyTypes, typ) {
			e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: type", "type: Invalid policy type: "+typ)
			return
		}
		out := []map[string]any{}
		for _, p := range e.policies {
			if p.body["type"] == typ {
				out = append(out, copyJSON(p.body))
			}
		}
		e.common(w)
		writeJSON(w, http.StatusOK, out)
		return
	case len(seg) >= 1:
		p := find(seg[0])
		if p == nil {
			e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+seg[0]+" (Policy)")
			return
		}
		switch {
		case len(seg) == 1 && r.Method == http.MethodGet:
			e.common(w)
			writeJSON(w, http.StatusOK, copyJSON(p.body))
			return
		case len(seg) == 1 && r.Method == http.MethodPut:
			e.putObject(w, r, p.body)
			return
		case len(seg) == 2 && seg[1] == "rules" && r.Method == http.MethodGet:
			out := []map[string]any{}
			for _, ru := range p.rules {
				out = append(out, copyJSON(ru))
			}
			e.common(w)
			writeJSON(w, http.StatusOK, out)
			return
		case len(seg) == 3 && seg[1] == "rules":
			i := slices.IndexFunc(p.rules, func(ru map[string]any) bool { return ru["id"] == seg[2] })
			if i < 0 {
				e.writeError(w, http.StatusNotFound, "E0000007", "Not found: Resource not found: "+seg[2]+" (PolicyRule)")
				return
			}
			switch r.Method {
			case http.MethodGet:
				e.common(w)
				writeJSON(w, http.StatusOK, copyJSON(p.rules[i]))
			case http.MethodPut:
				e.putObject(w, r, p.rules[i])
			default:
				e.methodNotAllowed(w)
			}
			return
		}
	}
	e.methodNotAllowed(w)
}

// putObject replaces a policy or rule as Okta's PUT does (the id and
// system fields stay); status must be ACTIVE or INACTIVE.
func (e *Emulator) putObject(w http.ResponseWriter, r *http.Request, dst map[string]any) {
	var b map[string]any
	if err := readJSON(r, &b); err != nil {
		e.badBody(w)
		return
	}
	if name, _ := b["name"].(string); strings.TrimSpace(name) == "" {
		e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: name", "name: The field cannot be left blank")
		return
	}
	if st, ok := b["status"]; ok && st != "ACTIVE" && st != "INACTIVE" {
		e.writeError(w, http.StatusBadRequest, "E0000001", "Api validation failed: status", "status: must be ACTIVE or INACTIVE")
		return
	}
	id, sys, created := dst["id"], dst["system"], dst["created"]
	for k := range dst {
		delete(dst, k)
	}
	for k, v := range b {
		dst[k] = v
	}
	dst["id"], dst["system"], dst["created"] = id, sys, created
	dst["lastUpdated"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	e.common(w)
	writeJSON(w, http.StatusOK, copyJSON(dst))
}

func copyJSON(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// SetRuleActions changes a rule's actions (tests and jml dev).
func (e *Emulator) SetRuleActions(policyID, ruleID string, actions map[string]any) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, p := range e.policies {
		if p.body["id"] != policyID {
			continue
		}
		for _, ru := range p.rules {
			if ru["id"] == ruleID {
				ru["actions"] = copyJSON(actions)
				ru["lastUpdated"] = time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
				return true
			}
		}
	}
	return false
}

// AddFactor enrols an ACTIVE factor of the given type (sms, call, email,
// push, token:software:totp, webauthn, ...) for the user.
func (e *Emulator) AddFactor(idOrLogin, factorType string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUserLocked(idOrLogin)
	if u == nil {
		return false
	}
	u.Factors = append(u.Factors, &Factor{ID: e.newIDLocked("fct"), FactorType: factorType, Provider: "OKTA", Status: "ACTIVE", Created: time.Now().UTC()})
	return true
}

// ClearFactors removes every factor of the user.
func (e *Emulator) ClearFactors(idOrLogin string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUserLocked(idOrLogin)
	if u == nil {
		return false
	}
	u.Factors = nil
	return true
}

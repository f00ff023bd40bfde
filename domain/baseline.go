package domain

import (
	"fmt"
	"slices"
	"strings"
)

// Baseline is the sign-in posture declared in configuration (posture.baseline).
type Baseline struct {
	MFAAllUsers           bool                `json:"mfa_all_users"`
	LegacyAuthBlocked     bool                `json:"legacy_auth_blocked"`
	AdminsCompliantDevice bool                `json:"admins_compliant_device"`
	Exceptions            []BaselineException `json:"exceptions,omitempty"`
	// AdminRoles are the Entra role template ids "admins" means
	// (default: Global Administrator and the other highly privileged roles).
	AdminRoles []string `json:"admin_roles,omitempty"`
}

// BaselineException accepts one policy's deviation, or one user's (or
// group's) exclusion from the baseline's policies, for a stated reason.
type BaselineException struct {
	Policy string `json:"policy,omitempty"` // policy id or display name
	User   string `json:"user,omitempty"`   // user or group id, or login
	Reason string `json:"reason"`
}

// Control results of the action plan.
const (
	ResultPass      = "Pass"
	ResultFail      = "Fail"
	ResultException = "Exception" // fails, with a declared exception accepting it
	ResultNA        = "N/A"
)

// ControlResult is one row of the action plan (ScubaGear's ActionPlan.csv).
type ControlResult struct {
	ControlID   string   `json:"control_id"`
	Directory   string   `json:"directory"`
	Requirement string   `json:"requirement"`
	Result      string   `json:"result"`
	Reason      string   `json:"reason"`
	Exceptions  []string `json:"exceptions,omitempty"` // "who: reason"
}

// DefaultAdminRoles are the Entra role template ids ScubaGear calls highly
// privileged: Global, Privileged Role, User, SharePoint, Exchange,
// Hybrid Identity and Application administrators.
var DefaultAdminRoles = []string{
	"62e90394-69f5-4237-9190-012177145e10", "e8611ab8-c189-46e8-94e1-60213ab1f814", "fe930be7-5e62-47db-91af-98c3a49a38b1",
	"f28a1f50-f6e7-4571-818b-6a12f2af6b6c", "29232cdf-9323-42fd-ade2-1d097af3e4de", "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
	"9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
}

func (b Baseline) policyException(p AuthPolicy) (BaselineException, bool) {
	for _, e := range b.Exceptions {
		if e.Policy != "" && (e.Policy == p.ID || strings.EqualFold(e.Policy, p.Name)) {
			return e, true
		}
	}
	return BaselineException{}, false
}

func (b Baseline) userException(who string) (BaselineException, bool) {
	for _, e := range b.Exceptions {
		if e.User != "" && strings.EqualFold(e.User, who) {
			return e, true
		}
	}
	return BaselineException{}, false
}

// control evaluates one requirement: some live policy must match want;
// every user or group it excludes must be a declared exception.
func (b Baseline) control(id, dir, req string, ps []AuthPolicy, want func(AuthPolicy) bool) ControlResult {
	r := ControlResult{ControlID: id, Directory: dir, Requirement: req, Result: ResultFail}
	var near []string
	for _, p := range ps {
		if !want(p) {
			continue
		}
		if !p.live() {
			state := "disabled"
			if p.ReportOnly {
				state = "report-only"
			}
			if e, ok := b.policyException(p); ok {
				r.Result, r.Reason = ResultException, fmt.Sprintf("%q is %s", p.Name, state)
				r.Exceptions = append(r.Exceptions, p.Name+": "+e.Reason)
				return r
			}
			near = append(near, fmt.Sprintf("%q is %s", p.Name, state))
			continue
		}
		var undeclared, declared []string
		for _, x := range slices.Concat(p.ExcludeUsers, p.ExcludeGroups, p.ExcludeRoles) {
			if e, ok := b.userException(x); ok {
				declared = append(declared, x+": "+e.Reason)
			} else {
				undeclared = append(undeclared, x)
			}
		}
		if len(undeclared) == 0 {
			r.Result, r.Reason, r.Exceptions = ResultPass, fmt.Sprintf("%q (%s) meets it", p.Name, p.ID), declared
			return r
		}
		if e, ok := b.policyException(p); ok {
			r.Result, r.Reason = ResultException, fmt.Sprintf("%q excludes %s", p.Name, strings.Join(undeclared, ", "))
			r.Exceptions = append(declared, p.Name+": "+e.Reason)
			return r
		}
		near = append(near, fmt.Sprintf("%q excludes %s, not declared as exceptions", p.Name, strings.Join(undeclared, ", ")))
	}
	r.Reason = "no enabled policy meets it"
	if len(near) > 0 {
		r.Reason += ": " + strings.Join(near, "; ")
	}
	return r
}

func hasAll(have []string, want ...string) bool {
	return !slices.ContainsFunc(want, func(w string) bool { return !slices.Contains(have, w) })
}

// EvaluateEntra checks Conditional Access against the baseline:
// MS.AAD.3.2 MFA for all users, MS.AAD.1.1 legacy authentication blocked,
// MS.AAD.3.7 admins on a compliant device.
func (b Baseline) EvaluateEntra(dir string, ps []AuthPolicy) []ControlResult {
	var out []ControlResult
	if b.MFAAllUsers {
		out = append(out, b.control("MS.AAD.3.2", dir, "MFA shall be required for all users", ps, func(p AuthPolicy) bool {
			return p.Kind == PolicyConditionalAccess && p.AllUsers && p.AllClients() && p.RequireMFA
		}))
	}
	if b.LegacyAuthBlocked {
		out = append(out, b.control("MS.AAD.1.1", dir, "Legacy authentication shall be blocked", ps, func(p AuthPolicy) bool {
			return p.Kind == PolicyConditionalAccess && p.AllUsers && p.Block && (p.AllClients() || hasAll(p.ClientApps, "exchangeActiveSync", "other"))
		}))
	}
	if b.AdminsCompliantDevice {
		roles := b.AdminRoles
		if len(roles) == 0 {
			roles = DefaultAdminRoles[:1]
		}
		out = append(out, b.control("MS.AAD.3.7", dir, "Admin roles shall sign in from a compliant device", ps, func(p AuthPolicy) bool {
			return p.Kind == PolicyConditionalAccess && (p.AllUsers || hasAll(p.IncludeRoles, roles...)) && p.RequireCompliantDevice
		}))
	}
	return out
}

// EvaluateOkta: MFA for all users is a live rule covering everyone that
// requires a factor and is the first match of its policy; legacy
// authentication and device checks are not read from Okta's API here.
func (b Baseline) EvaluateOkta(dir string, ps []AuthPolicy) []ControlResult {
	var out []ControlResult
	if b.MFAAllUsers {
		// A rule is shadowed by the earlier rules of its policy: a narrower
		// one without MFA takes its people out (as if excluded), an
		// everyone-rule without MFA takes everybody.
		var cands []AuthPolicy
		for _, p := range ps {
			if p.Kind != PolicyOktaSignOn {
				continue
			}
			c := p
			c.ExcludeUsers, c.ExcludeGroups = slices.Clone(p.ExcludeUsers), slices.Clone(p.ExcludeGroups)
			for _, q := range ps {
				if q.Parent != p.Parent || q.Priority >= p.Priority || !q.live() || q.RequireMFA {
					continue
				}
				if q.AllUsers {
					c.AllUsers = false
				}
				c.ExcludeUsers = append(c.ExcludeUsers, q.IncludeUsers...)
				c.ExcludeGroups = append(c.ExcludeGroups, q.IncludeGroups...)
			}
			cands = append(cands, c)
		}
		out = append(out, b.control("OKTA.MFA.1", dir, "MFA shall be required for all users (global session policy)", cands, func(p AuthPolicy) bool {
			return p.AllUsers && p.RequireMFA
		}))
	}
	if b.LegacyAuthBlocked {
		out = append(out, ControlResult{ControlID: "OKTA.LEGACY.1", Directory: dir, Requirement: "Legacy authentication shall be blocked", Result: ResultNA,
			Reason: "Okta has no legacy mail protocols of its own: block them in the apps it federates (Entra MS.AAD.1.1)"})
	}
	if b.AdminsCompliantDevice {
		out = append(out, ControlResult{ControlID: "OKTA.DEVICE.1", Directory: dir, Requirement: "Admin roles shall sign in from a compliant device", Result: ResultNA,
			Reason: "device assurance in Okta's authentication policies is not read by jml yet"})
	}
	return out
}

// EvaluateGoogle: MFA for all users is every active user with 2SV
// enforced (isEnforcedIn2Sv); the rest is not exposed by the Admin SDK.
func (b Baseline) EvaluateGoogle(dir string, ps []AuthPolicy) []ControlResult {
	var out []ControlResult
	if b.MFAAllUsers {
		r := ControlResult{ControlID: "GWS.2SV.1", Directory: dir, Requirement: "2-Step Verification shall be enforced for all users", Result: ResultPass}
		var missing []string
		for _, p := range ps {
			if p.Kind != PolicyGoogle2SV || p.RequireMFA {
				continue
			}
			if e, ok := b.userException(p.Name); ok {
				r.Exceptions = append(r.Exceptions, p.Name+": "+e.Reason)
				continue
			}
			missing = append(missing, p.Name)
		}
		switch {
		case len(missing) > 0:
			r.Result, r.Reason = ResultFail, fmt.Sprintf("%d users without 2SV enforced: %s", len(missing), strings.Join(missing, ", "))
		case len(r.Exceptions) > 0:
			r.Reason = "enforced for every user but the declared exceptions"
		default:
			r.Reason = "enforced for every user"
		}
		out = append(out, r)
	}
	if b.LegacyAuthBlocked {
		out = append(out, ControlResult{ControlID: "GWS.LEGACY.1", Directory: dir, Requirement: "Legacy authentication shall be blocked", Result: ResultNA,
			Reason: "the less-secure-apps setting is not exposed by the Admin SDK"})
	}
	if b.AdminsCompliantDevice {
		out = append(out, ControlResult{ControlID: "GWS.DEVICE.1", Directory: dir, Requirement: "Admin roles shall sign in from a compliant device", Result: ResultNA,
			Reason: "context-aware access levels are not exposed by the Admin SDK"})
	}
	return out
}

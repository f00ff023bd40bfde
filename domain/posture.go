package domain

import (
	"slices"
	"strings"
)

// ---- MFA methods ----

// weakMFAMethods are registered methods that do not count as strong MFA
// (CISA ScubaGear MS.AAD.3.5: SMS, voice and email shall be disabled):
// Entra's phone (SMS/voice) and email methods, Okta's sms, call, email
// and security question factors.
var weakMFAMethods = map[string]bool{"sms": true, "voice": true, "call": true, "email": true, "question": true, "phone": true}

// IsWeakMFAMethod reports whether a method name (as MFA.Methods or
// MFA.Weak hold it) is one of the weak ones.
func IsWeakMFAMethod(m string) bool { return weakMFAMethods[strings.ToLower(m)] }

// ---- sign-in policies ----

// Policy kinds of AuthPolicy.
const (
	PolicyConditionalAccess = "conditionalAccess" // Entra
	PolicyOktaSignOn        = "OKTA_SIGN_ON"      // Okta global session policy rule
	PolicyOktaAccess        = "ACCESS_POLICY"     // Okta authentication policy rule
	PolicyGoogle2SV         = "2sv"               // Google: one user's 2SV enforcement
)

// AuthPolicy is one directory sign-in rule, normalised enough to say whom
// it covers and what it demands. Okta's policy and rule are one AuthPolicy
// (id "policy/rule"), evaluated first match by Priority as Okta does.
type AuthPolicy struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Enabled    bool   `json:"enabled"`
	ReportOnly bool   `json:"report_only,omitempty"`
	// Priority orders Okta's first-match evaluation (policy, then rule).
	Priority      int      `json:"priority,omitempty"`
	Parent        string   `json:"parent,omitempty"` // the Okta policy a rule belongs to
	AllUsers      bool     `json:"all_users,omitempty"`
	IncludeUsers  []string `json:"include_users,omitempty"`
	IncludeGroups []string `json:"include_groups,omitempty"`
	IncludeRoles  []string `json:"include_roles,omitempty"`
	ExcludeUsers  []string `json:"exclude_users,omitempty"`
	ExcludeGroups []string `json:"exclude_groups,omitempty"`
	ExcludeRoles  []string `json:"exclude_roles,omitempty"`
	// ClientApps are Entra's clientAppTypes; empty or "all" is every client.
	ClientApps             []string `json:"client_apps,omitempty"`
	RequireMFA             bool     `json:"require_mfa,omitempty"`
	RequireCompliantDevice bool     `json:"require_compliant_device,omitempty"`
	Block                  bool     `json:"block,omitempty"`
}

// PolicySubject is the user a policy is evaluated for: their id and the
// ids of their groups and roles (Entra role template ids).
type PolicySubject struct {
	UserID string
	Groups []string
	Roles  []string
}

func overlaps(a, b []string) bool {
	return slices.ContainsFunc(a, func(x string) bool { return slices.Contains(b, x) })
}

// Covers reports whether the policy applies to the subject: included by
// all users, id, group or role, and not excluded by any of them.
func (p AuthPolicy) Covers(s PolicySubject) bool {
	in := p.AllUsers || slices.Contains(p.IncludeUsers, s.UserID) || overlaps(p.IncludeGroups, s.Groups) || overlaps(p.IncludeRoles, s.Roles)
	out := slices.Contains(p.ExcludeUsers, s.UserID) || overlaps(p.ExcludeGroups, s.Groups) || overlaps(p.ExcludeRoles, s.Roles)
	return in && !out
}

// AllClients reports whether the policy targets every client app.
func (p AuthPolicy) AllClients() bool {
	return len(p.ClientApps) == 0 || slices.Contains(p.ClientApps, "all")
}

// live is enforced now (not disabled, not report-only).
func (p AuthPolicy) live() bool { return p.Enabled && !p.ReportOnly }

// MFAEnforcedBy names the policies that make the subject use MFA: in
// Entra any enabled Conditional Access policy covering them for every
// client that requires MFA (or blocks); in Okta the first matching rule of
// each policy, by priority, when it requires a factor; in Google their own
// 2SV enforcement.
func MFAEnforcedBy(ps []AuthPolicy, s PolicySubject) []string {
	var out []string
	firstOf := map[string]bool{} // Okta policies already decided
	sorted := slices.Clone(ps)
	slices.SortStableFunc(sorted, func(a, b AuthPolicy) int { return a.Priority - b.Priority })
	for _, p := range sorted {
		if !p.live() {
			continue
		}
		switch p.Kind {
		case PolicyOktaSignOn, PolicyOktaAccess:
			if firstOf[p.Parent] || !p.Covers(s) {
				continue
			}
			firstOf[p.Parent] = true
			if p.RequireMFA {
				out = append(out, p.Name)
			}
		default:
			if p.Covers(s) && p.AllClients() && (p.RequireMFA || p.Block) {
				out = append(out, p.Name)
			}
		}
	}
	return out
}

// PolicySnapshot is a directory's sign-in policies at one moment: the
// normalised rules and the vendor's own objects by id (what drift diffs).
type PolicySnapshot struct {
	Directory string                    `json:"directory"`
	Policies  []AuthPolicy              `json:"policies"`
	Raw       map[string]map[string]any `json:"raw"`
}

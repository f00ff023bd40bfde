package activities

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/domain"
)

// The MFA posture's KPI ids (after mfa_coverage in the report).
const (
	KPIMFARegistered = "mfa_registered"
	KPIMFAEnforced   = "mfa_enforced"
	KPIMFAUsed       = "mfa_used"
	KPIMFABlindSpots = "mfa_blind_spots"
	KPIMFABaseline   = "mfa_baseline"
)

func init() {
	for _, id := range []string{KPIMFARegistered, KPIMFAEnforced, KPIMFAUsed, KPIMFABlindSpots} {
		ControlMapping[id] = ControlMapping[KPIMFA]
	}
	ControlMapping[KPIMFABaseline] = []Control{
		nist("PR.AA-03", "Users are authenticated (multi-factor)"),
		nist("PR.PS-01", "Configuration management practices are established and applied"),
		soc2("CC6.1", "Authentication of users before access"),
		soc2("CC8.1", "Changes to infrastructure are authorized and tracked"),
	}
}

func dirRatio(d contract.MFADirectory, n int) string { return ratio(n, d.Enabled) }

// mfaKPIs are the report's MFA posture lines: registered by strength,
// enforced, used, the blind spots and the baseline. None without facts.
func mfaKPIs(f contract.KPIFacts) []KPI {
	m := f.MFA
	if m == nil {
		return nil
	}
	reg := KPI{ID: KPIMFARegistered, Title: "MFA registered (strong)",
		Meaning:   "Active employees with a strong method (FIDO2, Authenticator, OATH, Windows Hello, Okta Verify/push, TOTP) registered wherever their account is enabled; SMS, voice and email count as registered-weak, not strong.",
		Numerator: m.StrongInAll, Denominator: m.Employees}
	enf := KPI{ID: KPIMFAEnforced, Title: "MFA enforced",
		Meaning:   "Active employees for whom every enabled account's directory enforces MFA: an enabled Conditional Access policy covering them, or else their per-user MFA enabled or enforced (Entra), the first matching sign-on or authentication policy rule requiring a factor (Okta), 2SV enforced (Google).",
		Numerator: m.EnforcedInAll, Denominator: m.Employees}
	used := KPI{ID: KPIMFAUsed, Title: "MFA used",
		Meaning:   "Active employees who signed in with MFA this month in every directory where their account is enabled, from the exported sign-in logs.",
		Numerator: m.UsedInAll, Denominator: m.Employees}
	for _, d := range m.Directories {
		reg.Details = append(reg.Details, fmt.Sprintf("%s: strong %s; registered-weak (SMS, voice or email only) %d; none %d", d.Directory, dirRatio(d, d.Strong), d.WeakOnly, d.None)+
			unknown(d.Unknown, "not reported by the directory"))
		line := fmt.Sprintf("%s: %s of enabled accounts", d.Directory, dirRatio(d, d.Enforced)) + byMechanism(d)
		if len(d.NotEnforced) > 0 {
			line += "; not enforced for " + strings.Join(first(d.NotEnforced, 10), ", ")
		}
		enf.Details = append(enf.Details, line+unknown(d.EnforcementUnknown, "with no policy API jml reads"))
		if d.LogMissing {
			used.Details = append(used.Details, d.Directory+": no exported sign-in log for the month")
		} else {
			used.Details = append(used.Details, fmt.Sprintf("%s: %s of enabled accounts signed in with MFA; %d signed in at all", d.Directory, dirRatio(d, d.Used), d.SignedIn))
		}
	}
	for _, k := range []*KPI{&reg, &enf, &used} {
		k.Percent = pct(k.Numerator, k.Denominator)
		k.Value = ratio(k.Numerator, k.Denominator)
	}
	blind := KPI{ID: KPIMFABlindSpots, Title: "MFA blind spots",
		Meaning: "Sign-ins through legacy protocols (IMAP, POP, SMTP, Exchange ActiveSync, other clients), which cannot be asked for MFA, in the exported sign-in logs; declared service accounts without MFA."}
	noMFA := 0
	for _, l := range m.Legacy {
		blind.Details = append(blind.Details, fmt.Sprintf("legacy sign-in: %s via %s in %s at %s", l.Actor, l.ClientApp, l.Directory, l.Time))
	}
	if n := m.LegacyTotal - len(m.Legacy); n > 0 {
		blind.Details = append(blind.Details, fmt.Sprintf("and %d more legacy sign-ins", n))
	}
	for _, s := range m.Service {
		if s.MFA {
			continue
		}
		noMFA++
		blind.Details = append(blind.Details, fmt.Sprintf("service account %s in %s (owner %s): %s", s.Account, s.Directory, s.Owner, s.Detail))
	}
	blind.Numerator = m.LegacyTotal + noMFA
	blind.Population = fmt.Sprintf("the sign-in events exported for %s (%d directories) and the %d declared service accounts", f.Month, len(m.Directories), len(m.Service))
	blind.Value = fmt.Sprintf("%d legacy-protocol sign-ins, %d service accounts without MFA", m.LegacyTotal, noMFA)
	base := KPI{ID: KPIMFABaseline, Title: "Sign-in baseline",
		Meaning: "The declared baseline (posture.baseline: MFA for all users, legacy authentication blocked, admins on a compliant device) checked against each directory's policies; failures and exceptions are in the month's action plan."}
	count := map[string]int{}
	for _, c := range m.Controls {
		count[c.Result]++
		line := fmt.Sprintf("%s (%s) %s: %s: %s", c.ControlID, c.Directory, c.Requirement, c.Result, c.Reason)
		if len(c.Exceptions) > 0 {
			line += " [exceptions: " + strings.Join(c.Exceptions, "; ") + "]"
		}
		base.Details = append(base.Details, line)
	}
	if m.ActionPlan != "" {
		base.Details = append(base.Details, "action plan: "+m.ActionPlan)
	}
	base.Numerator, base.Denominator = count[domain.ResultPass], len(m.Controls)
	base.Population = fmt.Sprintf("%d baseline controls checked against the enabled directories' sign-in policies", len(m.Controls))
	base.Value = fmt.Sprintf("%d pass, %d fail, %d exception, %d n/a", count[domain.ResultPass], count[domain.ResultFail], count[domain.ResultException], count[domain.ResultNA])
	out := []KPI{reg, enf, used, blind, base}
	for i := range out {
		out[i].Controls = ControlMapping[out[i].ID]
	}
	return out
}

func unknown(n int, what string) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(", %d %s", n, what)
}

// policyMechanism names what a directory's policies are, for the enforced
// line's split by mechanism.
var policyMechanism = map[string]string{"entra": "Conditional Access", "okta": "sign-on or authentication policy", "google": "2SV enforcement"}

// byMechanism splits a directory's enforced count into its policies and
// per-user MFA, and says how many per-user reads it took.
func byMechanism(d contract.MFADirectory) string {
	if d.Enforced == 0 && d.PerUserRead == 0 {
		return ""
	}
	mech := policyMechanism[d.Directory]
	if mech == "" {
		mech = "policy"
	}
	out := fmt.Sprintf(": %d by %s", d.Enforced-d.EnforcedPerUser, mech)
	if d.PerUserRead == 0 {
		return out
	}
	out += fmt.Sprintf(", %d by per-user MFA", d.EnforcedPerUser)
	if d.PerUserEnabled > 0 {
		out += fmt.Sprintf(" (%d of them enabled, not yet enforced: MFA at their next sign-in)", d.PerUserEnabled)
	}
	return out + fmt.Sprintf("; per-user MFA read for the %d accounts no policy covers", d.PerUserRead)
}

package domain

// Entra per-user MFA states (strongAuthenticationRequirements.perUserMfaState).
const (
	PerUserMFADisabled = "disabled"
	PerUserMFAEnabled  = "enabled"
	PerUserMFAEnforced = "enforced"
)

// PerUserMFARequires reports whether a per-user MFA state makes the user
// do MFA. Enabled counts: Microsoft asks an enabled user for MFA (after
// registering, if they have no method yet) at their next modern sign-in,
// and moves them to enforced once a method is registered. Legacy
// protocols sign in without MFA in both states (enabled with the
// password, enforced with an app password), which the blind-spot line
// and the legacy-authentication baseline report, not this one.
func PerUserMFARequires(state string) bool {
	return state == PerUserMFAEnabled || state == PerUserMFAEnforced
}

package activities

import (
	"fmt"
	"strings"

	"github.com/jml-dev/jml/contract"
)

// KPIAppCoverage is the share of catalog apps jml provisions without a
// person (scim or idp_group), against the guide's target.
const KPIAppCoverage = "app_provisioning_coverage"

// AppCoverageTarget is the guide's "Automated provisioning coverage: >= 70% of apps".
const AppCoverageTarget = 70.0

// appCoverageControls: automated provisioning and removal of app access.
var appCoverageControls = []Control{
	nist("PR.AA-01", "Identities and credentials for authorized users are managed"),
	nist("PR.AA-05", "Access permissions are managed, enforced and reviewed"),
	soc2("CC6.2", "Users are registered and authorized before credentials are issued, and removed when no longer authorized"),
	soc2("CC6.3", "Access is modified or removed on role change and termination"),
}

// appCoverageKPI is the report's line for the catalog's apps (none: no line).
func appCoverageKPI(f contract.KPIFacts) (KPI, bool) {
	if len(f.Apps) == 0 {
		return KPI{}, false
	}
	k := KPI{ID: KPIAppCoverage, Title: "Automated provisioning coverage (apps)",
		Meaning:  fmt.Sprintf("Catalog apps whose accounts jml creates and removes itself: over SCIM, or through the directory group the app syncs from (idp_group). Manual apps rely on their owner's confirmed task. Target: >= %.0f%%.", AppCoverageTarget),
		Controls: appCoverageControls, Denominator: len(f.Apps)}
	byMode := map[string][]string{}
	for _, a := range f.Apps {
		if a.Mode.Automated() {
			k.Numerator++
		}
		name := a.Name
		if a.Owner != "" && !a.Mode.Automated() {
			name += " (owner " + a.Owner + ")"
		}
		byMode[string(a.Mode)] = append(byMode[string(a.Mode)], name)
	}
	k.Percent = pct(k.Numerator, k.Denominator)
	verdict := "meets"
	if k.Percent < AppCoverageTarget {
		verdict = "below"
	}
	k.Value = fmt.Sprintf("%s, %s the %.0f%% target", ratio(k.Numerator, k.Denominator), verdict, AppCoverageTarget)
	for _, m := range []string{"scim", "idp_group", "manual"} {
		if len(byMode[m]) > 0 {
			k.Details = append(k.Details, fmt.Sprintf("%s: %s", m, strings.Join(byMode[m], ", ")))
		}
	}
	return k, true
}

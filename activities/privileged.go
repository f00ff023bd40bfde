package activities

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/integrations/directory"
)

// ReadPrivilegedGroups reads the members of each directory's privileged
// groups (directories without any answer nothing) and sorts them into
// break-glass, held through an active elevation, and permanent: the KPI's
// "0 permanent Domain Admins" is counted from the directory itself, not
// from the employees jml knows, so an orphaned admin account shows too.
func (a *Activities) ReadPrivilegedGroups(ctx context.Context, in contract.PrivilegedInput) (contract.PrivilegedOutput, error) {
	var out contract.PrivilegedOutput
	for _, name := range in.Directories {
		d, err := a.dir(name)
		if err != nil {
			return out, err
		}
		pr, ok := d.(directory.PrivilegedGroupReader)
		if !ok {
			continue
		}
		heartbeat(ctx, name)
		members, err := pr.PrivilegedMembers(ctx)
		if err != nil {
			return out, temporalError(err)
		}
		pd := contract.PrivilegedDirectory{Directory: name}
		seen, bg, el := map[string]bool{}, map[string]bool{}, map[string]bool{}
		elevatedHere := func(id string) bool {
			return id != "" && slices.ContainsFunc(in.Elevated[id], func(r contract.ElevationRoleRef) bool { return r.Directory == name })
		}
		for _, m := range members {
			seen[m.Account] = true
			switch {
			case m.Nested && elevatedHere(m.EmployeeID):
				// Administrators through the Domain Admins the elevation
				// granted: ends with it.
				el[m.Account] = true
			case m.BreakGlass:
				bg[m.Account] = true
			case m.EmployeeID != "" && slices.ContainsFunc(in.Elevated[m.EmployeeID], func(r contract.ElevationRoleRef) bool {
				return r.Directory == name && strings.EqualFold(r.Role, m.Group)
			}):
				el[m.Account] = true
			default:
				pd.Permanent = append(pd.Permanent, contract.PrivilegedHolder{Group: m.Group, Account: m.Account, EmployeeID: m.EmployeeID})
			}
		}
		for acct := range el {
			if slices.ContainsFunc(pd.Permanent, func(h contract.PrivilegedHolder) bool { return h.Account == acct }) {
				delete(el, acct) // also holds something permanently
			}
		}
		pd.Accounts, pd.BreakGlass, pd.Elevated = len(seen), len(bg), len(el)
		out.Directories = append(out.Directories, pd)
		a.Logger.Info().Str("directory", name).Int("accounts", pd.Accounts).Int("permanent", len(pd.Permanent)).Msg("privileged groups")
	}
	return out, nil
}

// KPIPermanentPrivileged is the count of permanent members of the
// directories' privileged groups outside the break-glass list.
const KPIPermanentPrivileged = "permanent_privileged_groups"

// privilegedKPI is the line the report shows when a directory with
// privileged groups (AD) is enabled: "0 permanent Domain Admins" is the
// guide's target.
func privilegedKPI(f contract.KPIFacts) (KPI, bool) {
	if f.Privileged == nil || len(f.Privileged.Directories) == 0 {
		return KPI{}, false
	}
	k := KPI{ID: KPIPermanentPrivileged, Title: "Permanent privileged-group members",
		Meaning:  "Accounts in a directory's built-in privileged groups (AD: Domain Admins, Enterprise Admins, Schema Admins, Administrators, Account/Backup/Server/Print Operators), read from the directory itself, outside the break-glass list and outside an active JIT elevation. Target: 0.",
		Controls: ControlMapping[KPIStandingAdmins]}
	das, accounts := map[string]bool{}, map[string]bool{}
	for _, d := range f.Privileged.Directories {
		k.Denominator += d.Accounts
		for _, h := range d.Permanent {
			accounts[d.Directory+"/"+h.Account] = true
			if h.Group == "Domain Admins" {
				das[d.Directory+"/"+h.Account] = true
			}
			who := h.Account
			if h.EmployeeID != "" {
				who += " (" + h.EmployeeID + ")"
			}
			k.Details = append(k.Details, fmt.Sprintf("%s: %s in %s", d.Directory, who, h.Group))
		}
		k.Details = append(k.Details, fmt.Sprintf("%s: %d accounts in privileged groups, %d break-glass, %d through an active elevation", d.Directory, d.Accounts, d.BreakGlass, d.Elevated))
	}
	k.Numerator = len(accounts)
	k.Value = fmt.Sprintf("%d permanent Domain Admins; %d accounts with a permanent privileged group", len(das), len(accounts))
	return k, true
}

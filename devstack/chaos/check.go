package chaos

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jml-dev/jml/activities"
	"github.com/jml-dev/jml/config"
	"github.com/jml-dev/jml/contract"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulators"
	"github.com/jml-dev/jml/domain"
)

// check compares what the directories hold with what each person's
// lifecycle intends, looks for duplicates anywhere, and counts the
// offboarding rows. Every finding becomes a problem in the report.
func check(rep *Report, cfg *config.Config, emus *emulators.Set, people []person, results map[string]contract.LifecycleResult) {
	for _, p := range people {
		if res, ok := results[p.workflow]; ok {
			checkLanes(rep, cfg, p, res)
		}
		if p.leaver {
			checkLeaver(rep, cfg, emus, p)
		} else {
			checkJoiner(rep, cfg, emus, p)
		}
	}
	checkDuplicates(rep, cfg, emus)
	checkOffboardingLog(rep, cfg, people)
}

// checkLanes: every lane of a completed run finished ok, nothing skipped,
// and a leaver's directories read back disabled with sessions revoked.
func checkLanes(rep *Report, cfg *config.Config, p person, res contract.LifecycleResult) {
	id := p.rec.EmployeeID
	want := len(cfg.EnabledDirectories())
	dirs := 0
	for _, d := range res.Directories {
		if d.Result != domain.ResultOK || len(d.Skipped) > 0 {
			rep.problem("%s: %s lane ended %q (skipped %v, errors %v)", p.workflow, d.Directory, d.Result, d.Skipped, d.Errors)
		}
		if slices.Contains(cfg.EnabledDirectories(), d.Directory) {
			dirs++
			if p.leaver && !d.Verified {
				rep.problem("%s: %s not verified disabled for %s", p.workflow, d.Directory, id)
			}
		}
	}
	if dirs != want {
		rep.problem("%s: %d directory lanes, want %d", p.workflow, dirs, want)
	}
}

func checkLeaver(rep *Report, cfg *config.Config, emus *emulators.Set, p person) {
	id, email := p.rec.EmployeeID, p.rec.Email
	bad := func(dir, format string, a ...any) {
		rep.problem("leaver %s: %s: %s", id, dir, fmt.Sprintf(format, a...))
	}

	if u, ok := emus.Graph.UserByEmployeeID(id); !ok {
		bad("entra", "account gone")
	} else {
		if u.AccountEnabled {
			bad("entra", "still enabled")
		}
		if u.SessionsRevoked == 0 {
			bad("entra", "sessions not revoked")
		}
		if g := emus.Graph.GroupsOf(u.ID); len(g) > 0 {
			bad("entra", "still in groups %v", g)
		}
		if l := emus.Graph.Licenses(u.ID); len(l) > 0 {
			bad("entra", "still licensed %v", l)
		}
		if r := emus.Graph.RoleAssignments(u.ID); len(r) > 0 {
			bad("entra", "still holds %d admin roles", len(r))
		}
		for _, d := range emus.Graph.Devices(u.ID) {
			if cfg.Leaver.RetireDevices && !d.Retired() {
				bad("entra", "device %s not retired", d.ID)
			}
		}
	}
	if u, ok := emus.Okta.UserByEmployeeNumber(id); !ok {
		bad("okta", "account gone")
	} else {
		if u.Status != "DEPROVISIONED" && u.Status != "SUSPENDED" {
			bad("okta", "status %s", u.Status)
		}
		if g := withoutEveryone(u.Groups); len(g) > 0 {
			bad("okta", "still in groups %v", g)
		}
		if len(u.Roles) > 0 {
			bad("okta", "still holds admin roles %v", u.Roles)
		}
	}
	if u, ok := emus.Google.User(email); !ok {
		bad("google", "account gone")
	} else {
		if !u.Suspended {
			bad("google", "not suspended")
		}
		if emus.Google.SignedOut(email) == 0 {
			bad("google", "not signed out")
		}
		if g := googleGroups(cfg, emus, email); len(g) > 0 {
			bad("google", "still in groups %v", g)
		}
		if r := emus.Google.RoleAssignments(email); len(r) > 0 {
			bad("google", "still holds %d admin roles", len(r))
		}
	}
	for _, app := range cfg.SCIMApps {
		if emus.SCIM.Active(app.Name, email) {
			bad("scim:"+app.Name, "still active")
		}
	}
}

func checkJoiner(rep *Report, cfg *config.Config, emus *emulators.Set, p person) {
	id, email := p.rec.EmployeeID, p.rec.Email
	bad := func(dir, format string, a ...any) {
		rep.problem("joiner %s: %s: %s", id, dir, fmt.Sprintf(format, a...))
	}
	want := cfg.Catalog.Domain().Evaluate(domain.AttributesOf(p.rec))

	if u, ok := emus.Graph.UserByEmployeeID(id); !ok {
		bad("entra", "no account")
	} else {
		if !u.AccountEnabled {
			bad("entra", "not enabled")
		}
		if got := sorted(emus.Graph.GroupsOf(u.ID)); !slices.Equal(got, want.Groups[config.Entra]) {
			bad("entra", "groups %v, want %v", got, want.Groups[config.Entra])
		}
		if got := sorted(emus.Graph.Licenses(u.ID)); !slices.Equal(got, want.Licenses[config.Entra]) {
			bad("entra", "licenses %v, want %v", got, want.Licenses[config.Entra])
		}
		if m, ok := emus.Graph.UserByEmployeeID(p.rec.ManagerEmployeeID); p.rec.ManagerEmployeeID != "" && (!ok || u.ManagerID != m.ID) {
			bad("entra", "manager %q, want %s's account", u.ManagerID, p.rec.ManagerEmployeeID)
		}
	}
	if u, ok := emus.Okta.UserByEmployeeNumber(id); !ok {
		bad("okta", "no account")
	} else {
		if u.Status != "ACTIVE" && u.Status != "PROVISIONED" {
			bad("okta", "status %s", u.Status)
		}
		if got := sorted(withoutEveryone(u.Groups)); !slices.Equal(got, want.Groups[config.Okta]) {
			bad("okta", "groups %v, want %v", got, want.Groups[config.Okta])
		}
	}
	if u, ok := emus.Google.User(email); !ok {
		bad("google", "no account")
	} else {
		if u.Suspended {
			bad("google", "suspended")
		}
		if got := googleGroups(cfg, emus, email); !slices.Equal(got, want.Groups[config.Google]) {
			bad("google", "groups %v, want %v", got, want.Groups[config.Google])
		}
	}
	for _, app := range cfg.SCIMApps {
		if granted, active := slices.Contains(want.Apps, app.Name), emus.SCIM.Active(app.Name, email); granted != active {
			bad("scim:"+app.Name, "active=%t, want %t", active, granted)
		}
	}
}

// checkDuplicates: at most one account per person in each directory and
// app, and no membership listed twice, across everyone the emulators hold.
func checkDuplicates(rep *Report, cfg *config.Config, emus *emulators.Set) {
	dup := func(where string, keys []string) {
		seen := map[string]int{}
		for _, k := range keys {
			if k = strings.ToLower(k); k != "" {
				seen[k]++
			}
		}
		for _, k := range slices.Sorted(maps.Keys(seen)) {
			if seen[k] > 1 {
				rep.problem("duplicate: %s %q appears %d times", where, k, seen[k])
			}
		}
	}
	var ids, upns []string
	for _, u := range emus.Graph.Users() {
		ids, upns = append(ids, u.EmployeeID), append(upns, u.UserPrincipalName)
		dup("entra groups of "+u.EmployeeID+":", emus.Graph.GroupsOf(u.ID))
	}
	dup("entra employeeId", ids)
	dup("entra userPrincipalName", upns)

	var okta struct {
		Users []struct {
			Login  string   `json:"login"`
			Groups []string `json:"groups"`
		} `json:"users"`
	}
	if err := adminState(emus.Okta.Server, &okta); err != nil {
		rep.problem("okta state: %v", err)
	}
	var logins []string
	for _, u := range okta.Users {
		logins = append(logins, u.Login)
		dup("okta groups of "+u.Login+":", u.Groups)
	}
	dup("okta login", logins)

	var google struct {
		Users []struct {
			PrimaryEmail string `json:"primaryEmail"`
			EmployeeID   string `json:"employeeId"`
		} `json:"users"`
	}
	if err := adminState(emus.Google.Server, &google); err != nil {
		rep.problem("google state: %v", err)
	}
	var emails, gids []string
	for _, u := range google.Users {
		emails, gids = append(emails, u.PrimaryEmail), append(gids, u.EmployeeID)
	}
	dup("google primaryEmail", emails)
	dup("google employee id", gids)
	for _, g := range cfg.Catalog.Groups[config.Google] {
		dup("google members of "+g+":", emus.Google.GroupMembers(g+"@"+cfg.Directories.Google.Domain))
	}

	var scim map[string]struct {
		Users []struct {
			UserName   string `json:"userName"`
			ExternalID string `json:"externalId"`
		} `json:"users"`
	}
	if err := adminState(emus.SCIM.Server, &scim); err != nil {
		rep.problem("scim state: %v", err)
	}
	for _, app := range slices.Sorted(maps.Keys(scim)) {
		var names, ext []string
		for _, u := range scim[app].Users {
			names, ext = append(names, u.UserName), append(ext, u.ExternalID)
		}
		dup("scim:"+app+" userName", names)
		dup("scim:"+app+" externalId", ext)
	}
}

// checkOffboardingLog: exactly one row per leaver, none for anyone else.
func checkOffboardingLog(rep *Report, cfg *config.Config, people []person) {
	rows := map[string]int{}
	f, err := os.Open(filepath.Join(cfg.Evidence.Dir, activities.OffboardingLogPath))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		rep.problem("offboarding log: %v", err)
	default:
		defer f.Close()
		all, err := csv.NewReader(f).ReadAll()
		if err != nil {
			rep.problem("offboarding log is not valid CSV: %v", err)
		}
		for i, r := range all {
			if i > 0 && len(r) > 0 {
				rows[r[0]]++
			}
		}
	}
	for _, p := range people {
		id := p.rec.EmployeeID
		n := rows[id]
		delete(rows, id)
		switch {
		case p.leaver && n != 1:
			rep.problem("offboarding log: %d rows for leaver %s, want exactly 1", n, id)
		case !p.leaver && n != 0:
			rep.problem("offboarding log: %d rows for joiner %s", n, id)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(rows)) {
		rep.problem("offboarding log: %d rows for %s, who did not leave", rows[id], id)
	}
}

// adminState reads an emulator's GET /__admin/state.
func adminState(s *emulator.Server, v any) error {
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(s.URL() + emulator.AdminPrefix + "state")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %sstate: %s", emulator.AdminPrefix, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// googleGroups lists the catalog's Google groups the user is in, sorted.
func googleGroups(cfg *config.Config, emus *emulators.Set, email string) []string {
	var out []string
	for _, g := range cfg.Catalog.Groups[config.Google] {
		if emus.Google.IsMember(g+"@"+cfg.Directories.Google.Domain, email) {
			out = append(out, g)
		}
	}
	return sorted(out)
}

func withoutEveryone(groups []string) []string {
	return slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == "Everyone" })
}

func sorted(v []string) []string {
	out := slices.Clone(v)
	slices.Sort(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

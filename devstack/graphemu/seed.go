package graphemu

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// stableID derives a repeatable GUID, so seeded objects keep their ids
// between runs of `jml dev`.
func stableID(kind, key string) string {
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("graphemu:"+kind+":"+key)).String()
}

// Seed loads the organisation: accounts for org.Employees (not joiners),
// groups and memberships, licenses, standing role assignments, one managed
// device per employee, an authenticator method where MFA is set, and a few
// sign-ins per employee over the last 30 days.
func (e *Emulator) Seed(org demoorg.Org) {
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	e.domain = org.Domain
	if len(e.skus) == 0 {
		for _, l := range demoorg.Licenses {
			e.skus = append(e.skus, Sku{SkuID: l.ID, SkuPartNumber: l.Name, Prepaid: 10000})
		}
	}
	for _, name := range org.Groups {
		if e.groupByName(name) != nil {
			continue
		}
		g := &Group{ID: stableID("group", name), DisplayName: name, Mail: name + "@" + org.Domain}
		e.groups[g.ID] = g
		e.groupIDs = append(e.groupIDs, g.ID)
	}
	// assignments and sign-ins have stable ids, so a repeated Seed skips them
	have := map[string]bool{}
	for _, a := range e.assigns {
		have[a.ID] = true
	}
	for _, s := range e.signIns {
		have[s.ID] = true
	}
	byEmp := map[string]string{}
	created := now.Add(-400 * 24 * time.Hour).Truncate(time.Second)
	for _, emp := range org.Employees {
		if _, exists := e.byUPN[strings.ToLower(emp.Email)]; exists {
			byEmp[emp.EmployeeID] = e.byUPN[strings.ToLower(emp.Email)]
			continue
		}
		u := &User{
			ID: stableID("user", emp.EmployeeID), UserPrincipalName: emp.Email, DisplayName: emp.Name(),
			GivenName: emp.GivenName, Surname: emp.FamilyName, Mail: emp.Email,
			MailNickname: strings.SplitN(emp.Email, "@", 2)[0], EmployeeID: emp.EmployeeID,
			EmployeeType: employeeType(emp.EmploymentType), Department: emp.Department, JobTitle: emp.Title,
			OfficeLocation: emp.Location, UsageLocation: emp.Country, CostCenter: emp.CostCenter,
			AccountEnabled: true, CreatedDateTime: created, HasPassword: true, MFA: emp.MFA,
		}
		if emp.License != "" {
			if s := e.skuByName(emp.License); s != nil {
				u.Licenses = []string{strings.ToLower(s.SkuID)}
			}
		}
		e.addUserLocked(u)
		byEmp[emp.EmployeeID] = u.ID
	}
	for i, emp := range org.Employees {
		u := e.users[byEmp[emp.EmployeeID]]
		if emp.ManagerEmployeeID != "" {
			u.ManagerID = byEmp[emp.ManagerEmployeeID]
		}
		for _, gname := range emp.Groups {
			if g := e.groupByName(gname); g != nil && !slices.Contains(g.Members, u.ID) {
				g.Members = append(g.Members, u.ID)
			}
		}
		for _, role := range emp.AdminRoles {
			def := e.roleByName(role)
			if def.ID == "" {
				continue
			}
			id := stableID("assign", u.ID+def.ID)
			if have[id] {
				continue
			}
			e.assigns = append(e.assigns, &RoleAssignment{ID: id, PrincipalID: u.ID, RoleDefinitionID: def.ID, RoleName: def.DisplayName, DirectoryScopeID: "/", Start: created})
		}
		comp := "noncompliant"
		if emp.DeviceOK {
			comp = "compliant"
		}
		os, ver := "Windows", "10.0.22631.3296"
		if i%3 == 1 {
			os, ver = "macOS", "14.4.1"
		}
		d := &Device{
			ID: stableID("device", emp.EmployeeID), DeviceName: fmt.Sprintf("%s-%s", strings.ToUpper(emp.EmployeeID), map[string]string{"Windows": "WIN", "macOS": "MAC"}[os]),
			UserID: u.ID, UPN: u.UserPrincipalName, OperatingSystem: os, OSVersion: ver, ComplianceState: comp,
			ManagementState: "managed", EnrolledAt: created, LastSync: now.Add(-time.Duration(i%48) * time.Hour).Truncate(time.Second),
		}
		if _, ok := e.devices[d.ID]; !ok {
			e.devices[d.ID] = d
			e.devIDs = append(e.devIDs, d.ID)
		}
		// three sign-ins over the last 30 days; every 17th employee has a
		// failed attempt among them
		for k := range 3 {
			at := now.Add(-time.Duration((i*7+k*240)%(30*24)) * time.Hour).Add(-time.Duration(k*13) * time.Minute).Truncate(time.Second)
			s := SignIn{ID: stableID("signin", fmt.Sprintf("%s-%d", emp.EmployeeID, k)), Time: at, UserID: u.ID, UPN: u.UserPrincipalName,
				DisplayName: u.DisplayName, App: []string{"Office 365 Exchange Online", "Microsoft Teams", "Azure Portal"}[k],
				IP: fmt.Sprintf("203.0.113.%d", (i+k)%250+1), DeviceID: d.ID, Compliant: emp.DeviceOK}
			if k == 2 && i%17 == 0 {
				s.ErrorCode, s.Failure = 50126, "Error validating credentials due to invalid username or password."
			}
			if !have[s.ID] {
				e.signIns = append(e.signIns, s)
			}
		}
	}
	slices.SortStableFunc(e.signIns, func(a, b SignIn) int { return a.Time.Compare(b.Time) })
}

func employeeType(t string) string {
	switch t {
	case "contractor":
		return "Contractor"
	case "intern":
		return "Intern"
	case "":
		return ""
	}
	return "Employee"
}

func (e *Emulator) groupByName(name string) *Group {
	for _, id := range e.groupIDs {
		if g := e.groups[id]; strings.EqualFold(g.DisplayName, name) {
			return g
		}
	}
	return nil
}

func (e *Emulator) skuByName(name string) *Sku {
	for i := range e.skus {
		if strings.EqualFold(e.skus[i].SkuPartNumber, name) {
			return &e.skus[i]
		}
	}
	return nil
}

func (e *Emulator) roleByName(name string) RoleDefinition {
	for _, d := range e.roleDefs {
		if strings.EqualFold(d.DisplayName, name) {
			return d
		}
	}
	return RoleDefinition{}
}

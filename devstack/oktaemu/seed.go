package oktaemu

import (
	"strconv"
	"strings"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
)

// Seed loads the demo organisation: an ACTIVE account for every employee
// (not for joiners) with its profile and manager, the groups and
// memberships, standing admin roles, MFA factors and a few sign-in events.
func (e *Emulator) Seed(org demoorg.Org) {
	now := time.Now()
	created := now.Add(-90 * 24 * time.Hour)
	e.mu.Lock()
	defer e.mu.Unlock()
	if org.Domain != "" {
		e.domain = org.Domain
	}
	byName := map[string]string{}
	for _, g := range e.groups {
		byName[strings.ToLower(g.Name)] = g.ID
	}
	for _, name := range org.Groups {
		if _, ok := byName[strings.ToLower(name)]; !ok {
			byName[strings.ToLower(name)] = e.newGroupLocked(name, "jml demo group "+name, "OKTA_GROUP", created).ID
		}
	}
	byEmp := map[string]*user{}
	for i, emp := range org.Employees {
		p := map[string]any{
			"login": emp.Email, "email": emp.Email, "firstName": emp.GivenName, "lastName": emp.FamilyName,
			"displayName": strings.TrimSpace(emp.GivenName + " " + emp.FamilyName), "department": emp.Department,
			"title": emp.Title, "employeeNumber": emp.EmployeeID, "costCenter": emp.CostCenter, "city": emp.Location,
			"countryCode": emp.Country, "timezone": emp.Timezone, "userType": emp.EmploymentType,
			"mobilePhone": nil, "secondEmail": nil,
		}
		if emp.DisplayName != "" {
			p["displayName"] = emp.DisplayName
		}
		u := &user{ID: e.newIDLocked("00u"), Status: StatusActive, Created: created, Activated: created, StatusChanged: created,
			LastUpdated: created, PasswordChanged: created, Profile: p, HasPassword: true, Groups: map[string]bool{}}
		if i%3 == 0 {
			u.LastLogin = now.Add(-time.Duration(i+1) * time.Hour)
		}
		e.users[u.ID] = u
		e.logins[strings.ToLower(emp.Email)] = u.ID
		byEmp[emp.EmployeeID] = u
		e.addMemberLocked(nil, u, e.everyID, created, false)
		for _, gname := range emp.Groups {
			if gid, ok := byName[strings.ToLower(gname)]; ok {
				e.addMemberLocked(nil, u, gid, created, false)
			}
		}
		for _, rn := range emp.AdminRoles {
			if t, ok := RoleType(rn); ok {
				e.addRoleLocked(u, t, created)
			}
		}
		if emp.MFA {
			u.Factors = append(u.Factors, &Factor{ID: e.newIDLocked("opf"), FactorType: "push", Provider: "OKTA", Status: "ACTIVE", Created: created})
			if i%3 == 0 {
				u.Factors = append(u.Factors, &Factor{ID: e.newIDLocked("uft"), FactorType: "token:software:totp", Provider: "GOOGLE", Status: "ACTIVE", Created: created})
			}
		} else if i%2 == 0 {
			// Started enrolling but never finished: not MFA.
			u.Factors = append(u.Factors, &Factor{ID: e.newIDLocked("mbl"), FactorType: "sms", Provider: "OKTA", Status: "PENDING_ACTIVATION", Created: created})
		}
	}
	for _, emp := range org.Employees {
		if m, ok := byEmp[emp.ManagerEmployeeID]; ok {
			u := byEmp[emp.EmployeeID]
			u.Profile["managerId"] = m.ID
			u.Profile["manager"] = str(m.Profile["displayName"])
		}
	}
	// A few sign-ins over the last day, every seventh one a failure.
	n := 0
	for i, emp := range org.Employees {
		if i%10 != 0 {
			continue
		}
		u := byEmp[emp.EmployeeID]
		ev := &LogEvent{Published: now.Add(-time.Duration(len(org.Employees)-i) * time.Minute), EventType: "user.session.start",
			DisplayMessage: "User login to Okta", Result: "SUCCESS", Actor: userTarget(u), Targets: []LogEntity{userTarget(u)},
			IP: "192.0.2." + strconv.Itoa(1+i%250), App: "Okta Dashboard"}
		if n%7 == 6 {
			ev.Result, ev.Reason = "FAILURE", "INVALID_CREDENTIALS"
		}
		e.appendEventLocked(ev)
		n++
	}
}

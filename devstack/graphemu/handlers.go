package graphemu

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// serveAPI routes an authorised request.
func (e *Emulator) serveAPI(w http.ResponseWriter, r *http.Request) {
	requestIDs(w, r)
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1.0/")
	if !ok {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version: "+r.URL.Path)
		return
	}
	seg := strings.Split(strings.TrimRight(rest, "/"), "/")
	m := r.Method
	var err *apiError
	switch {
	case seg[0] == "users":
		err = e.routeUsers(w, r, m, seg[1:])
	case seg[0] == "groups":
		err = e.routeGroups(w, r, m, seg[1:])
	case seg[0] == "subscribedSkus" && len(seg) == 1 && m == http.MethodGet:
		e.listSkus(w, r)
	case seg[0] == "roleManagement" && len(seg) >= 3 && seg[1] == "directory":
		err = e.routeRoles(w, r, m, seg[2:])
	case seg[0] == "deviceManagement" && len(seg) >= 2 && seg[1] == "managedDevices":
		err = e.routeDevices(w, r, m, seg[2:])
	case seg[0] == "auditLogs" && len(seg) == 2 && m == http.MethodGet && seg[1] == "signIns":
		err = e.listSignIns(w, r)
	case seg[0] == "auditLogs" && len(seg) == 2 && m == http.MethodGet && seg[1] == "directoryAudits":
		err = e.listAudits(w, r)
	default:
		err = notFound("Resource not found for the segment '" + seg[0] + "'.")
	}
	if err != nil {
		writeError(w, r, err.status, err.code, err.message)
	}
}

func noRoute(r *http.Request) *apiError {
	return &apiError{http.StatusBadRequest, "BadRequest", "Unsupported request: " + r.Method + " " + r.URL.Path}
}

func (e *Emulator) routeUsers(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	if len(seg) == 0 {
		switch m {
		case http.MethodGet:
			return e.listUsers(w, r)
		case http.MethodPost:
			return e.createUser(w, r)
		}
		return noRoute(r)
	}
	id := seg[0]
	switch {
	case len(seg) == 1 && m == http.MethodGet:
		return e.getUser(w, r, id)
	case len(seg) == 1 && m == http.MethodPatch:
		return e.patchUser(w, r, id)
	case len(seg) == 2 && seg[1] == "revokeSignInSessions" && m == http.MethodPost:
		return e.revokeSessions(w, r, id)
	case len(seg) == 2 && seg[1] == "assignLicense" && m == http.MethodPost:
		return e.assignLicense(w, r, id)
	case len(seg) == 2 && seg[1] == "memberOf" && m == http.MethodGet:
		return e.memberOf(w, r, id)
	case len(seg) == 2 && seg[1] == "manager" && m == http.MethodGet:
		return e.getManager(w, r, id)
	case len(seg) == 3 && seg[1] == "manager" && seg[2] == "$ref":
		switch m {
		case http.MethodPut:
			return e.putManager(w, r, id)
		case http.MethodDelete:
			return e.deleteManager(w, r, id)
		}
	case len(seg) == 2 && seg[1] == "managedDevices" && m == http.MethodGet:
		return e.userDevices(w, r, id)
	case len(seg) == 3 && seg[1] == "authentication" && seg[2] == "methods" && m == http.MethodGet:
		return e.authMethods(w, r, id)
	}
	return noRoute(r)
}

// ---- users ----

func (e *Emulator) lookupUser(idOrUPN string) *User {
	if u := e.users[idOrUPN]; u != nil {
		return u
	}
	if id, ok := e.byUPN[strings.ToLower(idOrUPN)]; ok {
		return e.users[id]
	}
	return nil
}

func userMissing(id string) *apiError {
	return notFound("Resource '" + id + "' does not exist or one of its queried reference-property objects are not present.")
}

type assignedLicense struct {
	DisabledPlans []string `json:"disabledPlans"`
	SkuID         string   `json:"skuId"`
}

type refJSON struct {
	Type              string `json:"@odata.type"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName,omitempty"`
	UserPrincipalName string `json:"userPrincipalName,omitempty"`
}

type orgDataJSON struct {
	CostCenter string `json:"costCenter,omitempty"`
	Division   string `json:"division,omitempty"`
}

type userJSON struct {
	Context           string       `json:"@odata.context,omitempty"`
	Type              string       `json:"@odata.type,omitempty"`
	ID                string       `json:"id"`
	AccountEnabled    bool         `json:"accountEnabled"`
	DisplayName       string       `json:"displayName"`
	GivenName         string       `json:"givenName,omitempty"`
	Surname           string       `json:"surname,omitempty"`
	UserPrincipalName string       `json:"userPrincipalName"`
	Mail              string       `json:"mail,omitempty"`
	MailNickname      string       `json:"mailNickname,omitempty"`
	EmployeeID        string       `json:"employeeId,omitempty"`
	EmployeeType      string       `json:"employeeType,omitempty"`
	Department        string       `json:"department,omitempty"`
	JobTitle          string       `json:"jobTitle,omitempty"`
	OfficeLocation    string       `json:"officeLocation,omitempty"`
	UsageLocation     string       `json:"usageLocation,omitempty"`
	CompanyName       string       `json:"companyName,omitempty"`
	EmployeeOrgData   *orgDataJSON `json:"employeeOrgData,omitempty"`
	CreatedDateTime   string       `json:"createdDateTime,omitempty"`
	// Graph moves it to the time of the last revokeSignInSessions (it starts
	// at the account's creation).
	SignInSessionsValidFromDateTime string            `json:"signInSessionsValidFromDateTime,omitempty"`
	AssignedLicenses                []assignedLicense `json:"assignedLicenses"`
	Manager                         *refJSON          `json:"manager,omitempty"`
}

func (e *Emulator) userView(u *User, expandManager bool) userJSON {
	j := userJSON{
		ID: u.ID, AccountEnabled: u.AccountEnabled, DisplayName: u.DisplayName, GivenName: u.GivenName,
		Surname: u.Surname, UserPrincipalName: u.UserPrincipalName, Mail: u.Mail, MailNickname: u.MailNickname,
		EmployeeID: u.EmployeeID, EmployeeType: u.EmployeeType, Department: u.Department, JobTitle: u.JobTitle,
		OfficeLocation: u.OfficeLocation, UsageLocation: u.UsageLocation, CompanyName: u.CompanyName,
		CreatedDateTime: ts(u.CreatedDateTime), AssignedLicenses: make([]assignedLicense, 0, len(u.Licenses)),
		SignInSessionsValidFromDateTime: ts(u.CreatedDateTime),
	}
	if !u.SessionsRevokedAt.IsZero() {
		j.SignInSessionsValidFromDateTime = ts(u.SessionsRevokedAt)
	}
	if u.CostCenter != "" {
		j.EmployeeOrgData = &orgDataJSON{CostCenter: u.CostCenter}
	}
	for _, l := range u.Licenses {
		j.AssignedLicenses = append(j.AssignedLicenses, assignedLicense{DisabledPlans: []string{}, SkuID: l})
	}
	if expandManager && u.ManagerID != "" {
		if m := e.users[u.ManagerID]; m != nil {
			j.Manager = &refJSON{Type: "#microsoft.graph.user", ID: m.ID, DisplayName: m.DisplayName, UserPrincipalName: m.UserPrincipalName}
		}
	}
	return j
}

func wantsManager(r *http.Request) bool {
	return strings.Contains(strings.ToLower(r.URL.Query().Get("$expand")), "manager")
}

func (e *Emulator) getUser(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	j := e.userView(u, wantsManager(r))
	e.mu.RUnlock()
	j.Context = baseURL(r) + "/v1.0/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, j)
	return nil
}

func userFields(u *User) fields {
	return func(n string) (any, bool) {
		switch n {
		case "id":
			return u.ID, true
		case "userPrincipalName":
			return u.UserPrincipalName, true
		case "employeeId":
			return u.EmployeeID, true
		case "displayName":
			return u.DisplayName, true
		case "mail":
			return u.Mail, true
		case "mailNickname":
			return u.MailNickname, true
		case "department":
			return u.Department, true
		case "jobTitle":
			return u.JobTitle, true
		case "accountEnabled":
			return u.AccountEnabled, true
		case "createdDateTime":
			return u.CreatedDateTime, true
		}
		return nil, false
	}
}

func (e *Emulator) listUsers(w http.ResponseWriter, r *http.Request) *apiError {
	exp := wantsManager(r)
	return list(e, w, r, "User", "users",
		func() []*User { return inOrder(e.userList, e.users) },
		userFields,
		func(u *User) any { return e.userView(u, exp) })
}

type passwordProfile struct {
	Password                      *string `json:"password"`
	ForceChangePasswordNextSignIn *bool   `json:"forceChangePasswordNextSignIn"`
}

// userBody is a POST/PATCH body; pointers tell sent from absent.
type userBody struct {
	AccountEnabled    *bool            `json:"accountEnabled"`
	DisplayName       *string          `json:"displayName"`
	GivenName         *string          `json:"givenName"`
	Surname           *string          `json:"surname"`
	UserPrincipalName *string          `json:"userPrincipalName"`
	Mail              *string          `json:"mail"`
	MailNickname      *string          `json:"mailNickname"`
	EmployeeID        *string          `json:"employeeId"`
	EmployeeType      *string          `json:"employeeType"`
	Department        *string          `json:"department"`
	JobTitle          *string          `json:"jobTitle"`
	OfficeLocation    *string          `json:"officeLocation"`
	UsageLocation     *string          `json:"usageLocation"`
	CompanyName       *string          `json:"companyName"`
	EmployeeOrgData   *orgDataJSON     `json:"employeeOrgData"`
	PasswordProfile   *passwordProfile `json:"passwordProfile"`
}

var (
	nicknameRe = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+\-/=?^_` + "`" + `{|}~.]{1,64}$`)
	upperRe    = regexp.MustCompile(`[A-Z]`)
	lowerRe    = regexp.MustCompile(`[a-z]`)
	digitRe    = regexp.MustCompile(`[0-9]`)
	symbolRe   = regexp.MustCompile(`[^A-Za-z0-9]`)
)

func invalidProp(p string) *apiError {
	return badRequest("Request_BadRequest", "Invalid value specified for property '"+p+"' of resource 'User'.")
}

// passwordOK applies Entra's complexity rule: 8-256 characters, three of
// upper, lower, digit, symbol.
func passwordOK(p string) bool {
	if len(p) < 8 || len(p) > 256 {
		return false
	}
	n := 0
	for _, re := range []*regexp.Regexp{upperRe, lowerRe, digitRe, symbolRe} {
		if re.MatchString(p) {
			n++
		}
	}
	return n >= 3
}

// validate checks the sent values against Graph's rules; creating says
// whether required properties must be present.
func (e *Emulator) validate(b *userBody, self string, creating bool) *apiError {
	if creating {
		for _, req := range []struct {
			name string
			ok   bool
		}{
			{"accountEnabled", b.AccountEnabled != nil},
			{"displayName", b.DisplayName != nil && *b.DisplayName != ""},
			{"mailNickname", b.MailNickname != nil && *b.MailNickname != ""},
			{"userPrincipalName", b.UserPrincipalName != nil && *b.UserPrincipalName != ""},
			{"passwordProfile", b.PasswordProfile != nil && b.PasswordProfile.Password != nil},
		} {
			if !req.ok {
				return badRequest("Request_BadRequest", "Property '"+req.name+"' is required when creating the resource.")
			}
		}
	}
	if b.UserPrincipalName != nil {
		upn := *b.UserPrincipalName
		at := strings.LastIndexByte(upn, '@')
		if at < 1 || at == len(upn)-1 || strings.ContainsAny(upn, " ,;<>\"") {
			return invalidProp("userPrincipalName")
		}
		if e.domain != "" && !strings.EqualFold(upn[at+1:], e.domain) {
			return badRequest("Request_BadRequest", "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.")
		}
		if id, ok := e.byUPN[strings.ToLower(upn)]; ok && id != self {
			return badRequest("Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
		}
	}
	if b.MailNickname != nil && !nicknameRe.MatchString(*b.MailNickname) {
		return invalidProp("mailNickname")
	}
	if b.UsageLocation != nil && *b.UsageLocation != "" {
		ul := *b.UsageLocation
		if len(ul) != 2 || strings.ToUpper(ul) != ul {
			return invalidProp("usageLocation")
		}
	}
	if b.EmployeeID != nil && len(*b.EmployeeID) > 16 {
		return invalidProp("employeeId")
	}
	if b.PasswordProfile != nil && b.PasswordProfile.Password != nil && !passwordOK(*b.PasswordProfile.Password) {
		return badRequest("Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.")
	}
	return nil
}

func apply(u *User, b *userBody) []string {
	var changed []string
	set := func(name string, dst *string, v *string) {
		if v != nil && *dst != *v {
			*dst = *v
			changed = append(changed, name)
		}
	}
	if b.AccountEnabled != nil && u.AccountEnabled != *b.AccountEnabled {
		u.AccountEnabled = *b.AccountEnabled
		changed = append(changed, "AccountEnabled")
	}
	set("DisplayName", &u.DisplayName, b.DisplayName)
	set("GivenName", &u.GivenName, b.GivenName)
	set("Surname", &u.Surname, b.Surname)
	set("UserPrincipalName", &u.UserPrincipalName, b.UserPrincipalName)
	set("Mail", &u.Mail, b.Mail)
	set("MailNickname", &u.MailNickname, b.MailNickname)
	set("EmployeeId", &u.EmployeeID, b.EmployeeID)
	set("EmployeeType", &u.EmployeeType, b.EmployeeType)
	set("Department", &u.Department, b.Department)
	set("JobTitle", &u.JobTitle, b.JobTitle)
	set("OfficeLocation", &u.OfficeLocation, b.OfficeLocation)
	set("UsageLocation", &u.UsageLocation, b.UsageLocation)
	set("CompanyName", &u.CompanyName, b.CompanyName)
	if b.EmployeeOrgData != nil {
		set("EmployeeOrgData", &u.CostCenter, &b.EmployeeOrgData.CostCenter)
	}
	if p := b.PasswordProfile; p != nil {
		if p.Password != nil {
			u.HasPassword = true
			changed = append(changed, "PasswordProfile")
		}
		if p.ForceChangePasswordNextSignIn != nil {
			u.ForceChangePasswordNextSignIn = *p.ForceChangePasswordNextSignIn
		}
	}
	return changed
}

func (e *Emulator) createUser(w http.ResponseWriter, r *http.Request) *apiError {
	var b userBody
	if err := readBody(r, &b); err != nil {
		return err
	}
	e.mu.Lock()
	if err := e.validate(&b, "", true); err != nil {
		e.mu.Unlock()
		return err
	}
	now := e.nowLocked()
	u := &User{ID: uuid.NewString(), CreatedDateTime: now}
	apply(u, &b)
	e.addUserLocked(u)
	e.auditLocked("UserManagement", "Add user", "Add", u, "")
	j := e.userView(u, false)
	e.mu.Unlock()
	j.Context = baseURL(r) + "/v1.0/$metadata#users/$entity"
	w.Header().Set("Location", baseURL(r)+"/v1.0/users/"+u.ID)
	writeJSON(w, http.StatusCreated, j)
	return nil
}

func (e *Emulator) addUserLocked(u *User) {
	e.users[u.ID] = u
	e.byUPN[strings.ToLower(u.UserPrincipalName)] = u.ID
	e.userList = append(e.userList, u.ID)
}

func (e *Emulator) patchUser(w http.ResponseWriter, r *http.Request, id string) *apiError {
	var b userBody
	if err := readBody(r, &b); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	if err := e.validate(&b, u.ID, false); err != nil {
		return err
	}
	oldUPN := strings.ToLower(u.UserPrincipalName)
	wasEnabled := u.AccountEnabled
	changed := apply(u, &b)
	if l := strings.ToLower(u.UserPrincipalName); l != oldUPN {
		delete(e.byUPN, oldUPN)
		e.byUPN[l] = u.ID
	}
	if wasEnabled && !u.AccountEnabled {
		e.auditLocked("UserManagement", "Disable account", "Update", u, "AccountEnabled")
	} else if !wasEnabled && u.AccountEnabled {
		e.auditLocked("UserManagement", "Enable account", "Update", u, "AccountEnabled")
	}
	if others := slices.DeleteFunc(changed, func(s string) bool { return s == "AccountEnabled" }); len(others) > 0 {
		e.auditLocked("UserManagement", "Update user", "Update", u, strings.Join(others, ","))
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) revokeSessions(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.Lock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.Unlock()
		return userMissing(id)
	}
	u.SessionsRevoked++
	u.SessionsRevokedAt = e.nowLocked()
	e.auditLocked("UserManagement", "Invalidate all refresh tokens for a user", "Update", u, "")
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/v1.0/$metadata#Edm.Boolean", "value": true})
	return nil
}

func (e *Emulator) assignLicense(w http.ResponseWriter, r *http.Request, id string) *apiError {
	var b struct {
		AddLicenses    []assignedLicense `json:"addLicenses"`
		RemoveLicenses []string          `json:"removeLicenses"`
	}
	if err := readBody(r, &b); err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	if b.AddLicenses == nil || b.RemoveLicenses == nil {
		return badRequest("Request_BadRequest", "Both addLicenses and removeLicenses are required.")
	}
	known := func(s string) bool {
		return slices.ContainsFunc(e.skus, func(k Sku) bool { return strings.EqualFold(k.SkuID, s) })
	}
	for _, a := range b.AddLicenses {
		if !known(a.SkuID) {
			return badRequest("Request_BadRequest", "License "+a.SkuID+" does not correspond to a valid company License.")
		}
	}
	for _, s := range b.RemoveLicenses {
		if !known(s) {
			return badRequest("Request_BadRequest", "License "+s+" does not correspond to a valid company License.")
		}
	}
	if len(b.AddLicenses) > 0 && u.UsageLocation == "" {
		return badRequest("Request_BadRequest", "License assignment cannot be done for user with invalid usage location.")
	}
	for _, a := range b.AddLicenses {
		if !slices.ContainsFunc(u.Licenses, func(s string) bool { return strings.EqualFold(s, a.SkuID) }) {
			u.Licenses = append(u.Licenses, strings.ToLower(a.SkuID))
		}
	}
	for _, s := range b.RemoveLicenses {
		u.Licenses = slices.DeleteFunc(u.Licenses, func(x string) bool { return strings.EqualFold(x, s) })
	}
	e.auditLocked("UserManagement", "Change user license", "Update", u, "AssignedLicense")
	j := e.userView(u, false)
	j.Context = baseURL(r) + "/v1.0/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (e *Emulator) getManager(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	defer e.mu.RUnlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	m := e.users[u.ManagerID]
	if m == nil {
		return notFound("Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
	}
	j := e.userView(m, false)
	j.Context = baseURL(r) + "/v1.0/$metadata#directoryObjects/$entity"
	j.Type = "#microsoft.graph.user"
	writeJSON(w, http.StatusOK, j)
	return nil
}

func (e *Emulator) putManager(w http.ResponseWriter, r *http.Request, id string) *apiError {
	var b struct {
		ID string `json:"@odata.id"`
	}
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.ID == "" {
		return badRequest("Request_BadRequest", "The request body must contain an @odata.id reference.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	mid := lastSegment(b.ID)
	m := e.lookupUser(mid)
	if m == nil {
		return userMissing(mid)
	}
	if m.ID == u.ID {
		return badRequest("Request_BadRequest", "A user cannot be their own manager.")
	}
	if u.ManagerID != m.ID {
		u.ManagerID = m.ID
		e.auditLocked("UserManagement", "Set manager", "Assign", u, m.UserPrincipalName)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) deleteManager(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := e.lookupUser(id)
	if u == nil {
		return userMissing(id)
	}
	if u.ManagerID == "" {
		return notFound("Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
	}
	u.ManagerID = ""
	e.auditLocked("UserManagement", "Remove manager", "Unassign", u, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type groupJSON struct {
	Type            string   `json:"@odata.type,omitempty"`
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Mail            string   `json:"mail,omitempty"`
	MailNickname    string   `json:"mailNickname"`
	MailEnabled     bool     `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"`
}

func groupView(g *Group, typed bool) groupJSON {
	j := groupJSON{ID: g.ID, DisplayName: g.DisplayName, Mail: g.Mail, MailNickname: g.DisplayName, SecurityEnabled: true, GroupTypes: []string{}}
	if typed {
		j.Type = "#microsoft.graph.group"
	}
	return j
}

type dirRoleJSON struct {
	Type           string `json:"@odata.type"`
	ID             string `json:"id"`
	DisplayName    string `json:"displayName"`
	Description    string `json:"description"`
	RoleTemplateID string `json:"roleTemplateId"`
}

func (e *Emulator) memberOf(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	var items []any
	for _, gid := range e.groupIDs {
		g := e.groups[gid]
		if slices.Contains(g.Members, u.ID) {
			items = append(items, groupView(g, true))
		}
	}
	now := e.nowLocked()
	seen := map[string]bool{}
	for _, a := range e.assigns {
		if a.PrincipalID != u.ID || !a.Active(now) || seen[a.RoleDefinitionID] {
			continue
		}
		seen[a.RoleDefinitionID] = true
		d := e.roleDef(a.RoleDefinitionID)
		// a directoryRole object's id differs from its template id in a real
		// tenant; derive a stable one
		items = append(items, dirRoleJSON{Type: "#microsoft.graph.directoryRole", ID: uuid.NewSHA1(uuid.NameSpaceOID, []byte("role:"+d.ID)).String(), DisplayName: d.DisplayName, Description: d.Description, RoleTemplateID: d.ID})
	}
	e.mu.RUnlock()
	if items == nil {
		items = []any{}
	}
	e.page(w, r, "directoryObjects", items)
	return nil
}

// ---- groups ----

func (e *Emulator) routeGroups(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		return list(e, w, r, "Group", "groups",
			func() []*Group { return inOrder(e.groupIDs, e.groups) },
			func(g *Group) fields {
				return func(n string) (any, bool) {
					switch n {
					case "id":
						return g.ID, true
					case "displayName":
						return g.DisplayName, true
					case "mail":
						return g.Mail, true
					case "mailNickname":
						return g.DisplayName, true
					}
					return nil, false
				}
			},
			func(g *Group) any { return groupView(g, false) })
	case len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		g := e.groups[seg[0]]
		var j groupJSON
		if g != nil {
			j = groupView(g, false)
		}
		e.mu.RUnlock()
		if g == nil {
			return userMissing(seg[0])
		}
		writeJSON(w, http.StatusOK, j)
		return nil
	case len(seg) == 2 && seg[1] == "members" && m == http.MethodGet:
		e.mu.RLock()
		g := e.groups[seg[0]]
		if g == nil {
			e.mu.RUnlock()
			return userMissing(seg[0])
		}
		items := make([]any, 0, len(g.Members))
		for _, uid := range g.Members {
			j := e.userView(e.users[uid], false)
			j.Type = "#microsoft.graph.user"
			items = append(items, j)
		}
		e.mu.RUnlock()
		e.page(w, r, "directoryObjects", items)
		return nil
	case len(seg) == 3 && seg[1] == "members" && seg[2] == "$ref" && m == http.MethodPost:
		return e.addMember(w, r, seg[0])
	case len(seg) == 4 && seg[1] == "members" && seg[3] == "$ref" && m == http.MethodDelete:
		return e.removeMember(w, r, seg[0], seg[2])
	}
	return noRoute(r)
}

func (e *Emulator) addMember(w http.ResponseWriter, r *http.Request, gid string) *apiError {
	var b struct {
		ID string `json:"@odata.id"`
	}
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.ID == "" {
		return badRequest("Request_BadRequest", "The request body must contain an @odata.id reference.")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[gid]
	if g == nil {
		return userMissing(gid)
	}
	uid := lastSegment(b.ID)
	u := e.lookupUser(uid)
	if u == nil {
		return userMissing(uid)
	}
	if slices.Contains(g.Members, u.ID) {
		return badRequest("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
	}
	g.Members = append(g.Members, u.ID)
	e.auditLocked("GroupManagement", "Add member to group", "Assign", u, g.DisplayName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (e *Emulator) removeMember(w http.ResponseWriter, r *http.Request, gid, uid string) *apiError {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[gid]
	if g == nil {
		return userMissing(gid)
	}
	u := e.lookupUser(uid)
	if u == nil || !slices.Contains(g.Members, u.ID) {
		return userMissing(uid)
	}
	g.Members = slices.DeleteFunc(g.Members, func(s string) bool { return s == u.ID })
	e.auditLocked("GroupManagement", "Remove member from group", "Unassign", u, g.DisplayName)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- licenses ----

func (e *Emulator) listSkus(w http.ResponseWriter, r *http.Request) {
	e.mu.RLock()
	items := make([]any, 0, len(e.skus))
	for _, s := range e.skus {
		used := 0
		for _, u := range e.users {
			if slices.Contains(u.Licenses, strings.ToLower(s.SkuID)) {
				used++
			}
		}
		items = append(items, map[string]any{
			"id":               "00000000-0000-0000-0000-000000000000_" + s.SkuID,
			"accountEnabled":   true,
			"appliesTo":        "User",
			"capabilityStatus": "Enabled",
			"consumedUnits":    used,
			"skuId":            s.SkuID,
			"skuPartNumber":    s.SkuPartNumber,
			"prepaidUnits":     map[string]any{"enabled": s.Prepaid, "lockedOut": 0, "suspended": 0, "warning": 0},
			"servicePlans":     []any{},
			"subscriptionIds":  []string{},
			"accountId":        "00000000-0000-0000-0000-000000000000",
			"accountName":      "jml demo",
		})
	}
	e.mu.RUnlock()
	e.page(w, r, "subscribedSkus", items)
}

// ---- role management ----

func (e *Emulator) roleDef(id string) RoleDefinition {
	for _, d := range e.roleDefs {
		if strings.EqualFold(d.ID, id) {
			return d
		}
	}
	return RoleDefinition{}
}

func (e *Emulator) routeRoles(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case seg[0] == "roleDefinitions" && len(seg) == 1 && m == http.MethodGet:
		return list(e, w, r, "UnifiedRoleDefinition", "roleManagement/directory/roleDefinitions",
			func() []RoleDefinition { return e.roleDefs },
			func(d RoleDefinition) fields {
				return func(n string) (any, bool) {
					switch n {
					case "displayName":
						return d.DisplayName, true
					case "id", "templateId":
						return d.ID, true
					case "isBuiltIn":
						return true, true
					}
					return nil, false
				}
			},
			func(d RoleDefinition) any {
				return map[string]any{"id": d.ID, "displayName": d.DisplayName, "description": d.Description, "isBuiltIn": true, "isEnabled": true, "templateId": d.ID, "version": "1", "rolePermissions": []any{}}
			})
	case (seg[0] == "roleAssignments" || seg[0] == "roleAssignmentScheduleInstances") && len(seg) == 1 && m == http.MethodGet:
		return e.listAssignments(w, r, seg[0])
	case seg[0] == "roleAssignments" && len(seg) == 2 && m == http.MethodDelete:
		e.mu.Lock()
		defer e.mu.Unlock()
		now := e.nowLocked()
		for i, a := range e.assigns {
			if a.ID == seg[1] && a.Active(now) {
				e.assigns = slices.Delete(e.assigns, i, i+1)
				if u := e.users[a.PrincipalID]; u != nil {
					e.auditLocked("RoleManagement", "Remove member from role", "Unassign", u, a.RoleName)
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			}
		}
		return notFound("Resource '" + seg[1] + "' does not exist or one of its queried reference-property objects are not present.")
	case seg[0] == "roleAssignmentScheduleRequests" && len(seg) == 1 && m == http.MethodPost:
		return e.scheduleRequest(w, r)
	case seg[0] == "roleAssignmentScheduleRequests" && len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		items := make([]any, len(e.requests))
		for i, q := range e.requests {
			items[i] = q
		}
		e.mu.RUnlock()
		e.page(w, r, "roleManagement/directory/roleAssignmentScheduleRequests", items)
		return nil
	}
	return noRoute(r)
}

func (e *Emulator) listAssignments(w http.ResponseWriter, r *http.Request, kind string) *apiError {
	return list(e, w, r, "UnifiedRoleAssignment", "roleManagement/directory/"+kind,
		func() []*RoleAssignment {
			now := e.nowLocked()
			active := make([]*RoleAssignment, 0, len(e.assigns))
			for _, a := range e.assigns {
				// expiry is evaluated lazily on read, against the clock
				if a.Active(now) {
					active = append(active, a)
				}
			}
			return active
		},
		func(a *RoleAssignment) fields {
			return func(n string) (any, bool) {
				switch n {
				case "principalId":
					return a.PrincipalID, true
				case "roleDefinitionId":
					return a.RoleDefinitionID, true
				case "directoryScopeId":
					return a.DirectoryScopeID, true
				case "id":
					return a.ID, true
				}
				return nil, false
			}
		},
		func(a *RoleAssignment) any {
			j := map[string]any{"id": a.ID, "principalId": a.PrincipalID, "roleDefinitionId": a.RoleDefinitionID, "directoryScopeId": a.DirectoryScopeID}
			if kind == "roleAssignmentScheduleInstances" {
				j["startDateTime"] = ts(a.Start)
				if !a.End.IsZero() {
					j["endDateTime"] = ts(a.End)
				} else {
					j["endDateTime"] = nil
				}
				j["assignmentType"] = "Assigned"
				j["memberType"] = "Direct"
				j["roleAssignmentOriginId"] = a.ID
				j["roleAssignmentScheduleId"] = a.ID
			}
			return j
		})
}

type scheduleBody struct {
	Action           string `json:"action"`
	PrincipalID      string `json:"principalId"`
	RoleDefinitionID string `json:"roleDefinitionId"`
	DirectoryScopeID string `json:"directoryScopeId"`
	Justification    string `json:"justification"`
	ScheduleInfo     *struct {
		StartDateTime string `json:"startDateTime"`
		Expiration    *struct {
			Type        string `json:"type"`
			EndDateTime string `json:"endDateTime"`
			Duration    string `json:"duration"`
		} `json:"expiration"`
	} `json:"scheduleInfo"`
}

func (e *Emulator) scheduleRequest(w http.ResponseWriter, r *http.Request) *apiError {
	var b scheduleBody
	if err := readBody(r, &b); err != nil {
		return err
	}
	if b.PrincipalID == "" || b.RoleDefinitionID == "" {
		return badRequest("InvalidScheduleRequest", "principalId and roleDefinitionId are required.")
	}
	if b.DirectoryScopeID == "" {
		b.DirectoryScopeID = "/"
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := e.nowLocked()
	u := e.users[b.PrincipalID]
	if u == nil {
		return badRequest("InvalidPrincipalId", "The principal '"+b.PrincipalID+"' does not exist.")
	}
	def := e.roleDef(b.RoleDefinitionID)
	if def.ID == "" {
		return notFound("The role definition '" + b.RoleDefinitionID + "' does not exist.")
	}
	var existing *RoleAssignment
	for _, a := range e.assigns {
		if a.PrincipalID == u.ID && a.RoleDefinitionID == def.ID && a.DirectoryScopeID == b.DirectoryScopeID && a.Active(now) {
			existing = a
		}
	}
	start, end := now, time.Time{}
	expType := "noExpiration"
	var expEnd, expDur string
	if si := b.ScheduleInfo; si != nil {
		if si.StartDateTime != "" {
			t, err := time.Parse(time.RFC3339Nano, si.StartDateTime)
			if err != nil {
				return badRequest("InvalidScheduleRequest", "scheduleInfo.startDateTime is not a DateTimeOffset.")
			}
			start = t.UTC()
		}
		if x := si.Expiration; x != nil && x.Type != "" {
			expType = x.Type
			switch x.Type {
			case "noExpiration":
			case "afterDateTime":
				t, err := time.Parse(time.RFC3339Nano, x.EndDateTime)
				if err != nil {
					return badRequest("InvalidScheduleRequest", "scheduleInfo.expiration.endDateTime is required for afterDateTime.")
				}
				end, expEnd = t.UTC(), ts(t)
			case "afterDuration":
				d, err := parseISODuration(x.Duration)
				if err != nil {
					return badRequest("InvalidScheduleRequest", "scheduleInfo.expiration.duration is not a valid ISO 8601 duration.")
				}
				end, expDur = start.Add(d), x.Duration
			default:
				return badRequest("InvalidScheduleRequest", "Unsupported expiration type '"+x.Type+"'.")
			}
		}
	}
	if b.Action == "adminAssign" && !end.IsZero() && !end.After(now) {
		return badRequest("InvalidScheduleRequest", "The schedule end time must be in the future.")
	}
	req := map[string]any{
		"@odata.context":   baseURL(r) + "/v1.0/$metadata#roleManagement/directory/roleAssignmentScheduleRequests/$entity",
		"id":               uuid.NewString(),
		"action":           b.Action,
		"principalId":      u.ID,
		"roleDefinitionId": def.ID,
		"directoryScopeId": b.DirectoryScopeID,
		"justification":    b.Justification,
		"createdDateTime":  ts(now),
		"isValidationOnly": false,
		"scheduleInfo": map[string]any{
			"startDateTime": ts(start),
			"recurrence":    nil,
			"expiration":    map[string]any{"type": expType, "endDateTime": nilIfEmpty(expEnd), "duration": nilIfEmpty(expDur)},
		},
	}
	switch b.Action {
	case "adminAssign":
		if existing != nil {
			return badRequest("RoleAssignmentExists", "The Role assignment already exists.")
		}
		a := &RoleAssignment{ID: uuid.NewString(), PrincipalID: u.ID, RoleDefinitionID: def.ID, RoleName: def.DisplayName, DirectoryScopeID: b.DirectoryScopeID, Start: start, End: end}
		e.assigns = append(e.assigns, a)
		req["status"] = "Provisioned"
		req["targetScheduleId"] = a.ID
		e.auditLocked("RoleManagement", "Add member to role completed (PIM activation)", "Assign", u, def.DisplayName)
	case "adminRemove":
		if existing == nil {
			return badRequest("RoleAssignmentDoesNotExist", "The Role assignment does not exist.")
		}
		e.assigns = slices.DeleteFunc(e.assigns, func(a *RoleAssignment) bool { return a == existing })
		req["status"] = "Revoked"
		req["targetScheduleId"] = existing.ID
		e.auditLocked("RoleManagement", "Remove member from role", "Unassign", u, def.DisplayName)
	default:
		return badRequest("InvalidScheduleRequest", "Unsupported action '"+b.Action+"'.")
	}
	stored := make(map[string]any, len(req))
	for k, v := range req {
		if k != "@odata.context" {
			stored[k] = v
		}
	}
	e.requests = append(e.requests, stored)
	w.Header().Set("Location", baseURL(r)+"/v1.0/roleManagement/directory/roleAssignmentScheduleRequests/"+req["id"].(string))
	writeJSON(w, http.StatusCreated, req)
	return nil
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// ---- devices ----

func deviceView(d *Device) map[string]any {
	return map[string]any{
		"@odata.type":             "#microsoft.graph.managedDevice",
		"id":                      d.ID,
		"userId":                  d.UserID,
		"deviceName":              d.DeviceName,
		"managedDeviceOwnerType":  "company",
		"enrolledDateTime":        ts(d.EnrolledAt),
		"lastSyncDateTime":        ts(d.LastSync),
		"operatingSystem":         d.OperatingSystem,
		"osVersion":               d.OSVersion,
		"complianceState":         d.ComplianceState,
		"managementState":         d.ManagementState,
		"jailBroken":              "False",
		"managementAgent":         "mdm",
		"userPrincipalName":       d.UPN,
		"emailAddress":            d.UPN,
		"isEncrypted":             d.ComplianceState == "compliant",
		"deviceRegistrationState": "registered",
	}
}

// deviceMissing is Intune's 404, whose message is itself a JSON string.
func deviceMissing() *apiError {
	return &apiError{http.StatusNotFound, "ResourceNotFound", "{\"Message\": \"Resource not found\"}"}
}

func deviceFields(d *Device) fields {
	return func(n string) (any, bool) {
		switch n {
		case "userId":
			return d.UserID, true
		case "userPrincipalName":
			return d.UPN, true
		case "deviceName":
			return d.DeviceName, true
		case "id":
			return d.ID, true
		case "complianceState":
			return d.ComplianceState, true
		case "operatingSystem":
			return d.OperatingSystem, true
		}
		return nil, false
	}
}

func (e *Emulator) routeDevices(w http.ResponseWriter, r *http.Request, m string, seg []string) *apiError {
	switch {
	case len(seg) == 0 && m == http.MethodGet:
		return list(e, w, r, "microsoft.graph.managedDevice", "deviceManagement/managedDevices",
			func() []*Device { return inOrder(e.devIDs, e.devices) },
			deviceFields,
			func(d *Device) any { return deviceView(d) })
	case len(seg) == 1 && m == http.MethodGet:
		e.mu.RLock()
		d := e.devices[seg[0]]
		var j map[string]any
		if d != nil {
			j = deviceView(d)
		}
		e.mu.RUnlock()
		if d == nil {
			return deviceMissing()
		}
		j["@odata.context"] = baseURL(r) + "/v1.0/$metadata#deviceManagement/managedDevices/$entity"
		writeJSON(w, http.StatusOK, j)
		return nil
	case len(seg) == 2 && seg[1] == "retire" && m == http.MethodPost:
		e.mu.Lock()
		defer e.mu.Unlock()
		d := e.devices[seg[0]]
		if d == nil {
			return deviceMissing()
		}
		if !d.Retired() {
			d.ManagementState = "retirePending"
			if u := e.users[d.UserID]; u != nil {
				e.auditLocked("Device", "Retire device", "Delete", u, d.DeviceName)
			}
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
	return noRoute(r)
}

func (e *Emulator) userDevices(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	items := []any{}
	for _, did := range e.devIDs {
		if d := e.devices[did]; d.UserID == u.ID {
			items = append(items, deviceView(d))
		}
	}
	e.mu.RUnlock()
	e.page(w, r, "users('"+u.ID+"')/managedDevices", items)
	return nil
}

// ---- authentication methods ----

// passwordMethodID is the well-known id Graph gives every password method.
const passwordMethodID = "28c10230-6103-485e-b985-444c60001490"

func (e *Emulator) authMethods(w http.ResponseWriter, r *http.Request, id string) *apiError {
	e.mu.RLock()
	u := e.lookupUser(id)
	if u == nil {
		e.mu.RUnlock()
		return userMissing(id)
	}
	items := []any{map[string]any{
		"@odata.type":     "#microsoft.graph.passwordAuthenticationMethod",
		"id":              passwordMethodID,
		"password":        nil,
		"createdDateTime": ts(u.CreatedDateTime),
	}}
	if u.MFA {
		items = append(items, map[string]any{
			"@odata.type":     "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod",
			"id":              uuid.NewSHA1(uuid.NameSpaceOID, []byte("mfa:"+u.ID)).String(),
			"displayName":     "iPhone",
			"deviceTag":       "SoftwareTokenActivated",
			"phoneAppVersion": "6.8.7",
			"createdDateTime": ts(u.CreatedDateTime),
		})
	}
	e.mu.RUnlock()
	e.page(w, r, "users('"+u.ID+"')/authentication/methods", items)
	return nil
}

// ---- audit logs ----

func (e *Emulator) listSignIns(w http.ResponseWriter, r *http.Request) *apiError {
	return list(e, w, r, "signIn", "auditLogs/signIns",
		func() []*SignIn { return newestFirst(e.signIns) },
		func(s *SignIn) fields {
			return func(n string) (any, bool) {
				switch n {
				case "createdDateTime":
					return s.Time, true
				case "userId":
					return s.UserID, true
				case "userPrincipalName":
					return s.UPN, true
				case "appDisplayName":
					return s.App, true
				case "id":
					return s.ID, true
				}
				return nil, false
			}
		},
		signInView)
}

func signInView(s *SignIn) any {
	status := map[string]any{"errorCode": s.ErrorCode, "failureReason": "Other.", "additionalDetails": nil}
	if s.ErrorCode != 0 {
		status["failureReason"] = s.Failure
	}
	return map[string]any{
		"id": s.ID, "createdDateTime": ts(s.Time), "userDisplayName": s.DisplayName, "userPrincipalName": s.UPN,
		"userId": s.UserID, "appId": "00000002-0000-0ff1-ce00-000000000000", "appDisplayName": s.App,
		"ipAddress": s.IP, "clientAppUsed": "Browser", "correlationId": uuid.NewSHA1(uuid.NameSpaceOID, []byte(s.ID)).String(),
		"conditionalAccessStatus": "success", "isInteractive": true, "riskDetail": "none",
		"riskLevelAggregated": "none", "riskLevelDuringSignIn": "none", "riskState": "none",
		"riskEventTypes_v2": []string{}, "resourceDisplayName": "Office 365 Exchange Online",
		"status": status,
		"deviceDetail": map[string]any{"deviceId": s.DeviceID, "displayName": "", "operatingSystem": "Windows10",
			"browser": "Edge 120.0.0", "isCompliant": s.Compliant, "isManaged": s.DeviceID != "", "trustType": ""},
		"location": map[string]any{"city": "London", "state": "England", "countryOrRegion": "GB"},
	}
}

func (e *Emulator) listAudits(w http.ResponseWriter, r *http.Request) *apiError {
	return list(e, w, r, "directoryAudit", "auditLogs/directoryAudits",
		func() []*Audit { return newestFirst(e.audits) },
		func(a *Audit) fields {
			return func(n string) (any, bool) {
				switch n {
				case "activityDateTime":
					return a.Time, true
				case "category":
					return a.Category, true
				case "activityDisplayName":
					return a.Activity, true
				case "result":
					return a.Result, true
				case "id":
					return a.ID, true
				}
				return nil, false
			}
		},
		auditView)
}

func auditView(a *Audit) any {
	return map[string]any{
		"id": a.ID, "category": a.Category, "correlationId": a.ID, "result": a.Result, "resultReason": "",
		"activityDisplayName": a.Activity, "activityDateTime": ts(a.Time), "loggedByService": "Core Directory",
		"operationType": a.Operation,
		"initiatedBy": map[string]any{"app": map[string]any{"appId": "00000000-0000-0000-0000-00000000a11c",
			"displayName": a.InitiatedBy, "servicePrincipalId": "00000000-0000-0000-0000-00000000a11c", "servicePrincipalName": a.InitiatedBy}, "user": nil},
		"targetResources": []any{map[string]any{"id": a.TargetID, "displayName": nil, "type": a.TargetType,
			"userPrincipalName": a.TargetUPN, "groupType": nil,
			"modifiedProperties": []any{map[string]any{"displayName": "Detail", "oldValue": nil, "newValue": a.Modified}}}},
		"additionalDetails": []any{},
	}
}

// auditLocked records a directoryAudit for the emulator's own mutations.
func (e *Emulator) auditLocked(category, activity, op string, u *User, detail string) {
	e.audits = append(e.audits, Audit{
		ID: uuid.NewString(), Time: e.nowLocked(), Category: category, Activity: activity, Operation: op,
		Result: "success", TargetID: u.ID, TargetUPN: u.UserPrincipalName, TargetType: "User", Modified: detail,
		InitiatedBy: "jml",
	})
}

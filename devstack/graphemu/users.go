package graphemu

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

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
	onPremisesJSON
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
	j.onPremisesJSON = onPremisesView(u.OnPremises)
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
	j.Context = baseURL(r) + "/v1.0/$metadata#users/$entity"
	var body any = j
	if wantsSignInActivity(r) {
		body = e.withSignInActivity(u, j)
	}
	e.mu.RUnlock()
	writeJSON(w, http.StatusOK, body)
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
	if err := refuseMastered(u, &b); err != nil {
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
	if u.OnPremises != nil {
		return masteredOnPremises()
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
	if u.OnPremises != nil {
		return masteredOnPremises()
	}
	if u.ManagerID == "" {
		return notFound("Resource 'manager' does not exist or one of its queried reference-property objects are not present.")
	}
	u.ManagerID = ""
	e.auditLocked("UserManagement", "Remove manager", "Unassign", u, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

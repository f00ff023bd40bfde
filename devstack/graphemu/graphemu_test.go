package graphemu

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

const tok = "test-token"

func start(t testing.TB, pageSize int) *Emulator {
	t.Helper()
	return emutest.Seeded(t, New(Config{Token: tok, PageSize: pageSize}), demoorg.New(30, 2))
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func call(t testing.TB, e *Emulator, method, path string, body any, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = e.URL() + "/v1.0" + path
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &a.body), string(raw))
	}
	return a
}

func errCode(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	c, _ := e["code"].(string)
	return c
}

func errMessage(a answer) string {
	e, _ := a.body["error"].(map[string]any)
	m, _ := e["message"].(string)
	return m
}

func values(a answer) []map[string]any {
	var out []map[string]any
	for _, v := range a.body["value"].([]any) {
		out = append(out, v.(map[string]any))
	}
	return out
}

func TestAuthAndRequestIDs(t *testing.T) {
	e := start(t, 0)
	a := call(t, e, "GET", "/users", nil, "Authorization", "", "client-request-id", "abc-123")
	require.Equal(t, 401, a.status)
	require.Equal(t, "InvalidAuthenticationToken", errCode(a))
	inner := a.body["error"].(map[string]any)["innerError"].(map[string]any)
	require.Equal(t, "abc-123", inner["client-request-id"])
	require.NotEmpty(t, inner["request-id"])
	require.Equal(t, "abc-123", a.header.Get("client-request-id"))

	a = call(t, e, "GET", "/users", nil, "Authorization", "Bearer wrong")
	require.Equal(t, 401, a.status)

	a = call(t, e, "GET", "/users?$top=1", nil, "client-request-id", "xyz")
	require.Equal(t, 200, a.status)
	require.Equal(t, "xyz", a.header.Get("client-request-id"))
	require.NotEmpty(t, a.header.Get("request-id"))
}

func TestCreateUserGzipAndValidation(t *testing.T) {
	e := start(t, 0)
	body := map[string]any{
		"accountEnabled": true, "displayName": "New Person", "mailNickname": "new.person",
		"userPrincipalName": "new.person@" + demoorg.Domain, "employeeId": "E9001", "department": "IT",
		"usageLocation": "GB", "passwordProfile": map[string]any{"password": "Abcdef12!x", "forceChangePasswordNextSignIn": true},
	}
	raw, _ := json.Marshal(body)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(raw)
	require.NoError(t, zw.Close())
	req, _ := http.NewRequest("POST", e.URL()+"/v1.0/users", &gz)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 201, resp.StatusCode)
	u, ok := e.UserByEmployeeID("E9001")
	require.True(t, ok)
	require.Equal(t, "IT", u.Department)
	require.True(t, u.HasPassword)

	// the same UPN again
	a := call(t, e, "POST", "/users", body)
	require.Equal(t, 400, a.status)
	require.Contains(t, errMessage(a), "userPrincipalName already exists")

	weak := map[string]any{}
	for k, v := range body {
		weak[k] = v
	}
	weak["userPrincipalName"] = "other@" + demoorg.Domain
	weak["passwordProfile"] = map[string]any{"password": "password"}
	a = call(t, e, "POST", "/users", weak)
	require.Equal(t, 400, a.status)
	require.Contains(t, errMessage(a), "password complexity")

	weak["passwordProfile"] = map[string]any{"password": "Abcdef12!x"}
	weak["userPrincipalName"] = "someone@evil.example"
	a = call(t, e, "POST", "/users", weak)
	require.Equal(t, 400, a.status)
	require.Contains(t, errMessage(a), "verified domain")
}

func TestGetByUPNFilterAndPaging(t *testing.T) {
	e := start(t, 4)
	u, ok := e.UserByEmployeeID("E0003")
	require.True(t, ok)
	a := call(t, e, "GET", "/users/"+url.PathEscape(u.UserPrincipalName), nil)
	require.Equal(t, 200, a.status)
	require.Equal(t, u.ID, a.body["id"])

	a = call(t, e, "GET", "/users?$filter="+url.QueryEscape("employeeId eq 'E0003'"), nil)
	require.Len(t, values(a), 1)
	a = call(t, e, "GET", "/users?$filter="+url.QueryEscape("userPrincipalName eq '"+strings.ToUpper(u.UserPrincipalName)+"'"), nil)
	require.Len(t, values(a), 1, "UPN match is case-insensitive")
	a = call(t, e, "GET", "/users?$filter="+url.QueryEscape("favouriteColour eq 'red'"), nil)
	require.Equal(t, 400, a.status)
	require.Equal(t, "Request_UnsupportedQuery", errCode(a))

	// 30 users at 4 a page: follow absolute nextLinks on our own host
	seen := map[string]bool{}
	next := e.URL() + "/v1.0/users?$top=10"
	pages := 0
	for next != "" {
		a = call(t, e, "GET", next, nil)
		require.Equal(t, 200, a.status)
		for _, v := range values(a) {
			seen[v["id"].(string)] = true
		}
		next, _ = a.body["@odata.nextLink"].(string)
		if next != "" {
			require.True(t, strings.HasPrefix(next, e.URL()+"/v1.0/users?"), next)
		}
		pages++
	}
	require.Len(t, seen, 30)
	require.Equal(t, 8, pages)
}

func TestMembershipIdempotencyAnswers(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0002")
	gid, ok := e.GroupID("contractors")
	require.True(t, ok)
	ref := map[string]any{"@odata.id": e.URL() + "/v1.0/directoryObjects/" + u.ID}
	require.Equal(t, 204, call(t, e, "POST", "/groups/"+gid+"/members/$ref", ref).status)
	a := call(t, e, "POST", "/groups/"+gid+"/members/$ref", ref)
	require.Equal(t, 400, a.status)
	require.Equal(t, "Request_BadRequest", errCode(a))
	require.Contains(t, errMessage(a), "One or more added object references already exist")
	require.Contains(t, e.GroupsOf(u.ID), "contractors")

	require.Equal(t, 204, call(t, e, "DELETE", "/groups/"+gid+"/members/"+u.ID+"/$ref", nil).status)
	a = call(t, e, "DELETE", "/groups/"+gid+"/members/"+u.ID+"/$ref", nil)
	require.Equal(t, 404, a.status)
	require.Equal(t, "Request_ResourceNotFound", errCode(a))

	a = call(t, e, "GET", "/users/"+u.ID+"/memberOf", nil)
	for _, v := range values(a) {
		require.Equal(t, "#microsoft.graph.group", v["@odata.type"])
	}
	var found bool
	for _, au := range e.DirectoryAudits() {
		found = found || (au.Activity == "Remove member from group" && au.TargetID == u.ID && au.Modified == "contractors")
	}
	require.True(t, found, "group removal is audited")
}

func TestPIMExpiryAndDuplicates(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0004")
	a := call(t, e, "GET", "/roleManagement/directory/roleDefinitions?$filter="+url.QueryEscape("displayName eq 'Global Administrator'"), nil)
	defs := values(a)
	require.Len(t, defs, 1)
	rid := defs[0]["id"].(string)

	req := map[string]any{"action": "adminAssign", "principalId": u.ID, "roleDefinitionId": rid, "directoryScopeId": "/",
		"justification": "incident", "scheduleInfo": map[string]any{"startDateTime": time.Now().UTC().Format(time.RFC3339),
			"expiration": map[string]any{"type": "afterDuration", "duration": "PT1H"}}}
	a = call(t, e, "POST", "/roleManagement/directory/roleAssignmentScheduleRequests", req)
	require.Equal(t, 201, a.status)
	require.Equal(t, "Provisioned", a.body["status"])

	a = call(t, e, "POST", "/roleManagement/directory/roleAssignmentScheduleRequests", req)
	require.Equal(t, 400, a.status)
	require.Equal(t, "RoleAssignmentExists", errCode(a))

	list := "/roleManagement/directory/roleAssignments?$filter=" + url.QueryEscape("principalId eq '"+u.ID+"'")
	require.Len(t, values(call(t, e, "GET", list, nil)), 1)
	ra := e.RoleAssignments(u.ID)
	require.Len(t, ra, 1)
	require.WithinDuration(t, time.Now().Add(time.Hour), ra[0].End, time.Minute)
	a = call(t, e, "GET", "/users/"+u.ID+"/memberOf", nil)
	require.Equal(t, "#microsoft.graph.directoryRole", values(a)[len(values(a))-1]["@odata.type"])

	e.Advance(61 * time.Minute)
	require.Empty(t, values(call(t, e, "GET", list, nil)), "an expired assignment disappears")
	require.Empty(t, e.RoleAssignments(u.ID))

	// afterDateTime, then adminRemove, then a second remove
	req["scheduleInfo"] = map[string]any{"startDateTime": e.Now().Format(time.RFC3339), "expiration": map[string]any{"type": "afterDateTime", "endDateTime": e.Now().Add(time.Hour).Format(time.RFC3339)}}
	require.Equal(t, 201, call(t, e, "POST", "/roleManagement/directory/roleAssignmentScheduleRequests", req).status)
	req["action"] = "adminRemove"
	require.Equal(t, 201, call(t, e, "POST", "/roleManagement/directory/roleAssignmentScheduleRequests", req).status)
	a = call(t, e, "POST", "/roleManagement/directory/roleAssignmentScheduleRequests", req)
	require.Equal(t, 400, a.status)
	require.Equal(t, "RoleAssignmentDoesNotExist", errCode(a))
}

func TestDevicesMethodsSignInsAndFaults(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0010") // DeviceOK false, MFA true
	a := call(t, e, "GET", "/deviceManagement/managedDevices?$filter="+url.QueryEscape("userId eq '"+u.ID+"'"), nil)
	devs := values(a)
	require.Len(t, devs, 1)
	require.Equal(t, "noncompliant", devs[0]["complianceState"])
	did := devs[0]["id"].(string)
	require.Equal(t, 204, call(t, e, "POST", "/deviceManagement/managedDevices/"+did+"/retire", nil).status)
	d, _ := e.Device(did)
	require.True(t, d.Retired())

	a = call(t, e, "GET", "/users/"+u.ID+"/authentication/methods", nil)
	var types []string
	for _, m := range values(a) {
		types = append(types, m["@odata.type"].(string))
	}
	require.ElementsMatch(t, []string{"#microsoft.graph.passwordAuthenticationMethod", "#microsoft.graph.microsoftAuthenticatorAuthenticationMethod"}, types)
	nomfa, _ := e.UserByEmployeeID("E0013")
	require.Len(t, values(call(t, e, "GET", "/users/"+nomfa.ID+"/authentication/methods", nil)), 1)

	from := time.Now().Add(-31 * 24 * time.Hour).UTC().Format(time.RFC3339)
	a = call(t, e, "GET", "/auditLogs/signIns?$filter="+url.QueryEscape("userId eq '"+u.ID+"' and createdDateTime ge "+from), nil)
	require.Len(t, values(a), 3)
	require.Len(t, e.SignIns(u.ID), 3)

	e.AddFault(emulator.Fault{Status: 429, RetryAfter: 2 * time.Second, Times: 1})
	a = call(t, e, "GET", "/users/"+u.ID, nil)
	require.Equal(t, 429, a.status)
	require.Equal(t, "2", a.header.Get("Retry-After"))
	require.Equal(t, "TooManyRequests", errCode(a))
	require.Equal(t, 200, call(t, e, "GET", "/users/"+u.ID, nil).status)
	require.Positive(t, e.Counts()["users"])
}

func TestDisableAuditedAndRevokeCounted(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0005")
	require.Equal(t, 204, call(t, e, "PATCH", "/users/"+u.ID, map[string]any{"accountEnabled": false, "jobTitle": "Leaver"}).status)
	got, _ := e.User(u.ID)
	require.False(t, got.AccountEnabled)
	require.Equal(t, "Leaver", got.JobTitle)
	a := call(t, e, "POST", "/users/"+u.ID+"/revokeSignInSessions", nil)
	require.Equal(t, true, a.body["value"])
	n, at := e.SessionsRevoked(u.ID)
	require.Equal(t, 1, n)
	require.False(t, at.IsZero())
	a = call(t, e, "GET", "/auditLogs/directoryAudits?$filter="+url.QueryEscape("activityDateTime ge "+time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)), nil)
	var acts []string
	for _, v := range values(a) {
		acts = append(acts, v["activityDisplayName"].(string))
	}
	require.Contains(t, acts, "Disable account")
	require.Contains(t, acts, "Update user")
}

func TestLicensesAndManager(t *testing.T) {
	e := start(t, 0)
	u, _ := e.UserByEmployeeID("E0006")
	mgr, _ := e.UserByEmployeeID("E0002")
	require.Equal(t, []string{"SPE_E3"}, e.Licenses(u.ID))
	a := call(t, e, "GET", "/subscribedSkus", nil)
	require.Len(t, values(a), len(demoorg.Licenses))
	e5 := demoorg.Licenses[1].ID
	a = call(t, e, "POST", "/users/"+u.ID+"/assignLicense", map[string]any{"addLicenses": []any{map[string]any{"skuId": e5, "disabledPlans": []string{}}}, "removeLicenses": []string{}})
	require.Equal(t, 200, a.status)
	require.ElementsMatch(t, []string{"SPE_E3", "SPE_E5"}, e.Licenses(u.ID))

	require.Equal(t, 204, call(t, e, "PUT", "/users/"+u.ID+"/manager/$ref", map[string]any{"@odata.id": e.URL() + "/v1.0/users/" + mgr.ID}).status)
	a = call(t, e, "GET", "/users/"+u.ID+"/manager", nil)
	require.Equal(t, mgr.ID, a.body["id"])
	require.Equal(t, "#microsoft.graph.user", a.body["@odata.type"])
}

func TestFilterParser(t *testing.T) {
	for _, bad := range []string{"employeeId eq", "employeeId like 'x'", "a eq 'x' or b eq 'y'", "a eq 'x", "a eq 'x' and"} {
		_, err := parseFilter(bad)
		require.Error(t, err, bad)
	}
	cs, err := parseFilter("displayName eq 'O''Brien' and createdDateTime ge 2024-01-01T00:00:00Z")
	require.NoError(t, err)
	require.Equal(t, "O'Brien", cs[0].value)
	for in, want := range map[string]time.Duration{"PT8H": 8 * time.Hour, "P1D": 24 * time.Hour, "PT1H30M": 90 * time.Minute, "P1W": 7 * 24 * time.Hour, "PT0.5S": 500 * time.Millisecond} {
		d, err := parseISODuration(in)
		require.NoError(t, err, in)
		require.Equal(t, want, d, in)
	}
	for _, bad := range []string{"", "8H", "PT", "P1H", "PT-1H"} {
		_, err := parseISODuration(bad)
		require.Error(t, err, bad)
	}
}

// BenchmarkGetUser measures GET /users/{id} through net/http on loopback.
func BenchmarkGetUser(b *testing.B) {
	e := emutest.Seeded(b, New(Config{Token: tok}), demoorg.Default())
	users := e.Users()
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	emutest.BenchServer(b, hc, "req/s", func(i int) *http.Request {
		req, _ := http.NewRequest("GET", e.URL()+"/v1.0/users/"+users[i%len(users)].ID, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		return req
	})
}

func TestAdminRoutes(t *testing.T) {
	e := start(t, 0)
	get := func(method, path string) (int, map[string]any) {
		req, _ := http.NewRequest(method, e.URL()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	st, m := get("GET", "/__admin/state")
	require.Equal(t, 200, st)
	require.EqualValues(t, 30, m["users"])
	require.EqualValues(t, 4, m["roleAssignments"], "E0007, E0014, E0021, E0028 (IT) hold User Administrator")
	before := e.Now()
	st, _ = get("POST", "/__admin/advance?by=2h")
	require.Equal(t, 200, st)
	require.WithinDuration(t, before.Add(2*time.Hour), e.Now(), time.Minute)
	st, _ = get("POST", "/__admin/advance?by=soon")
	require.Equal(t, 400, st)
	st, _ = get("GET", "/__admin/nothing-here")
	require.Equal(t, 404, st)
}

// Seed skips what is already there (groups, users, devices); standing role
// assignments and sign-ins must not double on a second call either.
func TestSeedTwiceAddsNothing(t *testing.T) {
	org := demoorg.New(30, 2)
	e := New(Config{Token: tok})
	e.Seed(org)
	users, signIns := len(e.Users()), len(e.SignIns(""))
	var admin string
	var roles int
	for _, emp := range org.Employees {
		if len(emp.AdminRoles) > 0 {
			admin = emp.Email
			roles = len(e.RoleAssignments(admin))
			break
		}
	}
	require.NotEmpty(t, admin, "the demo organisation has a standing admin")
	require.NotZero(t, roles)

	e.Seed(org)
	require.Equal(t, users, len(e.Users()))
	require.Equal(t, signIns, len(e.SignIns("")))
	require.Equal(t, roles, len(e.RoleAssignments(admin)))
}

package scimemu

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

func start(t testing.TB, cfg Config) *Emulator {
	t.Helper()
	return emutest.Seeded(t, New(cfg), demoorg.New(40, 2))
}

// call sends a raw SCIM request and decodes the JSON answer.
func call(t testing.TB, method, u, token, body string) (int, http.Header, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", ContentType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if len(b) > 0 {
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s %s: body is not JSON: %q", method, u, b)
		}
		if ct := resp.Header.Get("Content-Type"); ct != ContentType {
			t.Errorf("%s %s: Content-Type %q", method, u, ct)
		}
	}
	return resp.StatusCode, resp.Header, m
}

func filterURL(base, f string) string { return base + "/Users?filter=" + url.QueryEscape(f) }

func userID(t *testing.T, e *Emulator, app, userName string) string {
	u, ok := e.User(app, userName)
	if !ok {
		t.Fatalf("%s not in %s", userName, app)
	}
	return u.ID
}

func assertError(t *testing.T, m map[string]any, status, scimType string) {
	t.Helper()
	if s, _ := m["status"].(string); s != status {
		t.Errorf("error status = %#v, want string %q (body %v)", m["status"], status, m)
	}
	if st, _ := m["scimType"].(string); st != scimType {
		t.Errorf("scimType = %q, want %q", st, scimType)
	}
	if sc, _ := m["schemas"].([]any); len(sc) != 1 || sc[0] != SchemaError {
		t.Errorf("schemas = %v", m["schemas"])
	}
}

func TestSeedAndFilters(t *testing.T) {
	e := start(t, Config{})
	org := demoorg.New(40, 2)
	emp := org.Employees[0] // Engineering: github + zoom
	if !e.Active("github", emp.Email) || !e.Active("zoom", emp.Email) || e.Active("salesforce", emp.Email) {
		t.Fatalf("seeded apps wrong for %s", emp.EmployeeID)
	}
	for _, j := range org.Joiners {
		if _, ok := e.User("zoom", j.Email); ok {
			t.Errorf("joiner %s seeded", j.EmployeeID)
		}
	}
	base := e.AppURL("github")
	for _, f := range []string{
		`userName eq "` + strings.ToUpper(emp.Email) + `"`,
		`USERNAME eq "` + emp.Email + `"`,
		`externalId eq "` + emp.EmployeeID + `"`,
		`externalid EQ "` + emp.EmployeeID + `"`,
	} {
		code, _, m := call(t, "GET", filterURL(base, f), "github-token", "")
		if code != 200 || m["totalResults"].(float64) != 1 {
			t.Fatalf("%s: %d %v", f, code, m)
		}
		r := m["Resources"].([]any)[0].(map[string]any)
		if r["userName"] != emp.Email || r["externalId"] != emp.EmployeeID || r["active"] != true {
			t.Errorf("%s: got %v", f, r)
		}
		if m["schemas"].([]any)[0] != SchemaListResponse {
			t.Errorf("schemas %v", m["schemas"])
		}
	}
	code, _, m := call(t, "GET", filterURL(base, `userName eq "nobody@x.test"`), "github-token", "")
	if code != 200 || m["totalResults"].(float64) != 0 || len(m["Resources"].([]any)) != 0 {
		t.Errorf("no match: %d %v", code, m)
	}
	for _, f := range []string{`title eq "SRE"`, `userName sw "a"`, `userName eq ada`, `userName eq "a" and active eq true`} {
		code, _, m := call(t, "GET", filterURL(base, f), "github-token", "")
		if code != 400 {
			t.Errorf("%s: %d, want 400", f, code)
		}
		assertError(t, m, "400", "invalidFilter")
	}
}

func TestPaging(t *testing.T) {
	e := start(t, Config{Apps: []App{{Name: "zoom", Token: "z"}}, PageSize: 2})
	total := e.UserCount("zoom")
	seen := map[string]bool{}
	for idx := 1; ; idx += 2 {
		code, _, m := call(t, "GET", e.AppURL("zoom")+"/Users?startIndex="+strconv.Itoa(idx)+"&count=50", "z", "")
		if code != 200 {
			t.Fatal(code, m)
		}
		if int(m["totalResults"].(float64)) != total || int(m["startIndex"].(float64)) != idx {
			t.Fatalf("page %d: %v", idx, m)
		}
		rs := m["Resources"].([]any)
		if len(rs) > 2 || int(m["itemsPerPage"].(float64)) != len(rs) {
			t.Fatalf("page size not capped: %d", len(rs))
		}
		if len(rs) == 0 {
			break
		}
		for _, r := range rs {
			seen[r.(map[string]any)["id"].(string)] = true
		}
	}
	if len(seen) != total || total != 40 {
		t.Errorf("saw %d of %d users", len(seen), total)
	}
}

func TestPatchSpellings(t *testing.T) {
	e := start(t, Config{})
	org := demoorg.New(40, 2)
	bodies := []string{
		`{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"replace","path":"active","value":false}]}`,
		`{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
		`{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"REPLACE","path":"active","value":"false"}]}`,
		`{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"replace","value":{"active":false}}]}`,
		`{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"Replace","value":{"active":"False"}}]}`,
	}
	for i, body := range bodies {
		emp := org.Employees[i]
		id := userID(t, e, "zoom", emp.Email)
		code, _, m := call(t, "PATCH", e.AppURL("zoom")+"/Users/"+id, "zoom-token", body)
		if code != 200 || m["active"] != false {
			t.Errorf("body %d: %d %v", i, code, m)
		}
		if e.Active("zoom", emp.Email) {
			t.Errorf("body %d: still active", i)
		}
	}
	// re-enable and profile paths
	id := userID(t, e, "zoom", org.Employees[0].Email)
	code, _, m := call(t, "PATCH", e.AppURL("zoom")+"/Users/"+id, "zoom-token",
		`{"schemas":["`+SchemaPatchOp+`"],"Operations":[{"op":"replace","path":"active","value":true},{"op":"replace","path":"title","value":"CTO"},`+
			`{"op":"replace","path":"`+SchemaEnterprise+`:department","value":"Exec"},{"op":"add","path":"name.givenName","value":"Augusta"}]}`)
	u, _ := e.User("zoom", org.Employees[0].Email)
	if code != 200 || !u.Active || u.Title != "CTO" || u.Department != "Exec" || u.GivenName != "Augusta" {
		t.Errorf("profile patch: %d %v %+v", code, m, u)
	}
	for _, c := range []struct{ body, scimType string }{
		{`{"Operations":[{"op":"frobnicate","path":"active","value":false}]}`, "invalidSyntax"},
		{`{"Operations":[{"op":"replace","path":"shoeSize","value":42}]}`, "invalidPath"},
		{`{"Operations":[{"op":"replace","path":"active","value":"maybe"}]}`, "invalidValue"},
		{`{"Operations":[]}`, "invalidSyntax"},
		{`{not json`, "invalidSyntax"},
	} {
		code, _, m := call(t, "PATCH", e.AppURL("zoom")+"/Users/"+id, "zoom-token", c.body)
		if code != 400 {
			t.Errorf("%s: %d", c.body, code)
		}
		assertError(t, m, "400", c.scimType)
	}
	if u2, _ := e.User("zoom", org.Employees[0].Email); u2 != u {
		t.Errorf("failed patch changed the user")
	}
}

func TestCreatePutDelete(t *testing.T) {
	e := start(t, Config{})
	base := e.AppURL("github")
	body := `{"schemas":["` + SchemaUser + `"],"userName":"new.person@demo.jml.test","externalId":"E9001","name":{"givenName":"New","familyName":"Person"},"active":true}`
	code, h, m := call(t, "POST", base+"/Users", "github-token", body)
	if code != 201 || m["id"] == "" || h.Get("Location") == "" {
		t.Fatalf("create: %d %v", code, m)
	}
	id := m["id"].(string)
	code, _, m = call(t, "POST", base+"/Users", "github-token", strings.Replace(body, "new.person", "NEW.PERSON", 1))
	if code != 409 {
		t.Errorf("duplicate: %d", code)
	}
	assertError(t, m, "409", "uniqueness")
	code, _, m = call(t, "PUT", base+"/Users/"+id, "github-token", strings.Replace(body, `"active":true`, `"active":false,"title":"Intern"`, 1))
	if code != 200 || m["title"] != "Intern" || m["active"] != false {
		t.Errorf("put: %d %v", code, m)
	}
	code, _, _ = call(t, "DELETE", base+"/Users/"+id, "github-token", "")
	if code != 204 {
		t.Errorf("delete: %d", code)
	}
	if !e.Deleted("github", "new.person@demo.jml.test") {
		t.Error("Deleted() false after DELETE")
	}
	for _, m := range []string{"GET", "DELETE"} {
		code, _, body := call(t, m, base+"/Users/"+id, "github-token", "")
		if code != 404 {
			t.Errorf("%s after delete: %d", m, code)
		}
		assertError(t, body, "404", "")
	}
}

func TestGroups(t *testing.T) {
	e := start(t, Config{})
	base := e.AppURL("zoom")
	code, _, m := call(t, "GET", base+"/Groups?filter="+url.QueryEscape(`displayName eq "admins"`), "zoom-token", "")
	if code != 200 || m["totalResults"].(float64) != 1 {
		t.Fatalf("groups: %d %v", code, m)
	}
	gid := m["Resources"].([]any)[0].(map[string]any)["id"].(string)
	emp := demoorg.New(40, 2).Employees[0]
	uid := userID(t, e, "zoom", emp.Email)
	add := `{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"add","path":"members","value":[{"value":"` + uid + `"}]}]}`
	for i := 0; i < 2; i++ { // adding twice is harmless
		if code, _, m = call(t, "PATCH", base+"/Groups/"+gid, "zoom-token", add); code != 200 {
			t.Fatalf("add: %d %v", code, m)
		}
	}
	if got := e.GroupMembers("zoom", "admins"); !slices.Contains(got, emp.Email) {
		t.Fatalf("not added: %v", got)
	}
	_, _, um := call(t, "GET", base+"/Users/"+uid, "zoom-token", "")
	if !strings.Contains(mustJSON(um["groups"]), `"display":"admins"`) {
		t.Errorf("user.groups lacks admins: %v", um["groups"])
	}
	rm := `{"schemas":["` + SchemaPatchOp + `"],"Operations":[{"op":"remove","path":"members[value eq \"` + uid + `\"]"}]}`
	if code, _, m = call(t, "PATCH", base+"/Groups/"+gid, "zoom-token", rm); code != 200 {
		t.Fatalf("remove: %d %v", code, m)
	}
	if got := e.GroupMembers("zoom", "admins"); slices.Contains(got, emp.Email) {
		t.Fatalf("not removed: %v", got)
	}
	code, _, m = call(t, "PATCH", base+"/Groups/"+gid, "zoom-token", strings.Replace(add, uid, "no-such-id", 1))
	if code != 400 {
		t.Errorf("unknown member: %d", code)
	}
	assertError(t, m, "400", "invalidValue")
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestAuthDiscoveryAndFaults(t *testing.T) {
	e := start(t, Config{Apps: []App{{Name: "a", Token: "token-a"}, {Name: "b", Token: "token-b"}}})
	for _, c := range []struct{ url, tok string }{{e.AppURL("b") + "/Users", "token-a"}, {e.AppURL("a") + "/Users", ""}, {e.AppURL("a") + "/Users", "TOKEN-A"}} {
		code, h, m := call(t, "GET", c.url, c.tok, "")
		if code != 401 || h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d", c.url, code)
		}
		assertError(t, m, "401", "")
	}
	for _, p := range []string{"/ServiceProviderConfig", "/ResourceTypes", "/Schemas"} {
		code, _, m := call(t, "GET", e.AppURL("a")+p, "token-a", "")
		if code != 200 || m["schemas"] == nil {
			t.Errorf("%s: %d %v", p, code, m)
		}
	}
	e.AddFault(emulator.Fault{Family: "a:Users", Status: 429, RetryAfter: 3 * time.Second, Times: 1})
	code, h, m := call(t, "GET", e.AppURL("a")+"/Users", "token-a", "")
	if code != 429 || h.Get("Retry-After") != "3" {
		t.Errorf("throttled: %d %q", code, h.Get("Retry-After"))
	}
	assertError(t, m, "429", "")
	e.AddFault(emulator.Fault{Family: "a:Users", Status: 503, Times: 1})
	code, _, m = call(t, "GET", e.AppURL("a")+"/Users", "token-a", "")
	if code != 503 {
		t.Errorf("failed: %d", code)
	}
	assertError(t, m, "503", "")
	if e.Calls("a") < 4 || e.Calls("b") != 1 {
		t.Errorf("calls a=%d b=%d", e.Calls("a"), e.Calls("b"))
	}
	if code, _, _ := call(t, "GET", e.URL()+"/scim/nope/v2/Users", "x", ""); code != 404 {
		t.Errorf("unknown app: %d", code)
	}
}

func BenchmarkFilterUser(b *testing.B) {
	org := demoorg.Default()
	e := emutest.Seeded(b, New(Config{}), org)
	u := filterURL(e.AppURL("zoom"), `userName eq "`+org.Employees[250].Email+`"`)
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer zoom-token")
	emutest.BenchServer(b, nil, "req/s", func(int) *http.Request { return req })
}

package jumpcloudemu

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
)

const key = "emu-key"

var org = demoorg.New(30, 2)

func call(t testing.TB, e *Emulator, method, path string, hdr map[string]string, body any) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.URL()+path, rd)
	req.Header.Set("x-api-key", key)
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func start(t *testing.T) *Emulator {
	return emutest.Seeded(t, New(Config{APIKey: key, OrgID: "5f00000000000000000000aa"}), org)
}

func TestAuthShapes(t *testing.T) {
	e := start(t)
	for _, h := range []map[string]string{{"x-api-key": ""}, {"x-api-key": "nope"}, {"x-org-id": "5f00000000000000000000bb"}} {
		resp, b := call(t, e, "GET", "/api/systemusers", h, nil)
		var eb errorBody
		if resp.StatusCode != 401 || json.Unmarshal(b, &eb) != nil || eb.Code != 401 || eb.Status != "UNAUTHENTICATED" || eb.Message == "" {
			t.Fatalf("%v: %d %s", h, resp.StatusCode, b)
		}
	}
	if resp, _ := call(t, e, "GET", "/api/systemusers", map[string]string{"x-org-id": "5f00000000000000000000aa"}, nil); resp.StatusCode != 200 {
		t.Fatalf("right org: %d", resp.StatusCode)
	}
}

func TestPagingAndFilters(t *testing.T) {
	e := start(t)
	var seen []string
	for skip := 0; ; skip += 7 {
		resp, b := call(t, e, "GET", "/api/systemusers?limit=7&sort=_id&skip="+strconv.Itoa(skip), nil, nil)
		var out struct {
			TotalCount int    `json:"totalCount"`
			Results    []User `json:"results"`
		}
		if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.TotalCount != len(org.Employees) {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		if len(out.Results) == 0 {
			break
		}
		for _, u := range out.Results {
			seen = append(seen, u.ID)
		}
	}
	if len(seen) != len(org.Employees) {
		t.Fatalf("paged %d users, want %d", len(seen), len(org.Employees))
	}
	if resp, _ := call(t, e, "GET", "/api/systemusers?limit=101", nil, nil); resp.StatusCode != 400 {
		t.Fatalf("limit 101: %d", resp.StatusCode)
	}
	if resp, b := call(t, e, "GET", "/api/systemusers?filter=email:eq:x", nil, nil); resp.StatusCode != 400 || !strings.Contains(string(b), "$eq") {
		t.Fatalf("v2 operator on v1: %d %s", resp.StatusCode, b)
	}
	emp := org.Employees[4]
	_, b := call(t, e, "GET", "/api/systemusers?filter=employeeIdentifier:$eq:"+emp.EmployeeID, nil, nil)
	if !strings.Contains(string(b), `"totalCount":1`) || !strings.Contains(string(b), emp.EmployeeID) {
		t.Fatalf("filter: %s", b)
	}
	// v2: a bare array, the total in X-Total-Count
	resp, b := call(t, e, "GET", "/api/v2/usergroups?limit=3", nil, nil)
	var gs []groupOut
	if resp.StatusCode != 200 || json.Unmarshal(b, &gs) != nil || len(gs) != 3 || resp.Header.Get("X-Total-Count") != strconv.Itoa(len(org.Groups)+1) {
		t.Fatalf("usergroups %d %s %v", resp.StatusCode, b, resp.Header)
	}
}

func TestMembershipAndState(t *testing.T) {
	e := start(t)
	u, _ := e.UserByEmployeeID(org.Employees[2].EmployeeID)
	_, b := call(t, e, "GET", "/api/v2/usergroups?filter=name:eq:dept-sales", nil, nil)
	var gs []groupOut
	_ = json.Unmarshal(b, &gs)
	if len(gs) != 1 {
		t.Fatalf("groups %s", b)
	}
	path := "/api/v2/usergroups/" + gs[0].ID + "/members"
	op := func(verb string) int {
		resp, _ := call(t, e, "POST", path, nil, map[string]string{"op": verb, "type": "user", "id": u.ID})
		return resp.StatusCode
	}
	if a, b, c, d := op("add"), op("add"), op("remove"), op("remove"); a != 204 || b != 409 || c != 204 || d != 404 {
		t.Fatalf("add %d, again %d, remove %d, again %d", a, b, c, d)
	}
	resp, _ := call(t, e, "PUT", "/api/systemusers/"+u.ID, nil, map[string]any{"suspended": true})
	if cur, _ := e.UserByID(u.ID); resp.StatusCode != 200 || cur.State != "SUSPENDED" {
		t.Fatalf("suspend %d %s", resp.StatusCode, cur.State)
	}
	resp, _ = call(t, e, "PUT", "/api/systemusers/"+u.ID, nil, map[string]any{"manager": "000000000000000000000000"})
	if resp.StatusCode != 400 {
		t.Fatalf("unknown manager %d", resp.StatusCode)
	}
	other := org.Employees[3]
	resp, b = call(t, e, "POST", "/api/systemusers", nil, map[string]any{"username": Username(other.Email), "email": "new@demo.jml.test"})
	if resp.StatusCode != 400 || !strings.Contains(string(b), "Username already exists") {
		t.Fatalf("duplicate %d %s", resp.StatusCode, b)
	}
}

func TestThrottleHeaders(t *testing.T) {
	e := start(t)
	e.SetLimit("systemusers", emulator.Limit{Requests: 1, Window: time.Minute})
	call(t, e, "GET", "/api/systemusers", nil, nil)
	resp, b := call(t, e, "GET", "/api/systemusers", nil, nil)
	ra, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != 429 || ra < 1 || resp.Header.Get("X-RateLimit-Limit") != "1" || !strings.Contains(string(b), "RESOURCE_EXHAUSTED") {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
}

// BenchmarkGetUser: GET /api/systemusers/{id}, for the README's table.
func BenchmarkGetUser(b *testing.B) {
	e := emutest.Seeded(b, New(Config{APIKey: key}), org)
	u, _ := e.UserByEmployeeID(org.Employees[1].EmployeeID)
	emutest.BenchServer(b, nil, "req/s", func(int) *http.Request {
		req, _ := http.NewRequest("GET", e.URL()+"/api/systemusers/"+u.ID, nil)
		req.Header.Set("x-api-key", key)
		return req
	})
}

package bamboohremu

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/domain"
)

var now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func start(t testing.TB, cfg Config) *Emulator {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return now }
	}
	return emutest.Seeded(t, New(cfg), demoorg.New(40, 3))
}

func get(t testing.TB, e *Emulator, method, path, user, pass, body string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.URL()+path, rd)
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestAuth(t *testing.T) {
	e := start(t, Config{APIKey: "k1"})
	for _, c := range []struct{ user, pass string }{{"", ""}, {"k2", "x"}, {"k1", "y"}, {"K1", "x"}} {
		code, h, _ := get(t, e, "GET", "/api/v1/employees/101?fields=firstName", c.user, c.pass, "")
		if code != 401 || h.Get("WWW-Authenticate") == "" || h.Get("X-BambooHR-Error-Message") == "" {
			t.Errorf("%q/%q: %d", c.user, c.pass, code)
		}
	}
	if code, _, _ := get(t, e, "GET", "/api/v1/employees/101?fields=firstName", "k1", "x", ""); code != 200 {
		t.Errorf("good key: %d", code)
	}
	if code, _, _ := get(t, e, "GET", "/api/gateway.php/demo/v1/employees/101?fields=firstName", "k1", "x", ""); code != 200 {
		t.Errorf("gateway path: %d", code)
	}
}

func TestEmployeeDirectoryReport(t *testing.T) {
	e := start(t, Config{})
	key := e.APIKey()
	org := demoorg.New(40, 3)
	emp := org.Employees[9] // E0010, reports to E0003
	id, ok := e.ID(emp.EmployeeID)
	if !ok {
		t.Fatal("not seeded")
	}
	mid, _ := e.ID(emp.ManagerEmployeeID)
	code, h, b := get(t, e, "GET", "/api/v1/employees/"+id+"?fields=firstName,workEmail,supervisorEId,terminationDate,employeeNumber,nosuch", key, "x", "")
	var m map[string]any
	if code != 200 || h.Get("Content-Type") != "application/json" || json.Unmarshal(b, &m) != nil {
		t.Fatalf("%d %s", code, b)
	}
	want := map[string]any{"id": id, "firstName": emp.GivenName, "workEmail": emp.Email, "supervisorEId": mid,
		"terminationDate": NoDate, "employeeNumber": emp.EmployeeID, "nosuch": nil}
	for k, v := range want {
		if m[k] != v {
			t.Errorf("%s = %#v, want %#v", k, m[k], v)
		}
	}
	if len(m) != len(want) {
		t.Errorf("extra fields: %v", m)
	}
	if code, _, _ := get(t, e, "GET", "/api/v1/employees/99999", key, "x", ""); code != 404 {
		t.Errorf("unknown: %d", code)
	}

	if err := e.Terminate(id, "2026-11-30"); err != nil {
		t.Fatal(err)
	}
	code, _, b = get(t, e, "GET", "/api/v1/employees/directory", key, "x", "")
	var dir struct {
		Fields    []map[string]string
		Employees []map[string]any
	}
	if code != 200 || json.Unmarshal(b, &dir) != nil || len(dir.Fields) == 0 {
		t.Fatalf("directory: %d %s", code, b)
	}
	if len(dir.Employees) != 42 { // 43 less the terminated one
		t.Errorf("directory has %d", len(dir.Employees))
	}
	for _, d := range dir.Employees {
		if d["id"] == id {
			t.Error("terminated employee in directory")
		}
	}

	code, _, b = get(t, e, "POST", "/api/v1/reports/custom?format=JSON", key, "x", `{"title":"t","fields":["id","status","terminationDate"]}`)
	var rep struct{ Employees []map[string]any }
	if code != 200 || json.Unmarshal(b, &rep) != nil || len(rep.Employees) != 43 {
		t.Fatalf("report: %d %d", code, len(rep.Employees))
	}
	for _, r := range rep.Employees {
		if r["id"] == id && (r["status"] != "Inactive" || r["terminationDate"] != "2026-11-30") {
			t.Errorf("terminated row: %v", r)
		}
	}
	for _, c := range []struct{ q, body string }{
		{"format=CSV", `{"fields":["id"]}`}, {"format=JSON", `{"fields":[]}`}, {"format=JSON", `{`},
		{"format=JSON", `{"fields":["id"],"filters":{"lastChanged":{"value":"yesterday"}}}`},
	} {
		if code, h, _ := get(t, e, "POST", "/api/v1/reports/custom?"+c.q, key, "x", c.body); code != 400 || h.Get("X-BambooHR-Error-Message") == "" {
			t.Errorf("%s %s: %d", c.q, c.body, code)
		}
	}
	code, _, b = get(t, e, "POST", "/api/v1/reports/custom?format=JSON", key, "x",
		`{"fields":["id"],"filters":{"lastChanged":{"includeNull":"no","value":"`+now.Add(time.Hour).Format(time.RFC3339)+`"}}}`)
	if json.Unmarshal(b, &rep) != nil || code != 200 || len(rep.Employees) != 0 {
		t.Errorf("since filter: %d %s", code, b)
	}
}

func TestWebhooksSigned(t *testing.T) {
	type got struct {
		ts, sig string
		body    []byte
	}
	ch := make(chan got, 10)
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if broken.Load() {
			w.WriteHeader(500)
			return
		}
		b, _ := io.ReadAll(r.Body)
		ch <- got{r.Header.Get("X-BambooHR-Timestamp"), r.Header.Get("X-BambooHR-Signature"), b}
	}))
	defer srv.Close()
	e := start(t, Config{WebhookURL: srv.URL, WebhookKey: "priv", CompanyID: "777"})
	rec := domain.HRRecord{EmployeeID: "E9000", Email: "new@demo.jml.test", GivenName: "New", FamilyName: "Hire", Status: domain.HRPending, StartDate: "2026-12-14", ManagerEmployeeID: "E0001", EmploymentType: "contractor"}
	id, err := e.Hire(rec)
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := e.Employee(id); f["employmentHistoryStatus"] != "Contractor" || f["supervisorEId"] == "" || f["hireDate"] != "2026-12-14" {
		t.Errorf("hired fields: %v", f)
	}
	if _, err := e.Hire(rec); err == nil {
		t.Error("duplicate employee number accepted")
	}
	for _, want := range []string{"employee.created", "employee.updated"} {
		g := <-ch
		if g.sig != Sign("priv", g.body, g.ts) || g.ts != "1795687200" {
			t.Errorf("%s: bad signature or timestamp %q", want, g.ts)
		}
		var p struct {
			Type, Timestamp string
			Data            struct {
				CompanyID, EmployeeID string
				ChangedFields         []string
			}
		}
		if err := json.Unmarshal(g.body, &p); err != nil || p.Type != want || p.Data.EmployeeID != id || p.Data.CompanyID != "777" || p.Timestamp != "2026-11-26T10:00:00+0000" {
			t.Errorf("payload %s", g.body)
		}
		if want == "employee.updated" && len(p.Data.ChangedFields) < 5 {
			t.Errorf("changedFields %v", p.Data.ChangedFields)
		}
	}
	if err := e.Update(id, map[string]string{"jobTitle": "SRE", "firstName": "New"}); err != nil {
		t.Fatal(err)
	}
	if g := <-ch; !strings.Contains(string(g.body), `"changedFields":["jobTitle"]`) {
		t.Errorf("update payload %s", g.body)
	}
	if err := e.Update(id, map[string]string{"shoeSize": "9"}); err == nil {
		t.Error("unknown field accepted")
	}
	if err := e.Delete(id); err != nil {
		t.Fatal(err)
	}
	if g := <-ch; !strings.Contains(string(g.body), `"employee.deleted"`) {
		t.Errorf("delete payload %s", g.body)
	}
	if ds := e.Deliveries(); len(ds) != 4 || ds[3].Status != 200 {
		t.Errorf("deliveries %+v", ds)
	}
	e.SetWebhook(srv.URL+"/x", "priv")
	broken.Store(true)
	if err := e.Terminate(func() string { i, _ := e.ID("E0002"); return i }(), "2026-12-01"); err == nil {
		t.Error("failed delivery not reported")
	}
	if ds := e.Deliveries(); ds[len(ds)-1].Status != 500 {
		t.Errorf("failed delivery status %d", ds[len(ds)-1].Status)
	}
	if err := e.Terminate("101", "01/12/2026"); err == nil {
		t.Error("bad date accepted")
	}
}

func TestThrottledIs503(t *testing.T) {
	e := start(t, Config{})
	e.SetLimit("employees", emulator.Limit{Requests: 1, Window: time.Minute})
	get(t, e, "GET", "/api/v1/employees/101", e.APIKey(), "x", "")
	code, h, _ := get(t, e, "GET", "/api/v1/employees/101", e.APIKey(), "x", "")
	if code != 503 || h.Get("Retry-After") == "" {
		t.Errorf("throttled: %d %q", code, h.Get("Retry-After"))
	}
}

func BenchmarkGetEmployee(b *testing.B) {
	e := emutest.Seeded(b, New(Config{}), demoorg.Default())
	req, _ := http.NewRequest("GET", e.URL()+"/api/v1/employees/350?fields=firstName,lastName,workEmail,department,jobTitle,status,supervisorEId,hireDate,terminationDate,employeeNumber", nil)
	req.SetBasicAuth(e.APIKey(), "x")
	emutest.BenchServer(b, nil, "req/s", func(int) *http.Request { return req })
}

// An Update is all or nothing, and the indexes and derived fields follow it.
func TestUpdateConsistent(t *testing.T) {
	e := start(t, Config{})
	id, _ := e.ID("E0003")
	before, _ := e.Employee(id)
	// map order is random: repeat so an unknown field met after valid ones shows up
	for i := 0; i < 20; i++ {
		err := e.Update(id, map[string]string{"jobTitle": "X", "department": "Y", "location": "Z", "division": "W", "country": "V", "shoeSize": "9"})
		if err == nil {
			t.Fatal("unknown field accepted")
		}
		if after, _ := e.Employee(id); !maps.Equal(after, before) {
			t.Fatalf("failed update changed the employee: %v", after)
		}
	}
	if err := e.Update(id, map[string]string{"employeeNumber": "E9999"}); err != nil {
		t.Fatal(err)
	}
	if got, ok := e.ID("E9999"); !ok || got != id {
		t.Errorf("new number: %q %v", got, ok)
	}
	if got, ok := e.ID("E0003"); ok {
		t.Errorf("old number still resolves to %s", got)
	}
	if before["supervisorEId"] == "" {
		t.Fatalf("E0003 has no supervisor to clear: %v", before)
	}
	if err := e.Update(id, map[string]string{"supervisorEId": ""}); err != nil {
		t.Fatal(err)
	}
	if f, _ := e.Employee(id); f["supervisorEId"] != "" || f["supervisor"] != "" {
		t.Errorf("cleared supervisor: %q %q", f["supervisorEId"], f["supervisor"])
	}
}

// TestFutureDatedValuesHidden: like BambooHR, values effective after today
// (a joiner's job information, a scheduled transfer) are only shown to
// requests with onlyCurrent=false, on both the employee and the report.
func TestFutureDatedValuesHidden(t *testing.T) {
	clock := now
	e := start(t, Config{Now: func() time.Time { return clock }})
	key := e.APIKey()
	org := demoorg.New(40, 3)
	joiner := org.Joiners[0] // starts after now
	jid, _ := e.ID(joiner.EmployeeID)
	const fields = "department,jobTitle,supervisorEId,supervisor,employmentHistoryStatus,hireDate,workEmail"
	getOne := func(id, q string) map[string]any {
		t.Helper()
		code, _, b := get(t, e, "GET", "/api/v1/employees/"+id+"?fields="+fields+q, key, "x", "")
		if code != 200 {
			t.Fatalf("%s: %d", id, code)
		}
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	if m := getOne(jid, ""); m["department"] != nil || m["jobTitle"] != nil || m["supervisorEId"] != nil || m["hireDate"] != joiner.StartDate || m["workEmail"] != joiner.Email {
		t.Errorf("a pre-start joiner's job information is future-dated, hidden by default: %v", m)
	}
	if m := getOne(jid, "&onlyCurrent=true"); m["department"] != nil {
		t.Errorf("onlyCurrent=true hides it too: %v", m)
	}
	m := getOne(jid, "&onlyCurrent=false")
	mid, _ := e.ID(joiner.ManagerEmployeeID)
	if m["department"] != joiner.Department || m["jobTitle"] != joiner.Title || m["supervisorEId"] != mid || m["supervisor"] == nil {
		t.Errorf("onlyCurrent=false shows it: %v", m)
	}

	report := func(q string) map[string]map[string]any {
		t.Helper()
		code, _, b := get(t, e, "POST", "/api/v1/reports/custom?format=JSON"+q, key, "x", `{"fields":["department","jobTitle"]}`)
		if code != 200 {
			t.Fatalf("report: %d", code)
		}
		var rep struct{ Employees []map[string]any }
		_ = json.Unmarshal(b, &rep)
		out := map[string]map[string]any{}
		for _, r := range rep.Employees {
			out[r["id"].(string)] = r
		}
		return out
	}
	if r := report(""); r[jid]["department"] != nil {
		t.Errorf("report hides future-dated values by default: %v", r[jid])
	}
	if r := report("&onlyCurrent=false"); r[jid]["department"] != joiner.Department {
		t.Errorf("report with onlyCurrent=false: %v", r[jid])
	}

	// A transfer entered now, effective next month.
	emp := org.Employees[9].Record
	id, _ := e.ID(emp.EmployeeID)
	if err := e.Schedule(id, "2026-12-15", map[string]string{"department": "Finance", "jobTitle": "Controller"}); err != nil {
		t.Fatal(err)
	}
	if err := e.Schedule(id, "2026-12-15", map[string]string{"workEmail": "x@y"}); err == nil {
		t.Error("workEmail is not effective-dated")
	}
	if m := getOne(id, ""); m["department"] != emp.Department || m["jobTitle"] != emp.Title {
		t.Errorf("before the date, the current values: %v", m)
	}
	if m := getOne(id, "&onlyCurrent=false"); m["department"] != "Finance" || m["jobTitle"] != "Controller" {
		t.Errorf("future-dated values on request: %v", m)
	}
	if f, _ := e.Employee(id); f["department"] != "Finance" {
		t.Errorf("the inspection API shows what HR entered: %v", f)
	}
	clock = time.Date(2026, 12, 15, 0, 0, 1, 0, time.UTC)
	if m := getOne(id, ""); m["department"] != "Finance" {
		t.Errorf("on the date it is current: %v", m)
	}
	if m := getOne(jid, ""); m["department"] != joiner.Department {
		t.Errorf("the joiner started %s: current now: %v", joiner.StartDate, m)
	}
}

package bamboohr

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/bamboohremu"
	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/domain"
	"github.com/jml-dev/jml/integrations/directory"
)

var (
	now = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	org = demoorg.New(40, 3)
)

func emu(t testing.TB, cfg bamboohremu.Config) *bamboohremu.Emulator {
	t.Helper()
	cfg.Now = func() time.Time { return now }
	return emutest.Seeded(t, bamboohremu.New(cfg), org)
}

func newClient(t testing.TB, e *bamboohremu.Emulator, mod func(*Options)) *Client {
	t.Helper()
	o := Options{BaseURL: e.URL(), APIKey: e.APIKey(), Now: func() time.Time { return now }}
	if mod != nil {
		mod(&o)
	}
	c, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func bid(t *testing.T, e *bamboohremu.Emulator, num string) string {
	id, ok := e.ID(num)
	if !ok {
		t.Fatalf("%s not seeded", num)
	}
	return id
}

func TestNew(t *testing.T) {
	for _, o := range []Options{{BaseURL: "x", APIKey: "k"}, {BaseURL: "http://h"}, {BaseURL: "ftp://h", APIKey: "k"}} {
		if _, err := New(o); err == nil {
			t.Errorf("%+v accepted", o)
		}
	}
}

func TestGetEmployee(t *testing.T) {
	e := emu(t, bamboohremu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	want := org.Employees[24].Record // E0025: contractor, reports to E0004
	id := bid(t, e, want.EmployeeID)
	r, err := c.GetEmployee(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.Source != "bamboohr" || r.SourceID != id || r.EmployeeID != want.EmployeeID || r.Email != want.Email ||
		r.GivenName != want.GivenName || r.FamilyName != want.FamilyName || r.Department != want.Department ||
		r.Title != want.Title || r.Location != want.Location || r.Country != want.Country || r.CostCenter != want.CostCenter ||
		r.ManagerEmployeeID != want.ManagerEmployeeID || r.Status != domain.HRActive || r.EmploymentType != "contractor" ||
		r.StartDate != want.StartDate || r.TerminationDate != "" {
		t.Errorf("got %+v\nwant %+v", r, want)
	}
	if err := r.Validate(""); err != nil {
		t.Errorf("invalid record: %v", err)
	}

	j, err := c.GetEmployee(ctx, bid(t, e, org.Joiners[0].EmployeeID))
	if err != nil || j.Status != domain.HRPending || j.StartDate != "2026-12-07" {
		t.Errorf("joiner: %+v %v", j, err)
	}

	// a future-dated termination is terminated with its date; the workflow times it
	if err := e.Terminate(id, "2026-12-31"); err != nil {
		t.Fatal(err)
	}
	r, err = c.GetEmployee(ctx, id)
	if err != nil || r.Status != domain.HRTerminated || r.TerminationDate != "2026-12-31" || r.Validate("") != nil {
		t.Errorf("terminated: %+v %v", r, err)
	}
	// inactive without a date: effective the day it is seen
	if err := e.Update(id, map[string]string{"terminationDate": bamboohremu.NoDate}); err != nil {
		t.Fatal(err)
	}
	if r, _ = c.GetEmployee(ctx, id); r.Status != domain.HRTerminated || r.TerminationDate != "2026-11-26" {
		t.Errorf("inactive without date: %+v", r)
	}
	// an active employee whose termination date has passed
	id2 := bid(t, e, "E0030")
	_ = e.Update(id2, map[string]string{"terminationDate": "2026-11-01"})
	if r, _ = c.GetEmployee(ctx, id2); r.Status != domain.HRTerminated {
		t.Errorf("past termination date: %s", r.Status)
	}
	id3 := bid(t, e, "E0031")
	_ = e.Update(id3, map[string]string{"employmentHistoryStatus": "Leave of Absence"})
	if r, _ = c.GetEmployee(ctx, id3); r.Status != domain.HROnLeave {
		t.Errorf("leave: %s", r.Status)
	}

	_, err = c.GetEmployee(ctx, "99999")
	if !directory.IsNotFound(err) {
		t.Errorf("unknown: %v", err)
	}
	if _, err = c.GetEmployee(ctx, "../directory"); directory.KindOf(err) != directory.KindPermanent {
		t.Errorf("path id: %v", err)
	}
}

func TestCustomFieldMap(t *testing.T) {
	e := emu(t, bamboohremu.Config{})
	// a tenant that keys people by BambooHR id and keeps the cost centre in no field
	c := newClient(t, e, func(o *Options) {
		o.Fields = FieldMap{EmployeeID: "id", CostCenter: "preferredName", Title: "division"}
	})
	id := bid(t, e, "E0012")
	r, err := c.GetEmployee(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if r.EmployeeID != id || r.ManagerEmployeeID != bid(t, e, "E0005") || r.CostCenter != "" || r.Title != org.Employees[11].CostCenter || r.Email != org.Employees[11].Email {
		t.Errorf("%+v", r)
	}
}

func TestListEmployees(t *testing.T) {
	e := emu(t, bamboohremu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	id := bid(t, e, "E0020")
	_ = e.Terminate(id, "2026-11-20")
	rs, err := c.ListEmployees(ctx, time.Time{})
	if err != nil || len(rs) != 43 {
		t.Fatalf("%d records, %v", len(rs), err)
	}
	byID := map[string]domain.HRRecord{}
	for _, r := range rs {
		byID[r.EmployeeID] = r
		if err := r.Validate(""); err != nil {
			t.Errorf("invalid: %v", err)
		}
	}
	if byID["E0020"].Status != domain.HRTerminated || byID["E0041"].Status != domain.HRPending || byID["E0015"].ManagerEmployeeID != "E0001" {
		t.Errorf("E0020 %s, E0041 %s, E0015 manager %q", byID["E0020"].Status, byID["E0041"].Status, byID["E0015"].ManagerEmployeeID)
	}
	// Today's values, then the future ones for the three pre-start joiners.
	if n := e.Counts()["reports"]; n != 2 {
		t.Errorf("report calls %d, want 2", n)
	}
	rs, err = c.ListEmployees(ctx, now.Add(-time.Second))
	if err != nil || len(rs) != 43 { // everything was seeded "now"
		t.Errorf("since: %d %v", len(rs), err)
	}
	if rs, err = c.ListEmployees(ctx, now.Add(time.Hour)); err != nil || len(rs) != 0 {
		t.Errorf("since future: %d %v", len(rs), err)
	}
}

func TestErrors(t *testing.T) {
	e := emu(t, bamboohremu.Config{APIKey: "sekret-key-123"})
	ctx := context.Background()
	id := bid(t, e, "E0003")

	bad := newClient(t, e, func(o *Options) { o.APIKey = "wrong-key-456" })
	_, err := bad.GetEmployee(ctx, id)
	var de *directory.Error
	if !errors.As(err, &de) || de.Kind != directory.KindPermanent || de.Status != 401 || !strings.Contains(de.Message, "Invalid API key") {
		t.Errorf("bad key: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-key-456") {
		t.Error("key in error")
	}

	c := newClient(t, e, nil)
	e.AddFault(emulator.Fault{Family: "employees", Status: 503, RetryAfter: time.Second, Times: 1})
	e.ResetLog()
	if _, err := c.GetEmployee(ctx, id); err != nil {
		t.Errorf("after throttle: %v", err)
	}
	if n := e.Counts()["employees"]; n != 3 { // throttled, retried, manager lookup
		t.Errorf("calls %d", n)
	}
	e.AddFault(emulator.Fault{Family: "reports", Status: 500})
	c.attempts = 2
	_, err = c.ListEmployees(ctx, time.Time{})
	if directory.KindOf(err) != directory.KindTransient || !errors.As(err, &de) || de.Status != 500 {
		t.Errorf("500: %v", err)
	}
	e.ClearFaults()
	_ = e.Close()
	c.attempts = 1
	if _, err = c.GetEmployee(ctx, id); directory.KindOf(err) != directory.KindTransient || strings.Contains(err.Error(), "sekret-key-123") {
		t.Errorf("closed: %v", err)
	}

	for _, c := range []struct {
		status int
		h      http.Header
		kind   directory.Kind
	}{
		{503, http.Header{"Retry-After": {"2"}}, directory.KindThrottled},
		{429, nil, directory.KindThrottled},
		{503, nil, directory.KindTransient},
		{502, nil, directory.KindTransient},
		{404, nil, directory.KindNotFound},
		{400, nil, directory.KindPermanent},
		{403, nil, directory.KindPermanent},
	} {
		err := classify("op", c.status, c.h, now)
		if directory.KindOf(err) != c.kind {
			t.Errorf("%d: %v", c.status, err)
		}
	}
	if classify("op", 200, nil, now) != nil {
		t.Error("200 is an error")
	}
}

// TestWebhookRoundTrip: emulator mutators deliver signed webhooks to a
// receiver that verifies, parses and fetches the record through the client.
func TestWebhookRoundTrip(t *testing.T) {
	const key = "whk-private-key"
	type seen struct {
		ev  Event
		rec domain.HRRecord
		err error
	}
	ch := make(chan seen, 10)
	var c *Client
	guard := &ReplayGuard{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBody+1))
		if err := VerifyWebhook(r.Header, body, key, now.Add(30*time.Second)); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if err := guard.Check(r.Header.Get(HeaderSig), now); err != nil {
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		ev, err := ParseWebhook(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s := seen{ev: ev}
		if ev.Type != EventDeleted {
			s.rec, s.err = c.GetEmployee(r.Context(), ev.EmployeeID)
		}
		ch <- s
	}))
	defer recv.Close()
	e := emu(t, bamboohremu.Config{CompanyID: "4242"})
	e.SetWebhook(recv.URL, key)
	c = newClient(t, e, nil)

	j := org.Joiners[2]
	j.EmployeeID, j.Email = "E0900", "late.joiner@demo.jml.test"
	id, err := e.Hire(j)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []string{EventCreated, EventUpdated} {
		s := <-ch
		if s.ev.Type != typ || s.ev.EmployeeID != id || s.ev.CompanyID != "4242" || s.err != nil ||
			s.rec.EmployeeID != "E0900" || s.rec.Status != domain.HRPending || s.rec.ManagerEmployeeID != j.ManagerEmployeeID {
			t.Errorf("%s: %+v", typ, s)
		}
	}
	if err := e.Terminate(id, "2026-12-01"); err != nil {
		t.Fatal(err)
	}
	s := <-ch
	if s.ev.Type != EventUpdated || s.rec.Status != domain.HRTerminated || s.rec.TerminationDate != "2026-12-01" || !strings.Contains(strings.Join(s.ev.ChangedFields, ","), "terminationDate") {
		t.Errorf("terminate: %+v", s)
	}
	if err := e.Delete(id); err != nil {
		t.Fatal(err)
	}
	if s := <-ch; s.ev.Type != EventDeleted || s.ev.EmployeeID != id {
		t.Errorf("delete: %+v", s)
	}

	// replaying a captured delivery is refused; a wrong key is refused
	d := e.Deliveries()[0]
	req, _ := http.NewRequest("POST", recv.URL, strings.NewReader(string(d.Body)))
	req.Header.Set(HeaderTS, d.Timestamp)
	req.Header.Set(HeaderSig, d.Signature)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusConflict {
		t.Errorf("replay: %v %v", resp.StatusCode, err)
	}
	e.SetWebhook(recv.URL, "another-key")
	if err := e.Update(bid(t, e, "E0002"), map[string]string{"jobTitle": "Boss"}); err == nil {
		t.Error("delivery with wrong key accepted")
	}
	if ds := e.Deliveries(); ds[len(ds)-1].Status != http.StatusUnauthorized {
		t.Errorf("last delivery %+v", ds[len(ds)-1])
	}
}

func BenchmarkClientGetEmployee(b *testing.B) {
	e := emutest.Seeded(b, bamboohremu.New(bamboohremu.Config{}), demoorg.Default())
	c, _ := New(Options{BaseURL: e.URL(), APIKey: e.APIKey()})
	id, _ := e.ID("E0350")
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetEmployee(ctx, id); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "calls/s")
}

// TestFutureDatedValues: BambooHR hides values effective after today
// unless asked; the client asks, on the report and the single fetch, so a
// pre-start joiner has the department, title and manager of their first day.
func TestFutureDatedValues(t *testing.T) {
	e := emu(t, bamboohremu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	want := org.Joiners[0] // starts 2026-12-07, after now
	got, err := c.GetEmployee(ctx, bid(t, e, want.EmployeeID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Department != want.Department || got.Title != want.Title || got.ManagerEmployeeID != want.ManagerEmployeeID ||
		got.Location != want.Location || got.CostCenter != want.CostCenter || got.EmploymentType != want.EmploymentType || got.Status != domain.HRPending {
		t.Errorf("pre-start joiner from GetEmployee:\ngot  %+v\nwant %+v", got, want)
	}
	rs, err := c.ListEmployees(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rs {
		if r.EmployeeID == want.EmployeeID {
			found = true
			if r.Department != want.Department || r.Title != want.Title || r.ManagerEmployeeID != want.ManagerEmployeeID {
				t.Errorf("pre-start joiner from ListEmployees:\ngot  %+v\nwant %+v", r, want)
			}
		}
	}
	if !found {
		t.Errorf("%s not listed", want.EmployeeID)
	}
}

// TestFutureTransferOfAnActiveEmployeeWaits: for someone who has started, a
// future-dated transfer is not yet in effect. Taking it would move their
// access before the move (no record carries a move's effective date), so the
// client reads today's values for them, on the single fetch and the report.
func TestFutureTransferOfAnActiveEmployeeWaits(t *testing.T) {
	e := emu(t, bamboohremu.Config{})
	c := newClient(t, e, nil)
	ctx := context.Background()
	want := org.Employees[5]
	if want.Record.Status != domain.HRActive || want.Department == "Finance" {
		t.Fatalf("fixture: want an active employee outside Finance, got %+v", want.Record)
	}
	if err := e.Schedule(bid(t, e, want.EmployeeID), time.Now().AddDate(0, 1, 0).Format(time.DateOnly),
		map[string]string{"department": "Finance", "jobTitle": "Controller"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.GetEmployee(ctx, bid(t, e, want.EmployeeID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Department != want.Department || got.Title != want.Title {
		t.Errorf("GetEmployee took the future transfer: got %s/%s, want %s/%s", got.Department, got.Title, want.Department, want.Title)
	}
	rs, err := c.ListEmployees(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.EmployeeID == want.EmployeeID && (r.Department != want.Department || r.Title != want.Title) {
			t.Errorf("ListEmployees took the future transfer: got %s/%s, want %s/%s", r.Department, r.Title, want.Department, want.Title)
		}
	}
}

package emutest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/emulator"
	"github.com/jml-dev/jml/devstack/emulator/emutest"
	"github.com/jml-dev/jml/devstack/scimemu"
)

type okAPI struct{}

func (okAPI) Family(*http.Request) string                                            { return "all" }
func (okAPI) Throttled(http.ResponseWriter, *http.Request, time.Duration, time.Time) {}
func (okAPI) Failed(w http.ResponseWriter, _ *http.Request, status int)              { w.WriteHeader(status) }
func (okAPI) Authorized(http.ResponseWriter, *http.Request) bool                     { return true }
func (okAPI) ServeAPI(w http.ResponseWriter, _ *http.Request)                        {}
func (okAPI) Snapshot() any                                                          { return nil }

// The emulator listens on loopback during the test and is closed after it.
func TestStartClosesAtCleanup(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) {
		s := emutest.Start(t, emulator.New(okAPI{}))
		url = s.URL()
		resp, err := http.Get(url + "/x")
		if err != nil {
			t.Fatalf("not listening during the test: %v", err)
		}
		resp.Body.Close()
	})
	if url == "" || url[:17] != "http://127.0.0.1:" {
		t.Fatalf("not on loopback: %q", url)
	}
	if resp, err := http.Get(url + "/x"); err == nil {
		resp.Body.Close()
		t.Fatal("still listening after the test ended")
	}
}

// Seeded loads the organisation before the first request.
func TestSeeded(t *testing.T) {
	org := demoorg.New(3, 0)
	e := emutest.Seeded(t, scimemu.New(scimemu.Config{}), org)
	if _, ok := e.User("zoom", org.Employees[0].Email); !ok {
		t.Fatal("seeded user missing")
	}
}

func TestPerson(t *testing.T) {
	r := demoorg.New(1, 1).Joiners[0]
	p := emutest.Person(r)
	if p.EmployeeID != r.EmployeeID || p.Email != r.Email || p.GivenName != r.GivenName || p.FamilyName != r.FamilyName ||
		p.Department != r.Department || p.Title != r.Title || p.Location != r.Location || p.CostCenter != r.CostCenter ||
		p.UsageLocation != r.Country || p.EmploymentType != r.EmploymentType || p.UsageLocation == "" {
		t.Fatalf("person %+v from %+v", p, r)
	}
}

// Package emutest holds the test helpers shared by the emulators' own tests
// and the integration tests that run the real SDKs against them: start an
// emulator on loopback for one test, and build a directory Person from a
// demo organisation's HR record. Only tests import it.
package emutest

import (
	"io"
	"net/http"
	"testing"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/domain"
)

// Emulator is what every devstack emulator (and the bare emulator.Server)
// offers: listen on an address, stop.
type Emulator interface {
	Start(addr string) error
	Close() error
}

// Seeder is an emulator that loads a demo organisation.
type Seeder interface {
	Emulator
	Seed(org demoorg.Org)
}

// Start starts e on a random loopback port and closes it when the test (or
// benchmark) ends; it fails the test at once if e cannot listen.
func Start[E Emulator](tb testing.TB, e E) E {
	tb.Helper()
	if err := e.Start("127.0.0.1:0"); err != nil {
		tb.Fatalf("start emulator: %v", err)
	}
	tb.Cleanup(func() { _ = e.Close() })
	return e
}

// Seeded seeds e with org, then starts it as Start does.
func Seeded[E Seeder](tb testing.TB, e E, org demoorg.Org) E {
	tb.Helper()
	e.Seed(org)
	return Start(tb, e)
}

// Person is the directory Person for a demo HR record, every field the
// directories take filled in (UsageLocation from the record's country).
func Person(r domain.HRRecord) domain.Person {
	return domain.Person{EmployeeID: r.EmployeeID, Email: r.Email, GivenName: r.GivenName, FamilyName: r.FamilyName,
		Department: r.Department, Title: r.Title, Location: r.Location, CostCenter: r.CostCenter, UsageLocation: r.Country,
		EmploymentType: r.EmploymentType}
}

// BenchServer measures the emulator alone: it sends req(i) with hc (the
// default client when nil) until the benchmark is done, drains each answer,
// fails on anything but 200, and reports the rate as unit ("req/s").
func BenchServer(b *testing.B, hc *http.Client, unit string, req func(i int) *http.Request) {
	b.Helper()
	if hc == nil {
		hc = http.DefaultClient
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		resp, err := hc.Do(req(i))
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), unit)
}

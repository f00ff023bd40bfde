package harness

import (
	"context"
	"testing"

	"github.com/jml-dev/jml/devstack/demoorg"
	"github.com/jml-dev/jml/devstack/samba"
)

// StartAD starts a real Samba AD DC for the test, on a loopback address of
// its own, seeded from org (the Env's Org); it stops when the test ends.
// The domain is provisioned once per test process (Main removes it).
func StartAD(t testing.TB, org demoorg.Org) (*samba.DC, samba.Seeded) {
	t.Helper()
	dc, err := samba.StartTracked(context.Background())
	if err != nil {
		t.Fatalf("samba DC: %v", err)
	}
	t.Cleanup(dc.Stop)
	s, err := samba.Seed(dc, org)
	if err != nil {
		t.Fatalf("samba seed: %v", err)
	}
	return dc, s
}
